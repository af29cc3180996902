/**
 * Reductions along dims (`dim` undefined = all dims) with `keepdim`, like PyTorch. Every reduction
 * takes the dims positionally (`x.sum(1, true)`) or as torch's keyword arguments in an options object
 * (`x.sum({ dim: 1, keepdim: true })`).
 */

import { record } from '../autograd/record.js';
import type { ReduceOp } from '../backend.js';
import { DTypeError, fmt, ShapeError } from '../errors.js';
import { tidy } from '../memory.js';
import { normalizeAxes, normalizeAxis, sizeOf } from '../shape.js';
import { fromStorage, type Tensor } from '../tensor.js';
import {
  add,
  div,
  eq,
  exp,
  isnan,
  log,
  maximum,
  minimum,
  mul,
  sqrt,
  square,
  sub,
  where,
} from './elementwise.js';
import { gatherUnchecked } from './indexing.js';
import { checkOptionKeys, checkTensor } from './operands.js';
import { expand, reshape } from './views.js';

/** One dim, several dims, or undefined for all dims. */
export type Dims = number | readonly number[] | undefined;
/** torch's keyword arguments of a reduction: `x.sum({ dim: 1, keepdim: true })`. */
export interface ReduceOptions {
  dim?: number | readonly number[];
  keepdim?: boolean;
}
type DimsArg = Dims | ReduceOptions;

/** Reads the positional (dim, keepdim) pair or the options-object form of a reduction's arguments. */
function dimsArgs(op: string, arg: DimsArg, keepdim: boolean): { dims: Dims; keepdim: boolean } {
  if (arg === undefined || typeof arg === 'number' || Array.isArray(arg))
    return { dims: arg as Dims, keepdim };
  if (arg === null || typeof arg !== 'object')
    throw new TypeError(
      `${op}: dim must be a number, an array of numbers or { dim, keepdim }, got ${String(arg)}`,
    );
  checkOptionKeys(op, arg, ['dim', 'keepdim']);
  const o = arg as ReduceOptions;
  return { dims: o.dim, keepdim: o.keepdim ?? keepdim };
}

function keptShape(shape: readonly number[], axes: readonly number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

function finalShape(shape: readonly number[], axes: readonly number[], keepdim: boolean): number[] {
  return keepdim ? keptShape(shape, axes) : shape.filter((_, i) => !axes.includes(i));
}

/** Runs backend.reduce and returns the keepdim-shaped result (no autograd). */
function rawReduce(op: ReduceOp, x: Tensor, axes: readonly number[]): Tensor {
  return fromStorage(x.backend, x.backend.reduce(op, x.storageView, axes), keptShape(x.shape, axes), x.dtype);
}

function dropKept(t: Tensor, shape: readonly number[]): Tensor {
  if (t.shape.length === shape.length) return t;
  const out = reshape(t, shape);
  t.dispose();
  return out;
}

/** Sum over `dim` (all by default). @example x.sum(1, true); x.sum({ dim: [2, 3], keepdim: true }) */
export function sum(x: Tensor, dim?: DimsArg, keepdim = false): Tensor {
  checkTensor('sum', 'x', x);
  ({ dims: dim, keepdim } = dimsArgs('sum', dim, keepdim));
  const axes = normalizeAxes('sum', dim, x.ndim);
  const kept = rawReduce('sum', x, axes);
  const inShape = x.shape;
  const keepShape = kept.shape;
  record('sum', kept, [x], [], (dy) => [() => expand(reshape(dy, keepShape), inShape)]);
  return dropKept(kept, finalShape(x.shape, axes, keepdim));
}

/** Mean over `dim` (float dtypes only). @example x.mean([2, 3]) */
export function mean(x: Tensor, dim?: DimsArg, keepdim = false): Tensor {
  checkTensor('mean', 'x', x);
  ({ dims: dim, keepdim } = dimsArgs('mean', dim, keepdim));
  if (x.dtype === 'int32')
    throw new DTypeError('mean: input must be a float tensor, got int32 (cast it with .float())');
  const axes = normalizeAxes('mean', dim, x.ndim);
  const n = sizeOf(axes.map((a) => x.shape[a]));
  const s = sum(x, axes, keepdim);
  const out = div(s, n);
  s.dispose();
  return out;
}

function extremum(op: 'amax' | 'amin', x: Tensor, dim: Dims, keepdim: boolean): Tensor {
  checkTensor(op, 'x', x);
  const axes = normalizeAxes(op, dim, x.ndim);
  for (const a of axes) {
    if (x.shape[a] === 0)
      throw new ShapeError(`${op}: cannot reduce over dim ${a} of size 0 (shape ${fmt(x.shape)})`);
  }
  const kept = rawReduce(op === 'amax' ? 'max' : 'min', x, axes);
  // the gradient is shared equally among tied extrema (like torch.amax)
  record(op, kept, [x], [x, kept], (dy, [xs, out]) => [
    () => {
      const mask = eq(xs, out);
      const count = sum(mask, axes, true);
      const share = div(mask, count);
      const g = mul(share, dy);
      for (const t of [mask, count, share]) t.dispose();
      return g;
    },
  ]);
  return dropKept(kept, finalShape(x.shape, axes, keepdim));
}

/**
 * Maximum values over `dim` (all dims by default; NaN propagates), like torch.amax: the gradient is
 * shared equally among tied maxima. @example x.amax([2, 3], true)
 */
export function amax(x: Tensor, dim?: DimsArg, keepdim = false): Tensor {
  const a = dimsArgs('amax', dim, keepdim);
  return extremum('amax', x, a.dims, a.keepdim);
}
/** Minimum values over `dim` (all dims by default; NaN propagates), like torch.amin. @example x.amin(0) */
export function amin(x: Tensor, dim?: DimsArg, keepdim = false): Tensor {
  const a = dimsArgs('amin', dim, keepdim);
  return extremum('amin', x, a.dims, a.keepdim);
}

/**
 * torch's (values, indices) result of `max(x, dim)` / `min(x, dim)`: destructure it as an array
 * (`const [values, indices] = x.max(1)`) or read the fields (`x.max(1).values`).
 */
export type ValuesIndices = readonly [values: Tensor, indices: Tensor] & {
  readonly values: Tensor;
  readonly indices: Tensor;
};

function valuesIndices(op: 'max' | 'min', x: Tensor, dim: number, keepdim: boolean): ValuesIndices {
  const indices = argReduce(op === 'max' ? 'argmax' : 'argmin', x, dim, true);
  const d = normalizeAxis(op, dim, Math.max(x.ndim, 1), 'dim');
  // values are gathered at the indices, so the gradient goes to the chosen element (torch's max.dim)
  const kept = x.ndim === 0 ? x : gatherUnchecked(x, d, indices);
  const values = keepdim || x.ndim === 0 ? kept : dropKept(kept, finalShape(x.shape, [d], false));
  const idx = keepdim || x.ndim === 0 ? indices : dropKept(indices, finalShape(x.shape, [d], false));
  return Object.freeze(Object.assign([values, idx] as [Tensor, Tensor], { values, indices: idx }));
}

type ExtremumArg = number | Tensor | { dim: number; keepdim?: boolean } | undefined;

function extremumOf(
  op: 'max' | 'min',
  x: Tensor,
  arg: ExtremumArg,
  keepdim: boolean,
): Tensor | ValuesIndices {
  checkTensor(op, 'x', x);
  if (arg === undefined) return extremum(op === 'max' ? 'amax' : 'amin', x, undefined, false);
  if (arg instanceof Object && 'storageView' in arg) return op === 'max' ? maximum(x, arg) : minimum(x, arg);
  let dim = arg as unknown;
  if (arg !== null && typeof arg === 'object' && !Array.isArray(arg)) {
    checkOptionKeys(op, arg, ['dim', 'keepdim']);
    dim = (arg as { dim: number }).dim;
    keepdim = (arg as { keepdim?: boolean }).keepdim ?? keepdim;
  }
  if (typeof dim !== 'number')
    throw new TypeError(
      `${op}: dim must be a single integer (torch's ${op}(x, dim) returns values and indices); for several dims use a${op}(x, ${JSON.stringify(dim)})`,
    );
  return valuesIndices(op, x, dim, keepdim);
}

/**
 * torch.max: the maximum of all elements (a 0-d tensor, NaN propagates); with a `dim`, the maximum
 * values and their int32 indices along it (`{ values, indices }`, also an array `[values, indices]`;
 * the first maximum wins, NaN counts as the maximum, the gradient goes to the chosen element); with a
 * tensor, the elementwise `maximum`. For values over several dims use `amax`.
 * @example const { values, indices } = x.max(1)
 */
export function max(x: Tensor): Tensor;
export function max(
  x: Tensor,
  dim: number | { dim: number; keepdim?: boolean },
  keepdim?: boolean,
): ValuesIndices;
export function max(x: Tensor, other: Tensor): Tensor;
export function max(x: Tensor, dim?: ExtremumArg, keepdim = false): Tensor | ValuesIndices {
  return extremumOf('max', x, dim, keepdim);
}
/** torch.min: like `max` with the minimum. @example const [values, indices] = x.min(0) */
export function min(x: Tensor): Tensor;
export function min(
  x: Tensor,
  dim: number | { dim: number; keepdim?: boolean },
  keepdim?: boolean,
): ValuesIndices;
export function min(x: Tensor, other: Tensor): Tensor;
export function min(x: Tensor, dim?: ExtremumArg, keepdim = false): Tensor | ValuesIndices {
  return extremumOf('min', x, dim, keepdim);
}

function argReduce(
  op: 'argmax' | 'argmin',
  x: Tensor,
  dimArg: number | undefined | { dim?: number; keepdim?: boolean },
  keepdimArg: boolean,
): Tensor {
  checkTensor(op, 'x', x);
  const { dims, keepdim } = dimsArgs(op, dimArg as DimsArg, keepdimArg);
  if (Array.isArray(dims)) throw new TypeError(`${op}: dim must be a single integer, got ${fmt(dims)}`);
  const axis = dims as number | undefined;
  if (axis === undefined) {
    const flat = reshape(x, [-1]);
    const r = argReduce(op, flat, 0, false);
    if (flat !== x) flat.dispose();
    return keepdim
      ? dropKept(
          r,
          x.shape.map(() => 1),
        )
      : r;
  }
  const a = x.ndim === 0 ? 0 : normalizeAxis(op, axis, x.ndim);
  if (x.ndim === 0) return fromStorage(x.backend, x.backend.fill(1, 'int32', 0), [], 'int32');
  if (x.shape[a] === 0)
    throw new ShapeError(`${op}: cannot reduce over dim ${a} of size 0 (shape ${fmt(x.shape)})`);
  const kept = fromStorage(
    x.backend,
    x.backend.argReduce(op, x.storageView, a),
    keptShape(x.shape, [a]),
    'int32',
  );
  return dropKept(kept, finalShape(x.shape, [a], keepdim));
}

/** Index (int32) of the first maximum along `dim` (flattened when omitted). @example logits.argmax(1) */
export const argmax = (
  x: Tensor,
  dim?: number | { dim?: number; keepdim?: boolean },
  keepdim = false,
): Tensor => argReduce('argmax', x, dim, keepdim);
/** Index (int32) of the first minimum along `dim`. @example x.argmin(0) */
export const argmin = (
  x: Tensor,
  dim?: number | { dim?: number; keepdim?: boolean },
  keepdim = false,
): Tensor => argReduce('argmin', x, dim, keepdim);

/** Options of `variance` / `std` (torch's keyword arguments). */
export interface VarianceOptions {
  /** dims to reduce (also the second positional argument); all by default */
  dim?: number | readonly number[];
  /** 1 (Bessel, default) or 0 (biased) */
  correction?: number;
  keepdim?: boolean;
}

/**
 * Variance sum((x - mean)^2) / (n - correction) over `dim`; correction 1 (Bessel) by default.
 *
 * @example
 * x.var([0, 2, 3], { correction: 0, keepdim: true }) // biased batch variance
 */
export function variance(x: Tensor, dim?: Dims | VarianceOptions, opts: VarianceOptions = {}): Tensor {
  return varianceOf('var', x, dim, opts);
}

/** `variance` with the op name its errors report (`var` or `std`). */
function varianceOf(op: string, x: Tensor, dimArg: Dims | VarianceOptions, optsArg: VarianceOptions): Tensor {
  checkTensor(op, 'x', x);
  const objectForm = dimArg !== undefined && typeof dimArg === 'object' && !Array.isArray(dimArg);
  const opts = (objectForm ? dimArg : optsArg) as VarianceOptions;
  checkOptionKeys(op, opts, objectForm ? ['dim', 'correction', 'keepdim'] : ['correction', 'keepdim']);
  const axis = objectForm ? opts.dim : (dimArg as Dims);
  if (x.dtype === 'int32')
    throw new DTypeError(`${op}: input must be a float tensor, got int32 (cast it with .float())`);
  const correction = opts.correction ?? 1;
  if (!(Number.isFinite(correction) && correction >= 0))
    throw new RangeError(`${op}: correction must be a finite number >= 0, got ${correction}`);
  const axes = normalizeAxes(op, axis, x.ndim);
  const n = sizeOf(axes.map((a) => x.shape[a]));
  const m = mean(x, axes, true);
  const d = sub(x, m);
  const d2 = square(d);
  const s = sum(d2, axes, opts.keepdim ?? false);
  const out = div(s, Math.max(0, n - correction));
  for (const t of [m, d, d2, s]) t.dispose();
  return out;
}

/** Standard deviation: sqrt of `variance`. @example x.std(0) */
export function std(x: Tensor, dim?: Dims | VarianceOptions, opts: VarianceOptions = {}): Tensor {
  const v = varianceOf('std', x, dim, opts);
  const out = sqrt(v);
  v.dispose();
  return out;
}

/**
 * log(sum(exp(x))) over `dim`, computed stably as m + log(sum(exp(x - m))) with m the (detached) max.
 *
 * @example
 * x.logSumExp(1)
 */
export function logSumExp(x: Tensor, dim?: DimsArg, keepdim = false): Tensor {
  checkTensor('logSumExp', 'x', x);
  ({ dims: dim, keepdim } = dimsArgs('logSumExp', dim, keepdim));
  const axes = normalizeAxes('logSumExp', dim, x.ndim);
  const out = tidy(() => {
    const m0 = rawReduce('max', x, axes);
    // an infinite max would give inf - inf = NaN below; shifting by 0 there is exact
    const m = where(isnan(sub(m0, m0)), 0, m0);
    return add(log(sum(exp(sub(x, m)), axes, true)), m);
  });
  return dropKept(out, finalShape(x.shape, axes, keepdim));
}
