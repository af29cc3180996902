import type { Shape } from './backend.js';
import { fmt, ShapeError } from './errors.js';

/** Number of elements of a shape (1 for a 0-d shape). */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides of a contiguous tensor of `shape`. */
export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

/** True when (shape, strides) describe a row-major contiguous layout (size-1 dims may have any stride). */
export function isContiguousLayout(shape: Shape, strides: readonly number[]): boolean {
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && strides[i] !== s) return false;
    s *= shape[i];
  }
  return true;
}

/**
 * Reads a sizes argument given either as an array (`x.reshape([3, 2])`) or, like torch's varargs,
 * as numbers (`x.reshape(3, 2)`, `x.view(-1)`, `x.permute(1, 0)`). Anything else is rejected with a
 * message that shows the array form.
 */
export function sizesArg(op: string, first: unknown, rest: readonly unknown[], arg = 'shape'): number[] {
  if (Array.isArray(first) && rest.length === 0) return first.slice();
  if (typeof first === 'number' && rest.every((r) => typeof r === 'number'))
    return [first, ...(rest as number[])];
  const shown = [first, ...rest].map((v) => (Array.isArray(v) ? fmt(v) : String(v))).join(', ');
  throw new ShapeError(
    `${op}: ${arg} must be an array such as [3, 2] (or sizes as separate numbers), got ${shown}`,
  );
}

/** Validates a user-given shape: finite non-negative integers. */
export function checkShape(op: string, shape: unknown, arg = 'shape'): number[] {
  if (!Array.isArray(shape))
    throw new ShapeError(`${op}: ${arg} must be an array of sizes, got ${String(shape)}`);
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      throw new ShapeError(`${op}: ${arg} ${fmt(shape)} must contain non-negative finite integers`);
    }
  }
  return shape.slice();
}

/** Maps a possibly negative axis to [0, ndim); throws a ShapeError naming the op when out of range. */
export function normalizeAxis(op: string, axis: number, ndim: number, arg = 'dim'): number {
  if (!Number.isInteger(axis) || axis < -ndim || axis >= Math.max(ndim, 1)) {
    throw new ShapeError(`${op}: ${arg} ${axis} is out of range for a tensor of rank ${ndim}`);
  }
  return axis < 0 ? axis + ndim : axis;
}

/** Normalizes an optional axis or list of axes (undefined = all axes), sorted and deduplicated. */
export function normalizeAxes(
  op: string,
  axis: number | readonly number[] | undefined,
  ndim: number,
): number[] {
  if (axis === undefined) return Array.from({ length: ndim }, (_, i) => i);
  const list = typeof axis === 'number' ? [axis] : axis;
  const out = new Set<number>();
  for (const a of list) {
    const n = ndim === 0 && (a === 0 || a === -1) ? -1 : normalizeAxis(op, a, ndim);
    if (n < 0) continue; // axis 0/-1 of a 0-d tensor: nothing to reduce
    if (out.has(n)) throw new ShapeError(`${op}: dim ${a} appears twice in ${fmt(list)}`);
    out.add(n);
  }
  return [...out].sort((x, y) => x - y);
}

/** NumPy broadcasting of two shapes; the error names the op and both shapes. */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)];
    const db = i < n - b.length ? 1 : b[i - (n - b.length)];
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(
        `${op}: shapes ${fmt(a)} and ${fmt(b)} cannot be broadcast together (dim ${i}: ${da} vs ${db})`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Strides that make a (shape, strides) layout appear with `target` shape by broadcasting (stride 0). */
export function broadcastStrides(shape: Shape, strides: readonly number[], target: Shape): number[] {
  const lead = target.length - shape.length;
  const out = new Array<number>(target.length).fill(0);
  for (let i = 0; i < shape.length; i++)
    out[lead + i] = shape[i] === 1 && target[lead + i] !== 1 ? 0 : strides[i];
  return out;
}

/**
 * Strides for viewing (oldShape, oldStrides) as newShape without copying, or null when impossible.
 * The same chunk-matching rule as PyTorch's `computeStride`: each run of old dims that is contiguous
 * within itself must map onto a run of new dims with the same number of elements.
 */
export function viewStrides(
  oldShape: Shape,
  oldStrides: readonly number[],
  newShape: Shape,
): number[] | null {
  const newStrides = new Array<number>(newShape.length).fill(0);
  if (sizeOf(oldShape) === 0) return contiguousStrides(newShape);
  if (oldShape.length === 0) return newShape.map(() => 1);
  let viewD = newShape.length - 1;
  let chunkBase = oldStrides[oldShape.length - 1];
  let tensorElems = 1;
  let viewElems = 1;
  for (let d = oldShape.length - 1; d >= 0; d--) {
    tensorElems *= oldShape[d];
    if (d === 0 || (oldShape[d - 1] !== 1 && oldStrides[d - 1] !== tensorElems * chunkBase)) {
      while (viewD >= 0 && (viewElems < tensorElems || newShape[viewD] === 1)) {
        newStrides[viewD] = viewElems * chunkBase;
        viewElems *= newShape[viewD];
        viewD--;
      }
      if (viewElems !== tensorElems) return null;
      if (d > 0) {
        chunkBase = oldStrides[d - 1];
        tensorElems = 1;
        viewElems = 1;
      }
    }
  }
  if (viewD !== -1) return null;
  return newStrides;
}

/** Resolves one -1 in a reshape target; validates that the element count matches. */
export function inferShape(op: string, from: Shape, to: readonly number[]): number[] {
  const out = to.slice();
  let infer = -1;
  let known = 1;
  for (let i = 0; i < out.length; i++) {
    const d = out[i];
    if (d === -1) {
      if (infer >= 0) throw new ShapeError(`${op}: only one dimension can be -1 in ${fmt(to)}`);
      infer = i;
    } else if (!Number.isInteger(d) || d < 0) {
      throw new ShapeError(`${op}: invalid size ${d} in ${fmt(to)}`);
    } else known *= d;
  }
  const total = sizeOf(from);
  if (infer >= 0) {
    if (known === 0 || total % known !== 0) {
      throw new ShapeError(`${op}: cannot reshape ${fmt(from)} (${total} elements) into ${fmt(to)}`);
    }
    out[infer] = total / known;
  }
  if (sizeOf(out) !== total) {
    throw new ShapeError(
      `${op}: cannot reshape ${fmt(from)} (${total} elements) into ${fmt(to)} (${sizeOf(out)} elements)`,
    );
  }
  return out;
}

/** Reads an int-or-pair argument (stride, padding, ...) as [h, w]. */
export function pair(
  op: string,
  name: string,
  v: number | readonly [number, number],
  min: number,
): [number, number] {
  const p: [number, number] = typeof v === 'number' ? [v, v] : [v[0], v[1]];
  for (const x of p) {
    if (!Number.isInteger(x) || x < min)
      // String() keeps NaN/Infinity visible (JSON.stringify would print null)
      throw new ShapeError(
        `${op}: ${name} must be an integer >= ${min}, got ${typeof v === 'number' ? v : fmt(v)}`,
      );
  }
  return p;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
