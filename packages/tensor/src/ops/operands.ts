import type { Backend, DType, Shape, View } from '../backend.js';
import { getBackend } from '../backend-state.js';
import { fmt, ShapeError } from '../errors.js';
import { broadcastStrides } from '../shape.js';
import { fromStorage, Tensor } from '../tensor.js';

/** A tensor, or a number that acts as a 0-d tensor of the other operand's dtype. */
export type TensorLike = Tensor | number;

/** Checks that `t` is a live Tensor; names the op and argument otherwise. */
export function checkTensor(op: string, arg: string, t: unknown): Tensor {
  if (!(t instanceof Tensor))
    throw new TypeError(`${op}: ${arg} must be a Tensor, got ${t === null ? 'null' : typeof t}`);
  t.assertAlive(`${op} (${arg})`);
  return t;
}

/**
 * Throws when an options object has a key outside `allowed` (a typo such as `{ pading: 1 }` would
 * otherwise silently fall back to the default), or when it is not an object. `undefined` passes.
 */
export function checkOptionKeys(op: string, opts: unknown, allowed: readonly string[]): void {
  if (opts === undefined) return;
  if (opts === null || typeof opts !== 'object' || Array.isArray(opts))
    throw new TypeError(`${op}: options must be an object, got ${opts === null ? 'null' : typeof opts}`);
  for (const key of Object.keys(opts)) {
    if (!allowed.includes(key))
      throw new TypeError(`${op}: unknown option '${key}' (allowed: ${allowed.join(', ')})`);
  }
}

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

/** A 0-d tensor holding `value` on `backend`. */
export function scalar(value: number, dtype: DType, backend: Backend): Tensor {
  return fromStorage(backend, backend.fill(1, dtype, value), [], dtype);
}

/**
 * Converts mixed Tensor/number operands into tensors on one backend. Numbers become 0-d tensors of
 * the dtype of the first tensor operand; they are listed in `temps` for the caller to dispose.
 */
export function operands(op: string, args: readonly TensorLike[]): { ts: Tensor[]; temps: Tensor[] } {
  const tensors = args.map((a, i) => (typeof a === 'number' ? null : checkTensor(op, `argument ${i}`, a)));
  const present = tensors.filter((t): t is Tensor => t !== null);
  if (present.length > 0) sameBackend(op, present);
  const first = present[0];
  const temps: Tensor[] = [];
  const backend = first ? first.backend : getBackend();
  const dtype: DType = first ? first.dtype : 'float32';
  const ts = args.map((a, i) => {
    const t = tensors[i];
    if (t) return t;
    const s = scalar(a as number, dtype, backend);
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
