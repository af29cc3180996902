import { describe, expect, it } from 'vitest';
import { collapse } from './backends/cpu/strided.js';
import { ShapeError } from './errors.js';
import { broadcastShapes, inferShape, normalizeAxes, normalizeAxis, viewStrides } from './shape.js';

describe('shape helpers', () => {
  it('broadcasts like NumPy, including size-1 and 0-size dims', () => {
    expect(broadcastShapes('add', [2, 1, 3], [4, 1])).toEqual([2, 4, 3]);
    expect(broadcastShapes('add', [], [2, 3])).toEqual([2, 3]);
    expect(broadcastShapes('add', [0, 3], [1, 3])).toEqual([0, 3]);
    expect(broadcastShapes('add', [0], [1])).toEqual([0]);
    expect(() => broadcastShapes('add', [0], [2])).toThrow(ShapeError);
    expect(() => broadcastShapes('add', [2, 3], [4, 3])).toThrow(
      'add: shapes [2, 3] and [4, 3] cannot be broadcast together',
    );
  });
  it('normalizes negative axes and rejects out-of-range ones', () => {
    expect(normalizeAxis('sum', -1, 3)).toBe(2);
    expect(() => normalizeAxis('sum', 3, 3)).toThrow('sum: dim 3 is out of range for a tensor of rank 3');
    expect(() => normalizeAxis('sum', -4, 3)).toThrow(ShapeError);
    expect(normalizeAxes('sum', [-1, 0], 3)).toEqual([0, 2]);
    expect(() => normalizeAxes('sum', [1, -2], 3)).toThrow('appears twice');
  });
  it('computes view strides like PyTorch or refuses', () => {
    expect(viewStrides([2, 3, 4], [12, 4, 1], [6, 4])).toEqual([4, 1]);
    expect(viewStrides([2, 3], [1, 2], [6])).toBeNull(); // transposed
    expect(viewStrides([2, 3], [1, 2], [2, 3, 1])?.slice(0, 2)).toEqual([1, 2]); // size-1 strides are free
    expect(viewStrides([4, 3], [0, 1], [2, 2, 3])).toEqual([0, 0, 1]); // expanded dim splits
    expect(viewStrides([2, 4], [4, 1], [2, 2, 2])).toEqual([4, 2, 1]);
  });
  it('infers one -1 and validates element counts', () => {
    expect(inferShape('reshape', [2, 6], [-1, 3])).toEqual([4, 3]);
    expect(() => inferShape('reshape', [2, 6], [-1, -1])).toThrow('only one dimension');
    expect(() => inferShape('reshape', [2, 6], [5])).toThrow('cannot reshape [2, 6] (12 elements) into [5]');
    expect(() => inferShape('reshape', [2, 6], [-3, 4])).toThrow(ShapeError);
  });
  it('merges dims that are contiguous for every operand (CPU loops)', () => {
    // [N,C,H,W] + [1,C,1,1]: H and W merge; the broadcast operand keeps stride 0 on N and H*W
    expect(
      collapse(
        [2, 3, 4, 5],
        [
          [60, 20, 5, 1],
          [0, 1, 0, 0],
        ],
      ),
    ).toEqual({
      shape: [2, 3, 20],
      strides: [
        [60, 20, 1],
        [0, 1, 0],
      ],
    });
    expect(collapse([2, 1, 3], [[3, 3, 1]])).toEqual({ shape: [6], strides: [[1]] });
  });
});
