import type { Backend, DType, Shape, View } from '../backend.js';
import { getBackend } from '../backend-state.js';
import { promote } from '../dtype.js';
import { fmt, ShapeError } from '../errors.js';
import { StorageRef } from '../memory.js';
import { broadcastStrides } from '../shape.js';
import { fromStorage, fromStorageRef, Tensor } from '../tensor.js';

/** A tensor, or a number that acts as a 0-d tensor of the other operand's dtype. */
export type TensorLike = Tensor | number;

/** Checks that `t` is a live Tensor; names the op and argument otherwise. */
export function checkTensor(op: string, arg: string, t: unknown): Tensor {
  if (!(t instanceof Tensor))
    throw new TypeError(`${op}: ${arg} must be a Tensor, got ${t === null ? 'null' : typeof t}`);
  t.assertAlive(`${op} (${arg})`);
  return t;
}

export { checkOptionKeys } from '../errors.js';

/** All tensors must live on one backend: no op reads another backend's memory. */
export function sameBackend(op: string, tensors: readonly Tensor[]): Backend {
  const b = tensors[0].backend;
  for (const t of tensors) {
    if (t.backend !== b) {
      throw new Error(
        `${op}: tensors are on different backends (${b.name} and ${t.backend.name}); move one with await t.to(backend)`,
      );
    }
  }
  return b;
}

/**
 * Scalar operands on backends without synchronous host memory (WebGPU) would cost one fill dispatch
 * each time a number meets a tensor, and a training step meets the same few constants every step (0,
 * 1, a class count, ignoreIndex). There, each (dtype, value) gets one storage, kept for the backend's
 * lifetime (one reference held here, so releasing the operands never frees it); operands are only
 * ever read. Bounded: past SCALAR_CACHE_LIMIT values a scalar is filled as before. On CPU and WASM a
 * fill is a host write, cheaper than a lookup.
 */
const scalarCache = new WeakMap<Backend, Map<string, StorageRef>>();
const SCALAR_CACHE_LIMIT = 256;

/** A 0-d tensor holding `value` on `backend` (read-only: an operand). */
export function scalar(value: number, dtype: DType, backend: Backend): Tensor {
  if (backend.readSync) return fromStorage(backend, backend.fill(1, dtype, value), [], dtype);
  let cache = scalarCache.get(backend);
  if (!cache) {
    cache = new Map();
    scalarCache.set(backend, cache);
  }
  const key = `${dtype}:${Object.is(value, -0) ? '-0' : String(value)}`;
  let ref = cache.get(key);
  if (!ref) {
    if (cache.size >= SCALAR_CACHE_LIMIT)
      return fromStorage(backend, backend.fill(1, dtype, value), [], dtype);
    ref = new StorageRef(backend, backend.fill(1, dtype, value));
    ref.retain();
    cache.set(key, ref);
  }
  return fromStorageRef(ref, [], dtype);
}

/** The dtype PyTorch gives a float number combined with integer tensors (torch.get_default_dtype()). */
export const DEFAULT_FLOAT: DType = 'float32';

const isFloatType = (d: DType): boolean => d !== 'int32';

/** torch's combine_categories: the higher-priority result unless the lower one is a float over an int. */
function combine(higher: DType | null, lower: DType | null): DType | null {
  if (higher === null) return lower;
  if (lower === null || isFloatType(higher)) return higher;
  return isFloatType(lower) ? promote(higher, lower) : higher;
}

/**
 * PyTorch's `torch.result_type` for mixed operands: tensors with dimensions decide the dtype; 0-d
 * tensors and plain numbers only raise its category (int -> float). A number is an integer scalar
 * when it is an integer value (JavaScript has no separate 2.0), otherwise a float scalar, which gives
 * the default float dtype (float32), so `mul(int32Tensor, 1 / 255)` is float32 as in torch.
 * Without any tensor the result is float32.
 */
export function resultType(args: readonly TensorLike[]): DType {
  let dim: DType | null = null;
  let zero: DType | null = null;
  let wrapped: DType | null = null;
  for (const a of args) {
    if (typeof a === 'number') {
      const d: DType = Number.isInteger(a) ? 'int32' : DEFAULT_FLOAT;
      wrapped = wrapped === null ? d : promote(wrapped, d);
    } else if (a.ndim === 0) zero = zero === null ? a.dtype : promote(zero, a.dtype);
    else dim = dim === null ? a.dtype : promote(dim, a.dtype);
  }
  if (dim === null && zero === null) return DEFAULT_FLOAT;
  return combine(dim, combine(zero, wrapped)) ?? DEFAULT_FLOAT;
}

/**
 * Converts mixed Tensor/number operands into tensors on one backend. Numbers become 0-d tensors of
 * `dtype` (by default the dtype of the first tensor operand); they are listed in `temps` for the
 * caller to dispose.
 */
export function operands(
  op: string,
  args: readonly TensorLike[],
  dtype?: DType,
): { ts: Tensor[]; temps: Tensor[] } {
  const tensors = args.map((a, i) => (typeof a === 'number' ? null : checkTensor(op, `argument ${i}`, a)));
  const present = tensors.filter((t): t is Tensor => t !== null);
  if (present.length > 0) sameBackend(op, present);
  const first = present[0];
  const temps: Tensor[] = [];
  const backend = first ? first.backend : getBackend();
  const scalarDtype: DType = dtype ?? (first ? first.dtype : DEFAULT_FLOAT);
  const ts = args.map((a, i) => {
    const t = tensors[i];
    if (t) return t;
    const s = scalar(a as number, scalarDtype, backend);
    temps.push(s);
    return s;
  });
  return { ts, temps };
}

/** The view of `t` broadcast to `shape` (stride 0 on broadcast axes). */
export function broadcastView(t: Tensor, shape: Shape): View {
  const v = t.storageView;
  if (v.shape.length === shape.length && v.shape.every((d, i) => d === shape[i])) return v;
  return { ...v, shape, strides: broadcastStrides(t.shape, t.strides, shape) };
}

/** Throws unless `t` has exactly `ndim` dimensions. */
export function checkRank(op: string, arg: string, t: Tensor, ndim: number, layout = ''): void {
  if (t.ndim !== ndim) {
    throw new ShapeError(
      `${op}: ${arg} must be ${ndim}-D${layout ? ` ${layout}` : ''}, got shape ${fmt(t.shape)}`,
    );
  }
}
