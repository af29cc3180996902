/**
 * Which WGSL expression an elementwise op runs. Float ops use the shared table (the same definitions
 * as the CPU backend; operands are f32 `a`, `b`, `c`). int32 ops with an exact integer meaning run
 * natively in i32, so large integers are not rounded through f32; the rest compute in f32 and convert.
 */
import type { BinaryOp, TernaryOp, UnaryOp } from '../../backend.js';
import { BINARY, TERNARY, UNARY } from '../../elementwise-semantics.js';

const INT_UNARY: Partial<Record<UnaryOp, string>> = {
  neg: '-a',
  abs: 'abs(a)',
  sign: 'sign(a)',
  square: 'a * a',
  relu: 'max(a, 0)',
  floor: 'a',
  ceil: 'a',
  round: 'a',
  trunc: 'a',
  isnan: '0',
  logicalNot: 'select(0, 1, a == 0)',
};

const INT_BINARY: Partial<Record<BinaryOp, string>> = {
  add: 'a + b',
  sub: 'a - b',
  mul: 'a * b',
  // JS: a / 0 is +-Infinity or NaN, stored into an Int32Array as 0; WGSL's i32 division truncates
  div: 'select(a / b, 0, b == 0)',
  // floor division: the truncated quotient, one lower when the remainder's sign differs from b's
  floorDivide: 'select(a / b - select(0, 1, a % b != 0 && ((a % b < 0) != (b < 0))), 0, b == 0)',
  maximum: 'max(a, b)',
  minimum: 'min(a, b)',
  eq: 'select(0, 1, a == b)',
  ne: 'select(0, 1, a != b)',
  lt: 'select(0, 1, a < b)',
  le: 'select(0, 1, a <= b)',
  gt: 'select(0, 1, a > b)',
  ge: 'select(0, 1, a >= b)',
  prelu: 'select(b * a, a, a > 0)',
  preluSlopeGrad: 'select(0, b * a, a <= 0)',
  reluGrad: 'select(0, b, a > 0)',
};

const INT_TERNARY: Partial<Record<TernaryOp, string>> = {
  where: 'select(c, b, a != 0)',
  preluInputGrad: 'select(c * b, b, a > 0)',
  clamp: 'min(max(a, b), c)',
};

/**
 * Makes a table expression robust on every WGSL compiler: `x != x` becomes a bit-pattern NaN test
 * (compilers may assume finite math and fold it), and the constant `sqrt(-1.0)` (a const-expression
 * error in WGSL) becomes a runtime quiet NaN.
 */
export function hardenExpr(expr: string): string {
  return expr.replace(/\b([abc]) != \1\b/g, 'isNaN32($1)').replace(/sqrt\(-1\.0\)/g, 'nanValue()');
}

const PROBES = [1, -1, 0.5, 2, 0, -3.5, 7];

/**
 * What the JavaScript definition returns when operand j is NaN, if that is the same for every probe
 * of the other operands: always NaN, always one constant, or always operand k. WGSL gives
 * indeterminate results for NaN inputs (SwiftShader's exp(NaN) is +inf and its NaN != 1 is false),
 * so the expression is wrapped in explicit NaN tests that reproduce those JavaScript results.
 */
function nanRule(js: (...v: number[]) => number, arity: number, j: number): string | null {
  const results: number[] = [];
  const argsList: number[][] = [];
  for (let i = 0; i < PROBES.length; i++) {
    const args = Array.from({ length: arity }, (_, k) =>
      k === j ? Number.NaN : (PROBES[(i + k) % PROBES.length] as number),
    );
    argsList.push(args);
    results.push(js(...args));
  }
  if (results.every((r) => Number.isNaN(r))) return 'nanValue()';
  const c = results[0] as number;
  if (results.every((r) => Object.is(r, c))) return Number.isInteger(c) ? `${c}.0` : `${c}`;
  for (let k = 0; k < arity; k++) {
    if (k !== j && results.every((r, i) => Object.is(r, argsList[i]?.[k]))) return 'abc'[k] as string;
  }
  return null;
}

function guardNaN(expr: string, js: (...v: number[]) => number, arity: number): string {
  let out = expr;
  for (let j = arity - 1; j >= 0; j--) {
    const r = nanRule(js, arity, j);
    if (r !== null) out = `select(${out}, ${r}, isNaN32(${'abc'[j]}))`;
  }
  return out;
}

/**
 * Domain edges where GPU built-ins are unreliable (WGSL leaves them indeterminate; SwiftShader returns
 * log|x| for x < 0 and NaN for tanh(+-inf)): the table expression `E` is wrapped so that the results
 * are those of the JavaScript definition.
 */
const FLOAT_EDGES: Partial<Record<UnaryOp, (e: string) => string>> = {
  log: (e) =>
    `select(select(select(${e}, negInf(), a == 0.0), posInf(), a == posInf()), nanValue(), a < 0.0)`,
  sqrt: (e) => `select(${e}, nanValue(), a < 0.0)`,
  tanh: (e) => `select(${e}, sign(a), abs(a) > 20.0)`,
};

// pow(NaN, 0) = 1 in JavaScript, so NaN in the base propagates only for a non-zero exponent.
const POW_NAN = 'isNaN32(a) && b != 0.0';

export interface ExprChoice {
  readonly expr: string;
  /** The scalar type the expression computes in. */
  readonly compute: 'f32' | 'i32';
}

export function unaryExpr(op: UnaryOp, int: boolean): ExprChoice {
  const i = int ? INT_UNARY[op] : undefined;
  if (i) return { expr: i, compute: 'i32' };
  const def = UNARY[op];
  const edge = FLOAT_EDGES[op];
  const base = hardenExpr(def.wgsl);
  return { expr: guardNaN(edge ? edge(base) : base, (x) => def.js(x, 0), 1), compute: 'f32' };
}

export function binaryExpr(op: BinaryOp, int: boolean): ExprChoice {
  const i = int ? INT_BINARY[op] : undefined;
  if (i) return { expr: i, compute: 'i32' };
  const def = BINARY[op];
  let expr = guardNaN(hardenExpr(def.wgsl), (x, y) => def.js(x as number, y as number), 2);
  if (op === 'pow') expr = `select(${expr}, nanValue(), ${POW_NAN})`;
  return { expr, compute: 'f32' };
}

export function ternaryExpr(op: TernaryOp, int: boolean): ExprChoice {
  const i = int ? INT_TERNARY[op] : undefined;
  if (i) return { expr: i, compute: 'i32' };
  const def = TERNARY[op];
  return {
    expr: guardNaN(hardenExpr(def.wgsl), (x, y, z) => def.js(x as number, y as number, z as number), 3),
    compute: 'f32',
  };
}
