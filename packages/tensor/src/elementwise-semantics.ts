/**
 * The scalar semantics of every elementwise primitive, the one definition all backends share: a
 * JavaScript function (run by the CPU backend's generic strided loops) and the same function as a WGSL
 * f32 expression (spliced by the WebGPU backend into its per-arity shader template). The WASM
 * kernels of the hot ops are bit-identical to these functions (tested in backends/wasm).
 *
 * This module is what backends may import; gradient rules live in the front end
 * (`ops/elementwise-grads.ts`), so `backends/` never depends on `ops/` (boundary test in
 * `boundaries.test.ts`).
 *
 * WGSL conventions: the operands are f32 variables named `a`, `b`, `c` (in argument order) and the
 * optional unary parameter is an f32 named `alpha`; the expression must evaluate to f32. Comparisons
 * produce 1.0 / 0.0. NaN must propagate exactly as the `js` function does (`x != x` tests NaN).
 * NaN and signed-zero behaviour follows PyTorch: relu(NaN) = NaN, relu(-0) = -0, and the gradient
 * primitives pass dy (or NaN) at a NaN input where PyTorch's `threshold_backward` / prelu backward do.
 */
import type { BinaryOp, TernaryOp, UnaryOp } from './backend.js';

export interface UnaryDef {
  readonly js: (a: number, alpha: number) => number;
  readonly wgsl: string;
  /**
   * True for float-valued functions (exp, log, sqrt, ...): an int32 input is promoted to the default
   * float dtype first, as in PyTorch. Ops without it keep int32 (neg, abs, floor, relu, ...).
   */
  readonly floatResult?: boolean;
}
export interface BinaryDef {
  readonly js: (a: number, b: number) => number;
  readonly wgsl: string;
  /** True when int32 operands are promoted to the default float dtype (true division). */
  readonly floatResult?: boolean;
}
export interface TernaryDef {
  readonly js: (a: number, b: number, c: number) => number;
  readonly wgsl: string;
}

/** Round half to even, like PyTorch, NumPy and WGSL `round`. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Python's floor division (PyTorch's `floor_divide` / `div(..., rounding_mode='floor')` for floats):
 * computed from fmod so that the quotient is exact where a / b rounds up across an integer
 * (1 // 0.1 = 9, not floor(10.000000000000002 ...) = 10).
 */
function floorDivide(a: number, b: number): number {
  if (b === 0) return a / b; // +-inf or NaN, like torch
  const mod = a % b;
  let div = (a - mod) / b;
  if (mod !== 0 && b < 0 !== mod < 0) div -= 1;
  if (div === 0) return Math.sign(a / b) < 0 || Object.is(a / b, -0) ? -0 : 0;
  const f = Math.floor(div);
  return div - f > 0.5 ? f + 1 : f;
}

// the same steps as floorDivide in f32: m = fmod(a, b) (WGSL's f32 % truncates), d = (a - m) / b
// corrected by the remainder's sign, then rounded to the nearest integer below
const M = '(a % b)';
const D = `((a - ${M}) / b - select(0.0, 1.0, ${M} != 0.0 && ((b < 0.0) != (${M} < 0.0))))`;
const FLOOR_DIVIDE_WGSL = `select(floor(${D}) + select(0.0, 1.0, ${D} - floor(${D}) > 0.5), a / b, b == 0.0)`;

export const UNARY: Record<UnaryOp, UnaryDef> = {
  neg: { js: (a) => -a, wgsl: '-a' },
  abs: { js: Math.abs, wgsl: 'abs(a)' },
  exp: { js: Math.exp, wgsl: 'exp(a)', floatResult: true },
  log: { js: Math.log, wgsl: 'log(a)', floatResult: true },
  sqrt: { js: Math.sqrt, wgsl: 'sqrt(a)', floatResult: true },
  sign: { js: (a) => (a > 0 ? 1 : a < 0 ? -1 : a), wgsl: 'select(sign(a), a, a != a)' },
  reciprocal: { js: (a) => 1 / a, wgsl: '1.0 / a', floatResult: true },
  floor: { js: Math.floor, wgsl: 'floor(a)' },
  ceil: { js: Math.ceil, wgsl: 'ceil(a)' },
  round: { js: roundHalfEven, wgsl: 'round(a)' },
  trunc: { js: Math.trunc, wgsl: 'trunc(a)' },
  tanh: { js: Math.tanh, wgsl: 'tanh(a)', floatResult: true },
  sigmoid: {
    // two branches so that exp never overflows
    js: (a) => (a >= 0 ? 1 / (1 + Math.exp(-a)) : Math.exp(a) / (1 + Math.exp(a))),
    wgsl: 'select(exp(a) / (1.0 + exp(a)), 1.0 / (1.0 + exp(-a)), a >= 0.0)',
    floatResult: true,
  },
  // NaN and -0 pass through unchanged (like torch.relu): only a < 0 becomes 0
  // biome-ignore lint/complexity/useMathMinMax: Math.max(-0, 0) is +0; torch keeps -0
  relu: { js: (a) => (a < 0 ? 0 : a), wgsl: 'select(a, 0.0, a < 0.0)' },
  square: { js: (a) => a * a, wgsl: 'a * a' },
  isnan: { js: (a) => (Number.isNaN(a) ? 1 : 0), wgsl: 'select(0.0, 1.0, a != a)' },
  logicalNot: { js: (a) => (a === 0 ? 1 : 0), wgsl: 'select(0.0, 1.0, a == 0.0)' },
};

export const BINARY: Record<BinaryOp, BinaryDef> = {
  add: { js: (a, b) => a + b, wgsl: 'a + b' },
  sub: { js: (a, b) => a - b, wgsl: 'a - b' },
  mul: { js: (a, b) => a * b, wgsl: 'a * b' },
  // true division; on int32 storage (only reached through rounding_mode 'trunc') it truncates
  div: { js: (a, b) => a / b, wgsl: 'a / b', floatResult: true },
  floorDivide: { js: floorDivide, wgsl: FLOOR_DIVIDE_WGSL },
  pow: {
    js: Math.pow,
    // WGSL pow is undefined for a < 0: use |a|^b with the sign of an odd integer exponent; NaN for a
    // negative base with a fractional exponent comes from sqrt(-1); pow(x, 0) = 1 as in JS.
    wgsl: 'select(select(select(sqrt(-1.0), select(1.0, -1.0, fract(b * 0.5) != 0.0) * pow(-a, b), floor(b) == b), pow(a, b), a >= 0.0), 1.0, b == 0.0)',
  },
  maximum: {
    js: Math.max, // NaN propagates
    wgsl: 'select(max(a, b), a + b, a != a || b != b)',
  },
  minimum: {
    js: Math.min, // NaN propagates
    wgsl: 'select(min(a, b), a + b, a != a || b != b)',
  },
  eq: { js: (a, b) => (a === b ? 1 : 0), wgsl: 'select(0.0, 1.0, a == b)' },
  ne: { js: (a, b) => (a !== b ? 1 : 0), wgsl: 'select(0.0, 1.0, a != b)' },
  lt: { js: (a, b) => (a < b ? 1 : 0), wgsl: 'select(0.0, 1.0, a < b)' },
  le: { js: (a, b) => (a <= b ? 1 : 0), wgsl: 'select(0.0, 1.0, a <= b)' },
  gt: { js: (a, b) => (a > b ? 1 : 0), wgsl: 'select(0.0, 1.0, a > b)' },
  ge: { js: (a, b) => (a >= b ? 1 : 0), wgsl: 'select(0.0, 1.0, a >= b)' },
  // He et al. 2015, Eq. 1: f(y) = y for y > 0, a*y for y <= 0; NaN propagates through a*y
  prelu: { js: (a, b) => (a > 0 ? a : b * a), wgsl: 'select(b * a, a, a > 0.0)' },
  // dy*y where y is not > 0 (0 at y = 0, NaN at y = NaN, like torch's prelu backward)
  preluSlopeGrad: { js: (a, b) => (a > 0 ? 0 : b * a), wgsl: 'select(b * a, 0.0, a > 0.0)' },
  // dy where x is not <= 0: 0 at x = 0 and dy at NaN (torch's threshold_backward)
  reluGrad: { js: (a, b) => (a <= 0 ? 0 : b), wgsl: 'select(b, 0.0, a <= 0.0)' },
};

export const TERNARY: Record<TernaryOp, TernaryDef> = {
  where: { js: (a, b, c) => (a !== 0 ? b : c), wgsl: 'select(c, b, a != 0.0)' },
  preluInputGrad: { js: (a, b, c) => (a > 0 ? b : c * b), wgsl: 'select(c * b, b, a > 0.0)' },
  clamp: {
    js: (a, b, c) => Math.min(Math.max(a, b), c), // NaN propagates
    wgsl: 'select(min(max(a, b), c), a, a != a)',
  },
};
