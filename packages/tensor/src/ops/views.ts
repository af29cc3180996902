/**
 * Views: new tensors over the same storage with other shape/strides/offset (no copy), each with its
 * gradient rule. `reshape` copies only when the layout cannot be viewed; `contiguous` copies when needed.
 */
import { record } from '../autograd/record.js';
import { fmt, ShapeError } from '../errors.js';
import {
  broadcastShapes,
  contiguousStrides,
  inferShape,
  normalizeAxis,
  shapesEqual,
  sizeOf,
  sizesArg,
  viewStrides,
} from '../shape.js';
import { fromStorage, type Tensor } from '../tensor.js';
import { checkTensor } from './operands.js';

/** A differentiable view of x with the given layout. */
function makeView(
  op: string,
  x: Tensor,
  shape: readonly number[],
  strides: readonly number[],
  offset: number,
  grad: (dy: Tensor) => Tensor,
): Tensor {
  const out = x._viewAs(shape, strides, offset);
  return record(op, out, [x], [], (dy) => [() => grad(dy)]);
}

/** Contiguous copy when x is not contiguous, else x itself. @example x.T.contiguous() */
export function contiguous(x: Tensor): Tensor {
  checkTensor('contiguous', 'x', x);
  if (x.isContiguous()) return x;
  const out = fromStorage(x.backend, x.backend.copy(x.storageView), x.shape, x.dtype);
  return record('contiguous', out, [x], [], (dy) => [() => dy]);
}

/** A view with a new shape (one -1 allowed); throws if the strides do not allow it. @example x.view([2, -1]) */
export function view(x: Tensor, shape: readonly number[]): Tensor {
  checkTensor('view', 'x', x);
  shape = sizesArg('view', shape, []);
  const to = inferShape('view', x.shape, shape);
  const strides = viewStrides(x.shape, x.strides, to);
  if (!strides) {
    throw new ShapeError(
      `view: cannot view shape ${fmt(x.shape)} with strides ${fmt(x.strides)} as ${fmt(to)}; use reshape (copies)`,
    );
  }
  const inShape = x.shape;
  return makeView('reshape', x, to, strides, x.offset, (dy) => reshape(dy, inShape));
}

/** Like view, but copies when the layout cannot be viewed. @example x.reshape([-1]) */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  checkTensor('reshape', 'x', x);
  shape = sizesArg('reshape', shape, []);
  const to = inferShape('reshape', x.shape, shape);
  if (shapesEqual(to, x.shape)) return x;
  const strides = viewStrides(x.shape, x.strides, to);
  const inShape = x.shape;
  if (strides) return makeView('reshape', x, to, strides, x.offset, (dy) => reshape(dy, inShape));
  const c = contiguous(x);
  const out = view(c, to);
  c.dispose();
  return out;
}

/** Reorders dimensions. @example x.permute([0, 2, 3, 1]) // NCHW -> NHWC */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  checkTensor('permute', 'x', x);
  dims = sizesArg('permute', dims, [], 'dims');
  const n = x.ndim;
  if (dims.length !== n)
    throw new ShapeError(`permute: dims ${fmt(dims)} must list ${n} dims for shape ${fmt(x.shape)}`);
  const norm = dims.map((d) => normalizeAxis('permute', d, n, 'dim'));
  if (new Set(norm).size !== n) throw new ShapeError(`permute: dims ${fmt(dims)} repeat a dimension`);
  const inverse = new Array<number>(n);
  norm.forEach((d, i) => {
    inverse[d] = i;
  });
  return makeView(
    'permute',
    x,
    norm.map((d) => x.shape[d]),
    norm.map((d) => x.strides[d]),
    x.offset,
    (dy) => permute(dy, inverse),
  );
}

/** Swaps two dimensions. @example x.transpose(0, 1) */
export function transpose(x: Tensor, d0: number, d1: number): Tensor {
  checkTensor('transpose', 'x', x);
  const a = normalizeAxis('transpose', d0, x.ndim, 'd0');
  const b = normalizeAxis('transpose', d1, x.ndim, 'd1');
  const dims = Array.from({ length: x.ndim }, (_, i) => (i === a ? b : i === b ? a : i));
  return permute(x, dims);
}

/** Elements [start, end) with `step` along `dim`; end defaults to the size; negatives count from the end. @example x.slice(1, 0, 4, 2) */
export function slice(x: Tensor, dim: number, start: number, end?: number, step = 1): Tensor {
  checkTensor('slice', 'x', x);
  const d = normalizeAxis('slice', dim, x.ndim, 'dim');
  const size = x.shape[d];
  if (!Number.isInteger(step) || step < 1)
    throw new ShapeError(`slice: step must be a positive integer, got ${step}`);
  // integers (negative counts from the end) or +-Infinity (clamped, like Python's open-ended slices)
  for (const [name, v] of [
    ['start', start],
    ['end', end ?? size],
  ] as const) {
    if (!Number.isInteger(v) && Math.abs(v) !== Number.POSITIVE_INFINITY)
      throw new ShapeError(`slice: ${name} must be an integer, got ${v} (dim ${d} of shape ${fmt(x.shape)})`);
  }
  const clampIdx = (i: number) => Math.min(Math.max(i < 0 ? i + size : i, 0), size);
  const s = clampIdx(start);
  const e = Math.max(clampIdx(end ?? size), s);
  const len = Math.ceil((e - s) / step);
  const shape = x.shape.slice();
  shape[d] = len;
  const strides = x.strides.slice();
  strides[d] *= step;
  const inShape = x.shape;
  return makeView('slice', x, shape, strides, x.offset + s * x.strides[d], (dy) =>
    sliceBackward(dy, inShape, d, s, step),
  );
}

/** The adjoint of a slice: zeros of the input shape with dy written into the sliced region. */
function sliceBackward(
  dy: Tensor,
  inShape: readonly number[],
  d: number,
  start: number,
  step: number,
): Tensor {
  const b = dy.backend;
  const out = fromStorage(b, b.fill(sizeOf(inShape), dy.dtype, 0), inShape, dy.dtype);
  const strides = contiguousStrides(inShape);
  const region = {
    storage: out.storage,
    dtype: dy.dtype,
    shape: dy.shape,
    strides: strides.map((s, i) => (i === d ? s * step : s)),
    offset: start * strides[d],
  };
  b.assign(region, dy.storageView);
  return out;
}

/** `length` elements from `start` along `dim` (a view). @example x.narrow(0, 2, 3) */
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  checkTensor('narrow', 'x', x);
  const d = normalizeAxis('narrow', dim, x.ndim, 'dim');
  const s = start < 0 ? start + x.shape[d] : start;
  if (!Number.isInteger(s) || !Number.isInteger(length) || s < 0 || length < 0 || s + length > x.shape[d]) {
    throw new ShapeError(
      `narrow: start ${start} and length ${length} are out of range for dim ${dim} of shape ${fmt(x.shape)}`,
    );
  }
  return slice(x, d, s, s + length);
}

/** Broadcasts size-1 dims (and new leading dims) to `shape`; -1 keeps a dim. @example b.expand([4, 3]) */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  checkTensor('expand', 'x', x);
  shape = sizesArg('expand', shape, []);
  const lead = shape.length - x.ndim;
  if (lead < 0)
    throw new ShapeError(`expand: target ${fmt(shape)} has fewer dims than input ${fmt(x.shape)}`);
  const target = shape.map((d, i) => (d === -1 && i >= lead ? x.shape[i - lead] : d));
  const strides = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < target.length; i++) {
    const t = target[i];
    if (!Number.isInteger(t) || t < 0)
      throw new ShapeError(`expand: invalid size ${shape[i]} in ${fmt(shape)}`);
    if (i < lead) continue;
    const s = x.shape[i - lead];
    if (s === t) strides[i] = x.strides[i - lead];
    else if (s !== 1)
      throw new ShapeError(`expand: cannot expand ${fmt(x.shape)} to ${fmt(shape)} (dim ${i}: ${s} vs ${t})`);
  }
  // the engine sums the gradient over the broadcast axes back to x's shape
  return makeView('expand', x, target, strides, x.offset, (dy) => dy);
}

/** Broadcasts to `shape` with NumPy rules (a view). @example b.broadcastTo([2, 3]) */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  checkTensor('broadcastTo', 'x', x);
  const b = broadcastShapes('broadcastTo', x.shape, shape);
  if (!shapesEqual(b, shape))
    throw new ShapeError(`broadcastTo: cannot broadcast ${fmt(x.shape)} to ${fmt(shape)}`);
  return expand(x, shape);
}

/** Removes size-1 dims (all, or only `dim`). @example x.squeeze(1) */
export function squeeze(x: Tensor, dim?: number): Tensor {
  checkTensor('squeeze', 'x', x);
  const d = dim === undefined ? -1 : normalizeAxis('squeeze', dim, x.ndim, 'dim');
  const keep = x.shape.map((s, i) => (d === -1 ? s !== 1 : i !== d || s !== 1));
  const inShape = x.shape;
  return makeView(
    'reshape',
    x,
    x.shape.filter((_, i) => keep[i]),
    x.strides.filter((_, i) => keep[i]),
    x.offset,
    (dy) => reshape(dy, inShape),
  );
}

/** Inserts a size-1 dim at `dim` (in [-ndim-1, ndim]). @example x.unsqueeze(0) */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  checkTensor('unsqueeze', 'x', x);
  const d = normalizeAxis('unsqueeze', dim, x.ndim + 1, 'dim');
  const shape = x.shape.slice();
  const strides = x.strides.slice();
  shape.splice(d, 0, 1);
  strides.splice(d, 0, d < x.ndim ? x.strides[d] * x.shape[d] : 1);
  const inShape = x.shape;
  return makeView('reshape', x, shape, strides, x.offset, (dy) => reshape(dy, inShape));
}

/** Merges dims startDim..endDim into one. @example x.flatten(1) // [N, C*H*W] */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  checkTensor('flatten', 'x', x);
  if (x.ndim === 0) return reshape(x, [1]);
  const s = normalizeAxis('flatten', startDim, x.ndim, 'startDim');
  const e = normalizeAxis('flatten', endDim, x.ndim, 'endDim');
  if (s > e)
    throw new ShapeError(
      `flatten: startDim ${startDim} comes after endDim ${endDim} for shape ${fmt(x.shape)}`,
    );
  const shape = [...x.shape.slice(0, s), sizeOf(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)];
  return reshape(x, shape);
}
