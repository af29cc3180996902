// The operand classification behind the WASM and native elementwise loops.

import { describe, expect, it } from 'vitest';
import type { View } from '../../backend.js';
import { CHANNEL, elementwiseLayout, FULL, ROW, SCALAR } from './elementwise-layout.js';

const v = (shape: number[], strides: number[]): View =>
  ({
    storage: { backend: 'cpu', dtype: 'float32', size: 0 },
    dtype: 'float32',
    shape,
    strides,
    offset: 0,
  }) as View;
const NCHW = [4, 8, 16, 16];
const full = v(NCHW, [2048, 256, 16, 1]);

describe('elementwiseLayout', () => {
  it('full and scalar operands make one row', () => {
    expect(elementwiseLayout([full, v(NCHW, [0, 0, 0, 0])])).toEqual({
      outer: 1,
      C: 1,
      inner: 8192,
      modes: [FULL, SCALAR],
    });
  });

  it('a per-channel operand splits rows at its axis', () => {
    expect(elementwiseLayout([full, v(NCHW, [0, 1, 0, 0])])).toEqual({
      outer: 4,
      C: 8,
      inner: 256,
      modes: [FULL, CHANNEL],
    });
  });

  it('a per-row operand ([N, C, 1, 1] broadcast) splits rows after its last axis, with a channel operand', () => {
    expect(elementwiseLayout([full, v(NCHW, [8, 1, 0, 0])], { perRow: true })).toEqual({
      outer: 32,
      C: 1,
      inner: 256,
      modes: [FULL, ROW],
    });
    expect(elementwiseLayout([full, v(NCHW, [8, 1, 0, 0]), v(NCHW, [0, 1, 0, 0])], { perRow: true })).toEqual(
      {
        outer: 4,
        C: 8,
        inner: 256,
        modes: [FULL, ROW, CHANNEL],
      },
    );
  });

  it('returns null for layouts the loop does not take', () => {
    expect(elementwiseLayout([full, v(NCHW, [256, 0, 16, 1])])).toBeNull(); // [N,1,H,W] broadcast
    expect(elementwiseLayout([full, v(NCHW, [2048, 1, 128, 8])])).toBeNull(); // channels-last
    expect(
      elementwiseLayout([full, v(NCHW, [8, 1, 0, 0]), v(NCHW, [0, 0, 1, 0])], { perRow: true }),
    ).toBeNull(); // row + channel elsewhere
    expect(
      elementwiseLayout([full, v(NCHW, [1, 0, 0, 0]), v(NCHW, [8, 1, 0, 0])], { perRow: true }),
    ).toBeNull(); // two row splits
  });

  it('refuses per-row operands unless the kernel takes them (the WASM kernel does not)', () => {
    expect(elementwiseLayout([full, v(NCHW, [8, 1, 0, 0])])).toBeNull();
  });
});
