/** Reductions along axes (`axis` undefined = all axes) with `keepdim`, like PyTorch. */

import { record } from '../autograd/record.js';
import type { ReduceOp } from '../backend.js';
import { DTypeError, fmt, ShapeError } from '../errors.js';
import { tidy } from '../memory.js';
import { normalizeAxes, normalizeAxis, sizeOf } from '../shape.js';
import { fromStorage, type Tensor } from '../tensor.js';
import { add, div, eq, exp, isnan, log, mul, sqrt, square, sub, where } from './elementwise.js';
import { checkOptionKeys, checkTensor } from './operands.js';
import { expand, reshape } from './views.js';

type Axis = number | readonly number[] | undefined;

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

/** Sum over `axis` (all by default). @example x.sum(1, true) */
export function sum(x: Tensor, axis?: Axis, keepdim = false): Tensor {
  checkTensor('sum', 'x', x);
  const axes = normalizeAxes('sum', axis, x.ndim);
  const kept = rawReduce('sum', x, axes);
  const inShape = x.shape;
  const keepShape = kept.shape;
  record('sum', kept, [x], [], (dy) => [() => expand(reshape(dy, keepShape), inShape)]);
  return dropKept(kept, finalShape(x.shape, axes, keepdim));
}

/** Mean over `axis` (float dtypes only). @example x.mean([2, 3]) */
export function mean(x: Tensor, axis?: Axis, keepdim = false): Tensor {
  checkTensor('mean', 'x', x);
  if (x.dtype === 'int32')
    throw new DTypeError('mean: input must be a float tensor, got int32 (cast it with .float())');
  const axes = normalizeAxes('mean', axis, x.ndim);
  const n = sizeOf(axes.map((a) => x.shape[a]));
  const s = sum(x, axes, keepdim);
  const out = div(s, n);
  s.dispose();
  return out;
}

function extremum(op: 'max' | 'min', x: Tensor, axis: Axis, keepdim: boolean): Tensor {
  checkTensor(op, 'x', x);
  const axes = normalizeAxes(op, axis, x.ndim);
  for (const a of axes) {
    if (x.shape[a] === 0)
      throw new ShapeError(`${op}: cannot reduce over dim ${a} of size 0 (shape ${fmt(x.shape)})`);
  }
  const kept = rawReduce(op, x, axes);
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

/** Maximum values over `axis` (NaN propagates). @example x.max(1) */
export const max = (x: Tensor, axis?: Axis, keepdim = false): Tensor => extremum('max', x, axis, keepdim);
/** Minimum values over `axis` (NaN propagates). @example x.min() */
export const min = (x: Tensor, axis?: Axis, keepdim = false): Tensor => extremum('min', x, axis, keepdim);

function argReduce(op: 'argmax' | 'argmin', x: Tensor, axis: number | undefined, keepdim: boolean): Tensor {
  checkTensor(op, 'x', x);
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

/** Index (int32) of the first maximum along `axis` (flattened when omitted). @example logits.argmax(1) */
export const argmax = (x: Tensor, axis?: number, keepdim = false): Tensor =>
  argReduce('argmax', x, axis, keepdim);
/** Index (int32) of the first minimum along `axis`. @example x.argmin(0) */
export const argmin = (x: Tensor, axis?: number, keepdim = false): Tensor =>
  argReduce('argmin', x, axis, keepdim);

/**
 * Variance sum((x - mean)^2) / (n - correction) over `axis`; correction 1 (Bessel) by default.
 *
 * @example
 * x.var([0, 2, 3], { correction: 0, keepdim: true }) // biased batch variance
 */
export function variance(
  x: Tensor,
  axis?: Axis,
  opts: { correction?: number; keepdim?: boolean } = {},
): Tensor {
  return varianceOf('var', x, axis, opts);
}

/** `variance` with the op name its errors report (`var` or `std`). */
function varianceOf(
  op: string,
  x: Tensor,
  axis: Axis | undefined,
  opts: { correction?: number; keepdim?: boolean },
): Tensor {
  checkTensor(op, 'x', x);
  checkOptionKeys(op, opts, ['correction', 'keepdim']);
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
export function std(x: Tensor, axis?: Axis, opts: { correction?: number; keepdim?: boolean } = {}): Tensor {
  const v = varianceOf('std', x, axis, opts);
  const out = sqrt(v);
  v.dispose();
  return out;
}

/**
 * log(sum(exp(x))) over `axis`, computed stably as m + log(sum(exp(x - m))) with m the (detached) max.
 *
 * @example
 * x.logSumExp(1)
 */
export function logSumExp(x: Tensor, axis?: Axis, keepdim = false): Tensor {
  checkTensor('logSumExp', 'x', x);
  const axes = normalizeAxes('logSumExp', axis, x.ndim);
  const out = tidy(() => {
    const m0 = rawReduce('max', x, axes);
    // an infinite max would give inf - inf = NaN below; shifting by 0 there is exact
    const m = where(isnan(sub(m0, m0)), 0, m0);
    return add(log(sum(exp(sub(x, m)), axes, true)), m);
  });
  return dropKept(out, finalShape(x.shape, axes, keepdim));
}
