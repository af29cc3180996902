/** Reductions, arg-reductions and row-wise log-softmax of the CPU backend. */
import type { ArgReduceOp, ReduceOp, TypedArray, View } from '../../backend.js';
import { alloc, arr, type CpuStorage } from './storage.js';
import { collapse, offsets } from './strided.js';

const IDENTITY: Record<ReduceOp, number> = {
  sum: 0,
  prod: 1,
  max: Number.NEGATIVE_INFINITY,
  min: Number.POSITIVE_INFINITY,
};

/** acc[po + i*io] = op(acc[...], X[px + i*ix]) for one row; NaN propagates through max/min. */
function reduceRow(
  op: ReduceOp,
  n: number,
  X: TypedArray,
  px: number,
  ix: number,
  acc: Float64Array,
  po: number,
  io: number,
): void {
  if (io === 0) {
    let s = acc[po];
    switch (op) {
      case 'sum':
        for (let i = 0; i < n; i++) s += X[px + i * ix];
        break;
      case 'prod':
        for (let i = 0; i < n; i++) s *= X[px + i * ix];
        break;
      case 'max':
        for (let i = 0; i < n; i++) {
          const v = X[px + i * ix];
          if (v > s || Number.isNaN(v)) s = v;
          if (Number.isNaN(s)) break;
        }
        break;
      case 'min':
        for (let i = 0; i < n; i++) {
          const v = X[px + i * ix];
          if (v < s || Number.isNaN(v)) s = v;
          if (Number.isNaN(s)) break;
        }
        break;
    }
    acc[po] = s;
    return;
  }
  for (let i = 0; i < n; i++) {
    const v = X[px + i * ix];
    const o = po + i * io;
    const s = acc[o];
    switch (op) {
      case 'sum':
        acc[o] = s + v;
        break;
      case 'prod':
        acc[o] = s * v;
        break;
      case 'max':
        if (v > s || Number.isNaN(v) || Number.isNaN(s)) acc[o] = Number.isNaN(s) ? s : v;
        break;
      case 'min':
        if (v < s || Number.isNaN(v) || Number.isNaN(s)) acc[o] = Number.isNaN(s) ? s : v;
        break;
    }
  }
}

/**
 * Walks x in its row-major order and folds each element into the output slot given by output
 * strides that are 0 on reduced axes; accumulates in float64, then stores in x's dtype.
 */
export function reduce(op: ReduceOp, x: View, axes: readonly number[]): CpuStorage {
  const outShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  let outSize = 1;
  for (const d of outShape) outSize *= d;
  const acc = new Float64Array(outSize).fill(IDENTITY[op]);
  const oStrides = new Array<number>(x.shape.length);
  let s = 1;
  for (let i = x.shape.length - 1; i >= 0; i--) {
    oStrides[i] = axes.includes(i) ? 0 : s;
    s *= outShape[i];
  }
  let n = 1;
  for (const d of x.shape) n *= d;
  if (n > 0) {
    const X = arr(x);
    const { shape, strides } = collapse(x.shape, [x.strides, oStrides]);
    const [sx, so] = strides;
    const nd = shape.length;
    if (nd === 0) reduceRow(op, 1, X, x.offset, 0, acc, 0, 0);
    else {
      const len = shape[nd - 1];
      const rows = n / len;
      const idx = new Array<number>(nd).fill(0);
      let px = x.offset;
      let po = 0;
      for (let r = 0; r < rows; r++) {
        reduceRow(op, len, X, px, sx[nd - 1], acc, po, so[nd - 1]);
        for (let d = nd - 2; d >= 0; d--) {
          px += sx[d];
          po += so[d];
          if (++idx[d] < shape[d]) break;
          px -= sx[d] * shape[d];
          po -= so[d] * shape[d];
          idx[d] = 0;
        }
      }
    }
  }
  const out = alloc(x.dtype, outSize);
  out.data.set(acc);
  return out;
}

/** First index of the max (min) along `axis`; a NaN counts as the extremum (like PyTorch). */
export function argReduce(op: ArgReduceOp, x: View, axis: number): CpuStorage {
  const X = arr(x);
  const len = x.shape[axis];
  const step = x.strides[axis];
  const outerShape = x.shape.filter((_, i) => i !== axis);
  const outerStrides = x.strides.filter((_, i) => i !== axis);
  const starts = offsets(outerShape, outerStrides, x.offset);
  const out = alloc('int32', starts.length);
  const O = out.data;
  const isMax = op === 'argmax';
  for (let r = 0; r < starts.length; r++) {
    const p = starts[r];
    let best = X[p];
    let bi = 0;
    if (!Number.isNaN(best)) {
      for (let i = 1; i < len; i++) {
        const v = X[p + i * step];
        if (Number.isNaN(v)) {
          bi = i;
          break;
        }
        if (isMax ? v > best : v < best) {
          best = v;
          bi = i;
        }
      }
    }
    O[r] = bi;
  }
  return out;
}

/** log_softmax of each row of a contiguous [rows, cols] view: x - max - log(sum(exp(x - max))). */
export function logSoftmax(x: View): CpuStorage {
  const [rows, cols] = x.shape;
  const X = arr(x);
  const out = alloc(x.dtype, rows * cols);
  const O = out.data;
  for (let r = 0; r < rows; r++) {
    const base = x.offset + r * cols;
    let m = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < cols; j++) {
      const v = X[base + j];
      if (v > m || Number.isNaN(v)) m = v;
    }
    let s = 0;
    for (let j = 0; j < cols; j++) s += Math.exp(X[base + j] - m);
    const lse = m + Math.log(s);
    for (let j = 0; j < cols; j++) O[r * cols + j] = X[base + j] - lse;
  }
  return out;
}
