import { describe, expect, it } from 'vitest';
import { DTypeError, ShapeError } from '../errors.js';
import { backendsUnderTest } from '../test-support/backends.js';
import { f64, read } from '../test-support/helpers.js';
import { assertClose, gradcheck } from '../testing/index.js';
import { arange, tensor, zeros } from './creation.js';
import { concat, split, stack } from './join.js';

describe.each(await backendsUnderTest())('concat/stack/split on $name', ({ backend }) => {
  it('concatenates along any dim, including empty pieces', async () => {
    const a = arange(6, undefined, 1, { backend }).reshape([2, 3]);
    const b = arange(6, 10, 1, { backend }).reshape([2, 2]);
    const c = concat([a, b, zeros([2, 0], { backend })], 1);
    expect(c.shape).toEqual([2, 5]);
    assertClose(await read(c), [0, 1, 2, 6, 7, 3, 4, 5, 8, 9]);
    assertClose(await read(concat([a, a.narrow(0, 1, 1)], -2)), [0, 1, 2, 3, 4, 5, 3, 4, 5]);
    assertClose(await read(concat([a.T, a.T], 0)), [0, 3, 1, 4, 2, 5, 0, 3, 1, 4, 2, 5]);
  });
  it('stacks along a new dim and splits into views', async () => {
    const a = tensor([1, 2], { backend });
    const b = tensor([3, 4], { backend });
    const s = stack([a, b], 1);
    expect(s.shape).toEqual([2, 2]);
    assertClose(await read(s), [1, 3, 2, 4]);
    const parts = split(arange(7, undefined, 1, { backend }), 3);
    expect(parts.map((p) => p.shape[0])).toEqual([3, 3, 1]);
    assertClose(await read(parts[2]), [6]);
    const secs = split(arange(6, undefined, 1, { backend }).reshape([2, 3]), [1, 2], 1);
    assertClose(await read(secs[1]), [1, 2, 4, 5]);
  });
  it('validates shapes and dtypes', () => {
    expect(() => concat([zeros([2, 3], { backend }), zeros([3, 3], { backend })], 1)).toThrow(
      'concat: tensors[1] has shape [3, 3], incompatible with tensors[0] [2, 3] along dim 1',
    );
    expect(() => concat([zeros([2], { backend }), zeros([2], { backend, dtype: 'int32' })])).toThrow(
      DTypeError,
    );
    expect(() => stack([zeros([2], { backend }), zeros([3], { backend })])).toThrow(ShapeError);
    expect(() => split(zeros([4], { backend }), [1, 2])).toThrow('must be non-negative and sum to 4');
  });
});

describe('join gradients (float64)', () => {
  it('concat, stack and split', () => {
    expect(gradcheck((a, b) => concat([a, b.square()], 1), [f64([2, 3], 1), f64([2, 2], 2)])).toBe(true);
    expect(gradcheck((a, b) => stack([a, b], 0).mul(stack([b, a], 1).T), [f64([3], 3), f64([3], 4)])).toBe(
      true,
    );
    expect(gradcheck((a) => split(a, 2, 1)[1].exp(), [f64([2, 5], 5)])).toBe(true);
  });
});
