/**
 * How an accelerated backend (WASM here, the native one in @rectifier/tensor-native) turns a float32
 * sum over a trailing block of axes, plus optionally a leading block, into per-row sums its kernel
 * computes, and folds them back. Covers bias gradients (axes [0, 2, 3] of NCHW) and global average
 * pooling (axes [2, 3]); anything else stays with the CPU backend's reduction.
 */
import type { View } from '../../backend.js';

/** A sum over axes as `rows` row sums of `inner` contiguous elements, folded to `channels` outputs. */
export interface RowSumPlan {
  /** Rows of the contiguous input (outer x channels). */
  readonly rows: number;
  /** Elements per row (the product of the trailing reduced axes). */
  readonly inner: number;
  /** Product of the leading reduced axes (1 when only trailing axes are reduced). */
  readonly outer: number;
  /** Output elements (the product of the kept axes in between). */
  readonly channels: number;
}

/**
 * The plan for `sum(x, axes)` when `x` is contiguous (size-1 axes aside), has at least `minElements`
 * elements, and the reduced axes are a trailing block and optionally a leading block; else null.
 */
export function planRowSums(x: View, axes: readonly number[], minElements: number): RowSumPlan | null {
  const shape = x.shape;
  const nd = shape.length;
  let n = 1;
  for (let i = nd - 1; i >= 0; i--) {
    if (shape[i] !== 1 && x.strides[i] !== n) return null;
    n *= shape[i];
  }
  if (n < minElements) return null;
  let tail = nd;
  while (tail > 0 && axes.includes(tail - 1)) tail--;
  let lead = 0;
  while (lead < tail && axes.includes(lead)) lead++;
  if (tail === nd || axes.some((a) => a >= lead && a < tail)) return null;
  let outer = 1;
  for (let i = 0; i < lead; i++) outer *= shape[i];
  let inner = 1;
  for (let i = tail; i < nd; i++) inner *= shape[i];
  const rows = n / inner;
  return { rows, inner, outer, channels: rows / outer };
}

/** Adds the float64 row sums of each channel over the leading block, in row order, into `out`. */
export function foldRowSums(sums: Float64Array, plan: RowSumPlan, out: Float32Array): void {
  const C = plan.channels;
  for (let c = 0; c < C; c++) {
    let acc = 0;
    for (let b = 0; b < plan.outer; b++) acc += sums[b * C + c];
    out[c] = acc;
  }
}
