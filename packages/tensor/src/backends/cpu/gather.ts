/** torch.gather and its adjoint scatter-add on the CPU. */
import type { Shape, View } from '../../backend.js';
import { alloc, allocZeroed, arr, type CpuStorage } from './storage.js';
import { offsets } from './strided.js';

/**
 * out[...i_axis...] = x[..., index[...], ...]: the output has index's shape; along `axis` the
 * position comes from index, elsewhere from the output position. Indices are validated by the caller.
 */
export function gather(x: View, axis: number, index: View): CpuStorage {
  const X = arr(x);
  const I = arr(index);
  // x's offset for each output position, ignoring the axis coordinate (stride 0 there)
  const xStrides = x.strides.map((s, i) => (i === axis ? 0 : s));
  const xPos = offsets(index.shape, xStrides, x.offset);
  const iPos = offsets(index.shape, index.strides, index.offset);
  const out = alloc(x.dtype, xPos.length);
  const O = out.data;
  const step = x.strides[axis];
  for (let i = 0; i < xPos.length; i++) O[i] = X[xPos[i] + I[iPos[i]] * step];
  return out;
}

/** A zero storage of `shape` with src added at the positions gather would read. */
export function scatterAdd(shape: Shape, axis: number, index: View, src: View): CpuStorage {
  let n = 1;
  for (const d of shape) n *= d;
  const out = allocZeroed(src.dtype, n);
  const O = out.data;
  const S = arr(src);
  const I = arr(index);
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = i === axis ? 0 : s;
    s *= shape[i];
  }
  const step = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const oPos = offsets(index.shape, strides, 0);
  const iPos = offsets(index.shape, index.strides, index.offset);
  const sPos = offsets(src.shape, src.strides, src.offset);
  for (let i = 0; i < oPos.length; i++) O[oPos[i] + I[iPos[i]] * step] += S[sPos[i]];
  return out;
}
