/**
 * Front end of the elementwise primitives: operand conversion, dtype promotion, NumPy broadcasting
 * and tape recording. The scalar semantics live in `../elementwise-semantics.ts` (shared with the
 * backends), the gradient rules in `elementwise-grads.ts`. dtypes follow torch's result_type
 * (see `resultType` in operands.ts); float-valued ops promote int32 to float32.
 */

import type { Thunk } from '../autograd/node.js';
import { needsGrad, record } from '../autograd/record.js';
import type { BinaryOp, DType, TernaryOp, UnaryOp } from '../backend.js';
import { checkDType, isFloat } from '../dtype.js';
import { BINARY, UNARY } from '../elementwise-semantics.js';
import { checkOptionKeys, fmt } from '../errors.js';
import { broadcastShapes } from '../shape.js';
import { fromStorage, type Tensor } from '../tensor.js';
import { BINARY_GRADS, type Saved, type SavesFor, TERNARY_GRADS, UNARY_GRADS } from './elementwise-grads.js';
import {
  broadcastView,
  checkTensor,
  DEFAULT_FLOAT,
  operands,
  resultType,
  scalar,
  type TensorLike,
} from './operands.js';
import { deferOnDevice } from './range-check.js';

export type { TensorLike } from './operands.js';

const ORDER = ['a', 'b', 'c', 'out'] as const;

/** The saved names that the rules of the inputs requiring grad need (in a fixed order). */
function neededSaves(saves: SavesFor | undefined, inputs: readonly Tensor[]): (keyof Saved)[] {
  const want = new Set<keyof Saved>();
  inputs.forEach((t, i) => {
    if (t.requiresGrad) for (const n of saves?.[ORDER[i] as 'a' | 'b' | 'c'] ?? []) want.add(n);
  });
  return ORDER.filter((n) => want.has(n));
}

function savedContext(names: readonly (keyof Saved)[], saved: readonly Tensor[]): Saved {
  const s = {} as Saved;
  names.forEach((n, i) => {
    s[n] = saved[i];
  });
  return s;
}

/** Casts to `dtype` (differentiable between float dtypes); returns x itself when the dtype matches. @example x.cast('float64') */
export function cast(x: Tensor, dtype: DType): Tensor {
  checkTensor('cast', 'x', x);
  checkDType('cast', dtype);
  if (x.dtype === dtype) return x; // like torch's .to(): the same tensor when nothing changes
  const out = fromStorage(x.backend, x.backend.cast(x.storageView, dtype), x.shape, dtype);
  if (isFloat(dtype)) record('cast', out, [x], [], (dy) => [() => cast(dy, x.dtype)]);
  return out;
}

/** Checks that every non-number operand is a live tensor (before its dtype is read). */
function checkOperands(op: string, args: readonly TensorLike[]): void {
  args.forEach((a, i) => {
    if (typeof a !== 'number') checkTensor(op, `argument ${i}`, a);
  });
}

/** Casts operands to `dtype`, adding the casts to `temps`. */
function castAll(ts: Tensor[], dtype: DType, temps: Tensor[]): Tensor[] {
  return ts.map((t) => {
    if (t.dtype === dtype) return t;
    const c = cast(t, dtype);
    temps.push(c);
    return c;
  });
}

/** Runs a unary primitive (see `UNARY` for its semantics). @internal */
export function unaryOp(op: UnaryOp, input: Tensor, alpha = 0, name: string = op): Tensor {
  checkTensor(name, 'x', input);
  // float-valued functions of an int32 tensor are float32, as in torch (exp(int) is not an int)
  if (input.dtype === 'int32' && UNARY[op].floatResult) {
    const f = cast(input, DEFAULT_FLOAT);
    try {
      return unaryOp(op, f, alpha, name);
    } finally {
      f.dispose();
    }
  }
  const x = input;
  const out = fromStorage(x.backend, x.backend.unary(op, x.storageView, alpha), x.shape, x.dtype);
  const def = UNARY_GRADS[op];
  const grad = def?.grad;
  if (def && grad && needsGrad(x)) {
    const names = def.saves ?? [];
    const save = names.map((n) => (n === 'out' ? out : x));
    record(name, out, [x], save, (dy, saved) => [() => grad(dy, savedContext(names, saved), alpha)]);
  }
  return out;
}

/** Runs a binary primitive with broadcasting and promotion (see `BINARY`). @internal */
export function binaryOp(
  op: BinaryOp,
  a: TensorLike,
  b: TensorLike,
  name: string = op,
  intDivision = false,
): Tensor {
  checkOperands(name, [a, b]);
  let dtype = resultType([a, b]);
  // true division (and other float-valued ops) of integers is float, unless integer division is asked for
  if (dtype === 'int32' && BINARY[op].floatResult && !intDivision) dtype = DEFAULT_FLOAT;
  const { ts, temps } = operands(name, [a, b], dtype);
  try {
    const [x, y] = castAll(ts, dtype, temps);
    const shape = broadcastShapes(name, x.shape, y.shape);
    const backend = x.backend;
    const out = fromStorage(
      backend,
      backend.binary(op, broadcastView(x, shape), broadcastView(y, shape), dtype),
      shape,
      dtype,
    );
    const def = BINARY_GRADS[op];
    const grad = def?.grad;
    if (def && grad && needsGrad(x, y)) {
      const names = neededSaves(def.saves, [x, y]);
      const save = names.map((n) => (n === 'out' ? out : n === 'a' ? x : y));
      record(name, out, [x, y], save, (dy, saved) => {
        const s = savedContext(names, saved);
        const ga = grad.a;
        const gb = grad.b;
        return [ga ? () => ga(dy, s, 0) : null, gb ? () => gb(dy, s, 0) : null];
      });
    }
    return out;
  } finally {
    // scalar operands and casts are temporaries (saved tensors hold their own references)
    for (const t of temps) t.dispose();
  }
}

/**
 * Runs a ternary primitive (see `TERNARY`). The result dtype is torch's result_type of b and c (and of
 * a too when `aIsValue`, as for clamp; `where`'s condition is not a value); all operands are cast to it.
 * @internal
 */
export function ternaryOp(
  op: TernaryOp,
  a: TensorLike,
  b: TensorLike,
  c: TensorLike,
  name: string = op,
  aIsValue = false,
): Tensor {
  checkOperands(name, [a, b, c]);
  const dtype = resultType(aIsValue ? [a, b, c] : [b, c]);
  const { ts, temps } = operands(name, [b, c, a], dtype);
  try {
    const [y, z, x] = castAll(ts, dtype, temps);
    const shape = broadcastShapes(name, broadcastShapes(name, x.shape, y.shape), z.shape);
    const backend = x.backend;
    const storage = backend.ternary(
      op,
      broadcastView(x, shape),
      broadcastView(y, shape),
      broadcastView(z, shape),
      dtype,
    );
    const out = fromStorage(backend, storage, shape, dtype);
    const def = TERNARY_GRADS[op];
    const grad = def?.grad;
    if (def && grad && needsGrad(x, y, z)) {
      const names = neededSaves(def.saves, [x, y, z]);
      const save = names.map((n) => (n === 'out' ? out : n === 'a' ? x : n === 'b' ? y : z));
      record(name, out, [x, y, z], save, (dy, saved) => {
        const s = savedContext(names, saved);
        const rules = [grad.a, grad.b, grad.c];
        return rules.map((r): Thunk | null => (r ? () => r(dy, s, 0) : null));
      });
    }
    return out;
  } finally {
    for (const t of temps) t.dispose();
  }
}

/** a + b with broadcasting. @example add(x, 1) */
export const add = (a: TensorLike, b: TensorLike): Tensor => binaryOp('add', a, b);
/** a - b with broadcasting. @example sub(x, y) */
export const sub = (a: TensorLike, b: TensorLike): Tensor => binaryOp('sub', a, b);
/** a * b with broadcasting. @example mul(x, 2) */
export const mul = (a: TensorLike, b: TensorLike): Tensor => binaryOp('mul', a, b);
/** Options of `div` (torch.div's `rounding_mode`). */
export interface DivOptions {
  /**
   * undefined / null (default): true division, float even for int32 operands; 'trunc': rounds toward
   * zero; 'floor': rounds toward -inf (like `floorDivide`). With a rounding mode int32 stays int32.
   */
  roundingMode?: 'trunc' | 'floor' | null;
}

/** Integer division by zero is an error in torch: checked at once on CPU/WASM, on the device on WebGPU. */
function checkIntDivisor(op: string, a: TensorLike, b: TensorLike): void {
  if (resultType([a, b]) !== 'int32') return;
  if (typeof b === 'number') {
    if (b === 0) throw new RangeError(`${op}: integer division by zero`);
    return;
  }
  const message = `${op}: integer division by zero (divisor ${b})`;
  // on WebGPU the divisor is checked on the device and the error reported at the next read
  if (b.backend.readSync) {
    if (b.dataSync().includes(0)) throw new RangeError(message);
  } else
    deferOnDevice(
      b,
      (flat) => eq(flat, 0),
      `${op}|zero|${fmt(b.shape)}`,
      () => message,
    );
}

/**
 * a / b with broadcasting. True division by default: int32 operands give float32, as in torch; with
 * `{ roundingMode: 'trunc' | 'floor' }` the quotient is rounded and int32 stays int32 (not
 * differentiable then, like torch). Integer division by zero throws a RangeError (on WebGPU at the next read).
 * @example div(x, 2); div(counts, 3, { roundingMode: 'floor' })
 */
export function div(a: TensorLike, b: TensorLike, opts: DivOptions = {}): Tensor {
  checkOptionKeys('div', opts, ['roundingMode']);
  const mode = opts.roundingMode ?? null;
  if (mode === null) return binaryOp('div', a, b);
  if (mode === 'floor') return floorDivide(a, b);
  if (mode !== 'trunc')
    throw new RangeError(`div: roundingMode must be 'trunc', 'floor' or null, got ${String(mode)}`);
  checkOperands('div', [a, b]);
  if (resultType([a, b]) === 'int32') {
    checkIntDivisor('div', a, b);
    return binaryOp('div', a, b, 'div', true); // int32 storage: the primitive truncates
  }
  const q = binaryOp('div', a, b);
  try {
    return unaryOp('trunc', q.detach());
  } finally {
    q.dispose();
  }
}

/**
 * floor(a / b) with broadcasting (torch.floor_divide, Python's //): exact for floats (1 // 0.1 = 9),
 * int32 stays int32; not differentiable. @example floorDivide(idx, 4)
 */
export function floorDivide(a: TensorLike, b: TensorLike): Tensor {
  checkOperands('floorDivide', [a, b]);
  checkIntDivisor('floorDivide', a, b);
  return binaryOp('floorDivide', a, b, 'floorDivide');
}

/**
 * a ** b with broadcasting; an int32 tensor with a fractional exponent is float32 (torch's
 * result_type). @example pow(x, 2)
 */
export function pow(a: TensorLike, b: TensorLike): Tensor {
  checkOperands('pow', [a, b]);
  if (typeof b === 'number' && b < 0 && resultType([a, b]) === 'int32')
    throw new RangeError(`pow: integers to negative integer powers are not allowed (exponent ${b})`);
  return binaryOp('pow', a, b);
}
/** Elementwise max; NaN propagates; ties split the gradient equally. @example maximum(x, 0) */
export const maximum = (a: TensorLike, b: TensorLike): Tensor => binaryOp('maximum', a, b);
/** Elementwise min; NaN propagates; ties split the gradient equally. @example minimum(x, 1) */
export const minimum = (a: TensorLike, b: TensorLike): Tensor => binaryOp('minimum', a, b);
/** 1 where a == b else 0, in the promoted dtype. @example eq(x, 0) */
export const eq = (a: TensorLike, b: TensorLike): Tensor => binaryOp('eq', a, b);
/** 1 where a != b (true for NaN). @example ne(x, 0) */
export const ne = (a: TensorLike, b: TensorLike): Tensor => binaryOp('ne', a, b);
/** 1 where a < b. @example lt(x, 0) */
export const lt = (a: TensorLike, b: TensorLike): Tensor => binaryOp('lt', a, b);
/** 1 where a <= b. @example le(x, 0) */
export const le = (a: TensorLike, b: TensorLike): Tensor => binaryOp('le', a, b);
/** 1 where a > b. @example gt(x, 0) */
export const gt = (a: TensorLike, b: TensorLike): Tensor => binaryOp('gt', a, b);
/** 1 where a >= b. @example ge(x, 0) */
export const ge = (a: TensorLike, b: TensorLike): Tensor => binaryOp('ge', a, b);

/** -x. @example neg(x) */
export const neg = (x: Tensor): Tensor => unaryOp('neg', x);
/** |x| (gradient 0 at 0). @example abs(x) */
export const abs = (x: Tensor): Tensor => unaryOp('abs', x);
/** e^x. @example exp(x) */
export const exp = (x: Tensor): Tensor => unaryOp('exp', x);
/** Natural log. @example log(x) */
export const log = (x: Tensor): Tensor => unaryOp('log', x);
/** Square root. @example sqrt(x) */
export const sqrt = (x: Tensor): Tensor => unaryOp('sqrt', x);
/** -1, 0 or 1 (NaN stays NaN); not differentiable. @example sign(x) */
export const sign = (x: Tensor): Tensor => unaryOp('sign', x);
/** 1 / x. @example reciprocal(x) */
export const reciprocal = (x: Tensor): Tensor => unaryOp('reciprocal', x);
/** x * x. @example square(x) */
export const square = (x: Tensor): Tensor => unaryOp('square', x);
/** Round toward -inf; not differentiable. @example floor(x) */
export const floor = (x: Tensor): Tensor => unaryOp('floor', x);
/** Round toward +inf; not differentiable. @example ceil(x) */
export const ceil = (x: Tensor): Tensor => unaryOp('ceil', x);
/** Round half to even (like PyTorch); not differentiable. @example round(x) */
export const round = (x: Tensor): Tensor => unaryOp('round', x);
/** Round toward zero; not differentiable. @example trunc(x) */
export const trunc = (x: Tensor): Tensor => unaryOp('trunc', x);
/** Hyperbolic tangent. @example tanh(x) */
export const tanh = (x: Tensor): Tensor => unaryOp('tanh', x);
/** 1 / (1 + e^-x), computed without overflow. @example sigmoid(x) */
export const sigmoid = (x: Tensor): Tensor => unaryOp('sigmoid', x);
/** max(x, 0); gradient 0 at x = 0 (PyTorch's convention); NaN propagates. @example relu(x) */
export const relu = (x: Tensor): Tensor => unaryOp('relu', x);
/** 1 where x is NaN. @example isnan(x) */
export const isnan = (x: Tensor): Tensor => unaryOp('isnan', x);
/** 1 where x == 0. @example logicalNot(mask) */
export const logicalNot = (x: Tensor): Tensor => unaryOp('logicalNot', x);

/**
 * min(max(x, min), max); either bound may be omitted; NaN stays NaN. The gradient passes where
 * min <= x <= max. @example clamp(x, 0, 6)
 */
export function clamp(x: Tensor, min?: number | null, max?: number | null): Tensor {
  checkTensor('clamp', 'x', x);
  const int = x.dtype === 'int32';
  const lo = min ?? (int ? -2147483648 : Number.NEGATIVE_INFINITY);
  const hi = max ?? (int ? 2147483647 : Number.POSITIVE_INFINITY);
  if (lo > hi) throw new RangeError(`clamp: min ${lo} is greater than max ${hi}`);
  return ternaryOp('clamp', x, lo, hi, 'clamp', true);
}

/**
 * `cond != 0 ? a : b` elementwise with broadcasting of all three. The result has the promoted dtype
 * of a and b; cond is never differentiated. @example where(gt(x, 0), x, 0)
 */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  checkTensor('where', 'cond', cond);
  if (typeof a === 'number' && typeof b === 'number') {
    // two numbers: a mask is not a value operand, so they get a float dtype (cond's if it is float)
    const dtype = cond.dtype === 'int32' ? 'float32' : cond.dtype;
    const ta = scalar(a, dtype, cond.backend);
    const out = ternaryOp('where', cond, ta, b);
    ta.dispose();
    return out;
  }
  return ternaryOp('where', cond, a, b);
}
