/**
 * torch.nn.functional.interpolate: nearest and (bi/tri)linear resizing of the spatial dimensions.
 *
 * Both modes are separable, so each resized axis is one matmul with an [out, in] interpolation matrix
 * computed here from PyTorch's coordinate rules (nearest: one-hot rows, or a view / expand when it
 * repeats or skips sources evenly); the gradient is the transposed product, on every backend's GEMM.
 * Inputs holding NaN or infinities, int32 inputs and WebGPU take exact gathers instead (see below).
 */

import { DTypeError, fmt, ShapeError } from '../errors.js';
import { tidy } from '../memory.js';
import type { Tensor } from '../tensor.js';
import { tensor } from './creation.js';
import { gatherAlong } from './gather-along.js';
import { matmul } from './matmul.js';
import { checkOptionKeys, checkTensor } from './operands.js';
import { expand, reshape, slice, transpose, unsqueeze } from './views.js';

/** Interpolation modes of {@link interpolate} (PyTorch's names). */
export type InterpolateMode = 'nearest' | 'linear' | 'bilinear' | 'trilinear';

/** Options of {@link interpolate}: exactly one of `size` and `scaleFactor`. */
export interface InterpolateOptions {
  /** output spatial size: one number for every spatial dim, or one per spatial dim */
  size?: number | readonly number[];
  /** multiplier of the spatial size (output = floor(input * scaleFactor)) */
  scaleFactor?: number | readonly number[];
  /** default 'nearest' */
  mode?: InterpolateMode;
  /**
   * linear modes only (default false): true maps the corner pixels' centres onto each other
   * (src = dst * (in - 1) / (out - 1)); false uses half-pixel centres (src = (dst + 0.5) * in / out - 0.5,
   * clamped at 0) and, with scaleFactor, the scale 1 / scaleFactor.
   */
  alignCorners?: boolean;
  /** with scaleFactor: compute the coordinate scale from the output size (in / out) instead (default false) */
  recomputeScaleFactor?: boolean;
}

const RANK_OF_MODE: Record<Exclude<InterpolateMode, 'nearest'>, number> = {
  linear: 3,
  bilinear: 4,
  trilinear: 5,
};

function perDim(op: string, name: string, v: number | readonly number[], n: number): number[] {
  const list = typeof v === 'number' ? new Array<number>(n).fill(v) : Array.isArray(v) ? [...v] : null;
  if (list === null || list.length !== n || list.some((d) => typeof d !== 'number')) {
    throw new ShapeError(
      `${op}: ${name} must be a number or ${n} numbers (one per spatial dim), got ${JSON.stringify(v)}`,
    );
  }
  return list;
}

/** PyTorch's nearest_idx: float32 scale, floor, clamped; exact shortcuts for the same and double size. */
function nearestIndices(inSize: number, outSize: number, scale: number | undefined): Int32Array {
  const idx = new Int32Array(outSize);
  const s = Math.fround(scale !== undefined && scale > 0 ? 1 / scale : Math.fround(inSize) / outSize);
  for (let i = 0; i < outSize; i++) {
    if (outSize === inSize) idx[i] = i;
    else if (outSize === 2 * inSize) idx[i] = i >> 1;
    else idx[i] = Math.min(Math.floor(Math.fround(i * s)), inSize - 1);
  }
  return idx;
}

/** PyTorch's area_pixel_compute_source_index and linear weights: indices i0, i1 and weights of each. */
function linearTaps(inSize: number, outSize: number, alignCorners: boolean, scale: number | undefined) {
  const s = alignCorners
    ? outSize > 1
      ? (inSize - 1) / (outSize - 1)
      : 0
    : scale !== undefined && scale > 0
      ? 1 / scale
      : inSize / outSize;
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const w0 = new Float64Array(outSize);
  const w1 = new Float64Array(outSize);
  for (let i = 0; i < outSize; i++) {
    const src = alignCorners ? s * i : Math.max(s * (i + 0.5) - 0.5, 0);
    const lo = Math.min(Math.floor(src), inSize - 1);
    i0[i] = lo;
    i1[i] = lo < inSize - 1 ? lo + 1 : lo;
    const l1 = Math.min(Math.max(src - lo, 0), 1);
    w1[i] = l1;
    w0[i] = 1 - l1;
  }
  return { i0, i1, w0, w1 };
}

function resolveSizes(x: Tensor, o: InterpolateOptions): { out: number[]; scales: (number | undefined)[] } {
  const n = x.ndim - 2;
  const spatial = x.shape.slice(2);
  if ((o.size === undefined) === (o.scaleFactor === undefined)) {
    throw new TypeError('interpolate: give exactly one of size and scaleFactor');
  }
  if (o.size !== undefined) {
    const out = perDim('interpolate', 'size', o.size, n);
    if (out.some((d) => !Number.isInteger(d) || d < 1))
      throw new ShapeError(`interpolate: size must hold integers >= 1, got ${JSON.stringify(o.size)}`);
    return { out, scales: new Array(n).fill(undefined) };
  }
  const f = perDim('interpolate', 'scaleFactor', o.scaleFactor as number | number[], n);
  if (f.some((v) => !Number.isFinite(v) || v <= 0)) {
    throw new ShapeError(
      `interpolate: scaleFactor must hold finite numbers > 0, got ${JSON.stringify(o.scaleFactor)}`,
    );
  }
  const out = spatial.map((s, i) => Math.floor(s * f[i]));
  if (out.some((d) => d < 1)) {
    throw new ShapeError(
      `interpolate: scaleFactor ${JSON.stringify(o.scaleFactor)} gives an empty output for input ${fmt(x.shape)}`,
    );
  }
  return { out, scales: o.recomputeScaleFactor ? new Array(n).fill(undefined) : f };
}

/**
 * Resizes the spatial dims of an [N, C, ...spatial] tensor (torch.nn.functional.interpolate), with
 * PyTorch's coordinate rules:
 * - `'nearest'` (3-, 4- or 5-D): source index floor(dst * in / out) (or dst / scaleFactor), computed in
 *   float32 like PyTorch, so indices match it exactly.
 * - `'linear'` (3-D), `'bilinear'` (4-D), `'trilinear'` (5-D): separable linear interpolation with
 *   `alignCorners` semantics as in PyTorch (default false).
 * Differentiable in x.
 *
 * @example
 * interpolate(x, { scaleFactor: 2 });                                         // nearest, 2x
 * interpolate(x, { size: [56, 56], mode: 'bilinear', alignCorners: false });
 */
export function interpolate(x: Tensor, opts: InterpolateOptions): Tensor {
  checkTensor('interpolate', 'x', x);
  if (opts === null || typeof opts !== 'object')
    throw new TypeError('interpolate: options { size } or { scaleFactor } are required');
  checkOptionKeys('interpolate', opts, [
    'size',
    'scaleFactor',
    'mode',
    'alignCorners',
    'recomputeScaleFactor',
  ]);
  const mode = opts.mode ?? 'nearest';
  if (mode !== 'nearest' && !(mode in RANK_OF_MODE)) {
    throw new TypeError(
      `interpolate: mode must be one of nearest, linear, bilinear, trilinear, got ${JSON.stringify(mode)}`,
    );
  }
  if (x.ndim < 3 || x.ndim > 5)
    throw new ShapeError(
      `interpolate: input must be 3-D, 4-D or 5-D [N, C, ...spatial], got ${fmt(x.shape)}`,
    );
  if (mode !== 'nearest' && x.ndim !== RANK_OF_MODE[mode]) {
    throw new ShapeError(
      `interpolate: mode ${mode} needs a ${RANK_OF_MODE[mode]}-D input, got ${fmt(x.shape)}`,
    );
  }
  if (mode === 'nearest' && opts.alignCorners !== undefined)
    throw new TypeError(
      'interpolate: alignCorners can only be set with the linear modes (linear, bilinear, trilinear)',
    );
  if (mode !== 'nearest' && x.dtype === 'int32')
    throw new DTypeError(`interpolate: ${mode} needs a float input, got int32`);
  if (x.shape.slice(2).some((d) => d === 0))
    throw new ShapeError(`interpolate: input spatial size must be positive, got ${fmt(x.shape)}`);
  const { out, scales } = resolveSizes(x, opts);
  const alignCorners = opts.alignCorners ?? false;
  return tidy(() => {
    // Matmuls are the fast path, but a product spreads a NaN or an infinity along its whole row (0 * inf
    // is NaN), where PyTorch keeps it in the outputs that read it. Where memory is host memory a scan
    // decides; on WebGPU (no synchronous read) the exact gathers run, which are parallel there anyway.
    const fast = x.dtype !== 'int32' && x.backend.readSync !== undefined && allFinite(x);
    let y = x;
    for (let a = 0; a < out.length; a++) {
      const d = a + 2;
      const inSize = x.shape[d];
      if (mode === 'nearest') {
        y = nearestAlong(y, d, nearestIndices(inSize, out[a], scales[a]), fast);
        continue;
      }
      const t = linearTaps(inSize, out[a], alignCorners, scales[a]);
      if (out[a] === inSize && t.i0.every((v, i) => v === i) && t.w1.every((w) => w === 0)) continue;
      if (fast) {
        const m = new Float64Array(out[a] * inSize);
        for (let i = 0; i < out[a]; i++) {
          m[i * inSize + t.i0[i]] += t.w0[i];
          m[i * inSize + t.i1[i]] += t.w1[i];
        }
        y = applyAlong(y, d, m, out[a]);
      } else {
        const wShape = x.shape.map((_, i) => (i === d ? out[a] : 1));
        const w0 = tensor(t.w0, { dtype: x.dtype, backend: x.backend, shape: wShape });
        const w1 = tensor(t.w1, { dtype: x.dtype, backend: x.backend, shape: wShape });
        y = gatherAlong(y, d, t.i0)
          .mul(w0)
          .add(gatherAlong(y, d, t.i1).mul(w1));
      }
    }
    return y === x ? x.mul(1) : y;
  });
}

function allFinite(x: Tensor): boolean {
  const v = x.dataSync();
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) return false;
  return true;
}

/**
 * Nearest selection along dim d by `idx`: a view or an expand where the indices allow (the same size;
 * every source repeated k times, as a 2x upsampling; every k-th source, as a 2x downsampling), else a
 * matmul with one-hot rows (finite float input on a host-memory backend) or a gather.
 */
function nearestAlong(x: Tensor, d: number, idx: Int32Array, fast: boolean): Tensor {
  const n = x.shape[d];
  const m = idx.length;
  if (m === n && idx.every((v, i) => v === i)) return x;
  if (m % n === 0 && idx.every((v, i) => v === Math.floor(i / (m / n)))) {
    const k = m / n;
    const shape = x.shape.slice();
    shape.splice(d + 1, 0, k);
    const rep = expand(unsqueeze(x, d + 1), shape);
    return reshape(
      rep,
      x.shape.map((s, i) => (i === d ? m : s)),
    );
  }
  if (n % m === 0 && idx.every((v, i) => v === i * (n / m))) return slice(x, d, 0, n, n / m);
  if (!fast) return gatherAlong(x, d, idx);
  const onehot = new Float64Array(m * n);
  for (let i = 0; i < m; i++) onehot[i * n + idx[i]] = 1;
  return applyAlong(x, d, onehot, m);
}

/**
 * y = A x along dim d, A an [m, n] row-major matrix (n = x.shape[d]): one matmul, so resizing runs on
 * every backend's GEMM (and its gradient on the transposed product) rather than on per-element gathers.
 */
function applyAlong(x: Tensor, d: number, a: Float64Array, m: number): Tensor {
  const n = x.shape[d];
  const pre = x.shape.slice(0, d).reduce((p, s) => p * s, 1);
  const post = x.shape.slice(d + 1).reduce((p, s) => p * s, 1);
  const outShape = x.shape.map((s, i) => (i === d ? m : s));
  const A = tensor(a, { dtype: x.dtype, backend: x.backend, shape: [m, n] });
  if (post === 1) return reshape(matmul(reshape(x, [pre, n]), transpose(A, 0, 1)), outShape);
  return reshape(matmul(A, reshape(x, [pre, n, post])), outShape);
}
