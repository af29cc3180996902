/**
 * The single definition of every elementwise primitive: its scalar semantics in JavaScript (run by the
 * CPU backend's generic strided loops), the same semantics as a WGSL f32 expression (spliced by the
 * WebGPU backend into its per-arity shader template), and, where the op is differentiable, its
 * gradient rule right next to the forward.
 *
 * WGSL conventions: the operands are f32 variables named `a`, `b`, `c` (in argument order) and the
 * optional unary parameter is an f32 named `alpha`; the expression must evaluate to f32. Comparisons
 * produce 1.0 / 0.0. NaN must propagate exactly as the `js` function does (`x != x` tests NaN).
 *
 * Gradient rules receive dL/dout and the saved tensors named in `saves` (for binary and ternary ops,
 * per input: only what the rules of inputs that require grad read is kept alive), and return dL/dinput in the
 * output's (broadcast) shape; the engine reduces broadcast axes to the input shape in one place.
 * Kinks follow PyTorch: relu'(0) = 0, |x|'(0) = 0, prelu dx at 0 = a (He et al. 2015, Eq. 1-3),
 * max/min split ties equally, clamp passes the gradient at the bounds.
 */
import type { BinaryOp, TernaryOp, UnaryOp } from '../backend.js';
import type { Tensor } from '../tensor.js';
import * as ew from './elementwise.js';

/** Saved tensors available to an elementwise gradient rule. */
export interface Saved {
  a: Tensor;
  b: Tensor;
  c: Tensor;
  out: Tensor;
}
type Rule = (dy: Tensor, s: Saved, alpha: number) => Tensor;
type Name = keyof Saved;

export interface UnaryDef {
  readonly js: (a: number, alpha: number) => number;
  readonly wgsl: string;
  readonly saves?: readonly Name[];
  readonly grad?: Rule;
}
/** Per input: the saved tensors its gradient rule reads. */
export type SavesFor = {
  readonly a?: readonly Name[];
  readonly b?: readonly Name[];
  readonly c?: readonly Name[];
};

export interface BinaryDef {
  readonly js: (a: number, b: number) => number;
  readonly wgsl: string;
  readonly saves?: SavesFor;
  readonly grad?: { readonly a?: Rule; readonly b?: Rule };
}
export interface TernaryDef {
  readonly js: (a: number, b: number, c: number) => number;
  readonly wgsl: string;
  readonly saves?: SavesFor;
  readonly grad?: { readonly a?: Rule; readonly b?: Rule; readonly c?: Rule };
}

/** Round half to even, like PyTorch, NumPy and WGSL `round`. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export const UNARY: Record<UnaryOp, UnaryDef> = {
  neg: { js: (a) => -a, wgsl: '-a', grad: (dy) => ew.neg(dy) },
  abs: { js: Math.abs, wgsl: 'abs(a)', saves: ['a'], grad: (dy, s) => ew.mul(dy, ew.sign(s.a)) },
  exp: { js: Math.exp, wgsl: 'exp(a)', saves: ['out'], grad: (dy, s) => ew.mul(dy, s.out) },
  log: { js: Math.log, wgsl: 'log(a)', saves: ['a'], grad: (dy, s) => ew.div(dy, s.a) },
  sqrt: { js: Math.sqrt, wgsl: 'sqrt(a)', saves: ['out'], grad: (dy, s) => ew.div(dy, ew.mul(s.out, 2)) },
  sign: { js: (a) => (a > 0 ? 1 : a < 0 ? -1 : a), wgsl: 'select(sign(a), a, a != a)' },
  reciprocal: {
    js: (a) => 1 / a,
    wgsl: '1.0 / a',
    saves: ['out'],
    grad: (dy, s) => ew.neg(ew.mul(dy, ew.square(s.out))),
  },
  floor: { js: Math.floor, wgsl: 'floor(a)' },
  ceil: { js: Math.ceil, wgsl: 'ceil(a)' },
  round: { js: roundHalfEven, wgsl: 'round(a)' },
  tanh: {
    js: Math.tanh,
    wgsl: 'tanh(a)',
    saves: ['out'],
    grad: (dy, s) => ew.mul(dy, ew.sub(1, ew.square(s.out))),
  },
  sigmoid: {
    // two branches so that exp never overflows
    js: (a) => (a >= 0 ? 1 / (1 + Math.exp(-a)) : Math.exp(a) / (1 + Math.exp(a))),
    wgsl: 'select(exp(a) / (1.0 + exp(a)), 1.0 / (1.0 + exp(-a)), a >= 0.0)',
    saves: ['out'],
    grad: (dy, s) => ew.mul(dy, ew.mul(s.out, ew.sub(1, s.out))),
  },
  relu: {
    // NaN propagates (like torch.relu); -0 becomes 0
    js: (a) => (a > 0 || Number.isNaN(a) ? a : 0),
    wgsl: 'select(0.0, a, a > 0.0 || a != a)',
    saves: ['a'],
    grad: (dy, s) => ew.binaryOp('reluGrad', s.a, dy),
  },
  square: { js: (a) => a * a, wgsl: 'a * a', saves: ['a'], grad: (dy, s) => ew.mul(dy, ew.mul(s.a, 2)) },
  isnan: { js: (a) => (Number.isNaN(a) ? 1 : 0), wgsl: 'select(0.0, 1.0, a != a)' },
  logicalNot: { js: (a) => (a === 0 ? 1 : 0), wgsl: 'select(0.0, 1.0, a == 0.0)' },
};

export const BINARY: Record<BinaryOp, BinaryDef> = {
  add: { js: (a, b) => a + b, wgsl: 'a + b', grad: { a: (dy) => dy, b: (dy) => dy } },
  sub: { js: (a, b) => a - b, wgsl: 'a - b', grad: { a: (dy) => dy, b: (dy) => ew.neg(dy) } },
  mul: {
    js: (a, b) => a * b,
    wgsl: 'a * b',
    saves: { a: ['b'], b: ['a'] },
    grad: { a: (dy, s) => ew.mul(dy, s.b), b: (dy, s) => ew.mul(dy, s.a) },
  },
  div: {
    js: (a, b) => a / b,
    wgsl: 'a / b',
    saves: { a: ['b'], b: ['b', 'out'] },
    grad: { a: (dy, s) => ew.div(dy, s.b), b: (dy, s) => ew.neg(ew.div(ew.mul(dy, s.out), s.b)) },
  },
  pow: {
    js: Math.pow,
    // WGSL pow is undefined for a < 0: use |a|^b with the sign of an odd integer exponent; NaN for a
    // negative base with a fractional exponent comes from sqrt(-1); pow(x, 0) = 1 as in JS.
    wgsl: 'select(select(select(sqrt(-1.0), select(1.0, -1.0, fract(b * 0.5) != 0.0) * pow(-a, b), floor(b) == b), pow(a, b), a >= 0.0), 1.0, b == 0.0)',
    saves: { a: ['a', 'b'], b: ['a', 'out'] },
    grad: {
      // b * a^(b-1); 0 where b == 0 (PyTorch's convention: d/da a^0 = 0 also at a = 0, not 0 * inf)
      a: (dy, s) => ew.where(ew.eq(s.b, 0), 0, ew.mul(dy, ew.mul(s.b, ew.pow(s.a, ew.sub(s.b, 1))))),
      // d/db a^b = a^b ln a; 0 where a == 0 (PyTorch's convention, avoids 0 * -inf)
      b: (dy, s) => ew.where(ew.eq(s.a, 0), 0, ew.mul(dy, ew.mul(s.out, ew.log(s.a)))),
    },
  },
  maximum: {
    js: Math.max, // NaN propagates
    wgsl: 'select(max(a, b), a + b, a != a || b != b)',
    saves: { a: ['a', 'b'], b: ['a', 'b'] },
    grad: {
      a: (dy, s) => ew.mul(dy, ew.add(ew.gt(s.a, s.b), ew.mul(ew.eq(s.a, s.b), 0.5))),
      b: (dy, s) => ew.mul(dy, ew.add(ew.lt(s.a, s.b), ew.mul(ew.eq(s.a, s.b), 0.5))),
    },
  },
  minimum: {
    js: Math.min, // NaN propagates
    wgsl: 'select(min(a, b), a + b, a != a || b != b)',
    saves: { a: ['a', 'b'], b: ['a', 'b'] },
    grad: {
      a: (dy, s) => ew.mul(dy, ew.add(ew.lt(s.a, s.b), ew.mul(ew.eq(s.a, s.b), 0.5))),
      b: (dy, s) => ew.mul(dy, ew.add(ew.gt(s.a, s.b), ew.mul(ew.eq(s.a, s.b), 0.5))),
    },
  },
  eq: { js: (a, b) => (a === b ? 1 : 0), wgsl: 'select(0.0, 1.0, a == b)' },
  ne: { js: (a, b) => (a !== b ? 1 : 0), wgsl: 'select(0.0, 1.0, a != b)' },
  lt: { js: (a, b) => (a < b ? 1 : 0), wgsl: 'select(0.0, 1.0, a < b)' },
  le: { js: (a, b) => (a <= b ? 1 : 0), wgsl: 'select(0.0, 1.0, a <= b)' },
  gt: { js: (a, b) => (a > b ? 1 : 0), wgsl: 'select(0.0, 1.0, a > b)' },
  ge: { js: (a, b) => (a >= b ? 1 : 0), wgsl: 'select(0.0, 1.0, a >= b)' },
  prelu: {
    // He et al. 2015, Eq. 1: f(y) = y for y > 0, a*y for y <= 0; NaN propagates through a*y
    js: (a, b) => (a > 0 ? a : b * a),
    wgsl: 'select(b * a, a, a > 0.0)',
    saves: { a: ['a', 'b'], b: ['a'] },
    grad: {
      // Eq. 2 input term: dy for y > 0, a*dy for y <= 0 (at 0 the gradient is a)
      a: (dy, s) => ew.ternaryOp('preluInputGrad', s.a, dy, s.b),
      // Eq. 2-3: dy*y for y <= 0 (0 at y = 0); the engine sums it over the broadcast positions
      b: (dy, s) => ew.binaryOp('preluSlopeGrad', s.a, dy),
    },
  },
  preluSlopeGrad: { js: (a, b) => (a <= 0 ? b * a : 0), wgsl: 'select(0.0, b * a, a <= 0.0)' },
  reluGrad: { js: (a, b) => (a > 0 ? b : 0), wgsl: 'select(0.0, b, a > 0.0)' },
};

export const TERNARY: Record<TernaryOp, TernaryDef> = {
  where: {
    js: (a, b, c) => (a !== 0 ? b : c),
    wgsl: 'select(c, b, a != 0.0)',
    saves: { b: ['a'], c: ['a'] },
    grad: { b: (dy, s) => ew.where(s.a, dy, 0), c: (dy, s) => ew.where(s.a, 0, dy) },
  },
  preluInputGrad: { js: (a, b, c) => (a > 0 ? b : c * b), wgsl: 'select(c * b, b, a > 0.0)' },
  clamp: {
    js: (a, b, c) => Math.min(Math.max(a, b), c), // NaN propagates
    wgsl: 'select(min(max(a, b), c), a, a != a)',
    saves: { a: ['a', 'b', 'c'] },
    // the gradient passes where lo <= x <= hi (inclusive, like PyTorch)
    grad: { a: (dy, s) => ew.mul(dy, ew.mul(ew.ge(s.a, s.b), ew.le(s.a, s.c))) },
  },
};
