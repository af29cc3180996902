/** Joining and splitting along a dim: concat, stack, split. */
import { record } from '../autograd/record.js';
import { DTypeError, fmt, ShapeError } from '../errors.js';
import { tidy } from '../memory.js';
import { contiguousStrides, normalizeAxis, sizeOf } from '../shape.js';
import { fromStorage, type Tensor } from '../tensor.js';
import { checkTensor, sameBackend } from './operands.js';
import { narrow, unsqueeze } from './views.js';

/**
 * Concatenates tensors along `dim`; all other dims must match, and so must the dtypes.
 *
 * @example
 * concat([zeros([2, 3]), ones([4, 3])]) // [6, 3]
 */
export function concat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0)
    throw new ShapeError('concat: expected a non-empty array of tensors');
  for (const [i, t] of tensors.entries()) checkTensor('concat', `tensors[${i}]`, t);
  const first = tensors[0];
  const backend = sameBackend('concat', tensors);
  const d = normalizeAxis('concat', dim, first.ndim, 'dim');
  let total = 0;
  for (const [i, t] of tensors.entries()) {
    if (t.dtype !== first.dtype)
      throw new DTypeError(`concat: tensors[${i}] has dtype ${t.dtype} but tensors[0] has ${first.dtype}`);
    if (t.ndim !== first.ndim || t.shape.some((s: number, j: number) => j !== d && s !== first.shape[j])) {
      throw new ShapeError(
        `concat: tensors[${i}] has shape ${fmt(t.shape)}, incompatible with tensors[0] ${fmt(first.shape)} along dim ${d}`,
      );
    }
    total += t.shape[d];
  }
  const shape = first.shape.slice();
  shape[d] = total;
  const out = fromStorage(backend, backend.fill(sizeOf(shape), first.dtype, 0), shape, first.dtype);
  const strides = contiguousStrides(shape);
  const starts: number[] = [];
  let off = 0;
  for (const t of tensors) {
    starts.push(off);
    if (t.size > 0)
      backend.assign(
        { storage: out.storage, dtype: t.dtype, shape: t.shape, strides, offset: off * strides[d] },
        t.storageView,
      );
    off += t.shape[d];
  }
  return record(
    'concat',
    out,
    tensors,
    [],
    (dy) => tensors.map((t, i) => () => narrow(dy, d, starts[i], t.shape[d])),
    { dim: d },
  );
}

/** torch's name for `concat`. @example cat([a, b], 1) */
export const cat = (tensors: readonly Tensor[], dim = 0): Tensor => concat(tensors, dim);

/**
 * Stacks same-shape tensors along a new dim.
 *
 * @example
 * stack([a, b], 0) // [2, ...a.shape]
 */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0)
    throw new ShapeError('stack: expected a non-empty array of tensors');
  for (const [i, t] of tensors.entries()) checkTensor('stack', `tensors[${i}]`, t);
  for (const [i, t] of tensors.entries()) {
    if (t.ndim !== tensors[0].ndim || t.shape.some((s: number, j: number) => s !== tensors[0].shape[j])) {
      throw new ShapeError(
        `stack: tensors[${i}] has shape ${fmt(t.shape)} but tensors[0] has ${fmt(tensors[0].shape)}`,
      );
    }
    if (t.dtype !== tensors[0].dtype)
      throw new DTypeError(
        `stack: tensors[${i}] has dtype ${t.dtype} but tensors[0] has ${tensors[0].dtype}`,
      );
  }
  const d = normalizeAxis('stack', dim, tensors[0].ndim + 1, 'dim');
  return tidy(() =>
    concat(
      tensors.map((t) => unsqueeze(t, d)),
      d,
    ),
  );
}

/**
 * Splits into views along `dim`: chunks of `size` (the last may be smaller) or the given section sizes.
 *
 * @example
 * split(x, [2, 3], 1)
 */
export function split(t: Tensor, sizeOrSections: number | readonly number[], dim = 0): Tensor[] {
  checkTensor('split', 't', t);
  const d = normalizeAxis('split', dim, t.ndim, 'dim');
  const n = t.shape[d];
  let sizes: number[];
  if (typeof sizeOrSections === 'number') {
    if (!Number.isInteger(sizeOrSections) || sizeOrSections < 1)
      throw new ShapeError(`split: size must be a positive integer, got ${sizeOrSections}`);
    sizes = [];
    for (let s = 0; s < n; s += sizeOrSections) sizes.push(Math.min(sizeOrSections, n - s));
  } else {
    sizes = sizeOrSections.slice();
    if (sizes.some((s) => !Number.isInteger(s) || s < 0) || sizes.reduce((a, b) => a + b, 0) !== n) {
      throw new ShapeError(
        `split: sections ${fmt(sizes)} must be non-negative and sum to ${n} (dim ${d} of ${fmt(t.shape)})`,
      );
    }
  }
  let off = 0;
  return sizes.map((s) => {
    const v = narrow(t, d, off, s);
    off += s;
    return v;
  });
}
