/**
 * Row kernels of the CPU elementwise loops: one call per contiguous-in-output row. Each switches on
 * the op once per row, so the hottest ops run monomorphic, call-free inner loops; every other op
 * calls its table function per element.
 */
import type { BinaryOp, TernaryOp, TypedArray, UnaryOp } from '../../backend.js';

/** [+0, -0]: added to v * p, keeps the sign of a kept -0 and gives +0 for a zeroed value. */
const SIGNED_ZERO = new Float64Array([0, -0]);

/** out[po + i*io] = op(a[pa + i*ia]) for one row. */
export function unaryRow(
  op: UnaryOp,
  fn: (a: number, alpha: number) => number,
  alpha: number,
  n: number,
  A: TypedArray,
  pa: number,
  ia: number,
  O: TypedArray,
  po: number,
  io: number,
): void {
  switch (op) {
    case 'relu':
      // branch-free (random signs defeat branch prediction: ~10x faster). p = [v >= 0]; adding
      // SIGNED_ZERO[p] (-0 when v is kept, +0 when zeroed) keeps v = -0 as -0 (like torch) and turns
      // v * 0 = -0 for negative v into +0; v * 0 is NaN only for v = NaN or -inf, fixed up on a rarely
      // taken branch with the table's definition
      for (let i = 0; i < n; i++) {
        const v = A[pa + i * ia];
        const p = +(v >= 0);
        const r = v * p + (SIGNED_ZERO[p] as number);
        O[po + i * io] = !Number.isNaN(r) ? r : fn(v, alpha);
      }
      return;
    case 'neg':
      for (let i = 0; i < n; i++) O[po + i * io] = -A[pa + i * ia];
      return;
    case 'square':
      for (let i = 0; i < n; i++) {
        const v = A[pa + i * ia];
        O[po + i * io] = v * v;
      }
      return;
    // the table's definitions for these are exactly these Math functions; calling them directly
    // lets V8 inline them instead of a megamorphic call per element
    case 'exp':
      for (let i = 0; i < n; i++) O[po + i * io] = Math.exp(A[pa + i * ia]);
      return;
    case 'log':
      for (let i = 0; i < n; i++) O[po + i * io] = Math.log(A[pa + i * ia]);
      return;
    case 'sqrt':
      for (let i = 0; i < n; i++) O[po + i * io] = Math.sqrt(A[pa + i * ia]);
      return;
    case 'abs':
      for (let i = 0; i < n; i++) O[po + i * io] = Math.abs(A[pa + i * ia]);
      return;
    case 'tanh':
      for (let i = 0; i < n; i++) O[po + i * io] = Math.tanh(A[pa + i * ia]);
      return;
    default:
      for (let i = 0; i < n; i++) O[po + i * io] = fn(A[pa + i * ia], alpha);
  }
}

/** add/sub/mul/div on unit-stride rows or a broadcast scalar b: the cases that dominate training. */
function arithRow(
  op: BinaryOp,
  n: number,
  A: TypedArray,
  pa: number,
  B: TypedArray,
  pb: number,
  ib: number,
  O: TypedArray,
  po: number,
): boolean {
  if (ib === 0) {
    const b = B[pb];
    switch (op) {
      case 'add':
        for (let i = 0; i < n; i++) O[po + i] = A[pa + i] + b;
        return true;
      case 'sub':
        for (let i = 0; i < n; i++) O[po + i] = A[pa + i] - b;
        return true;
      case 'mul':
        for (let i = 0; i < n; i++) O[po + i] = A[pa + i] * b;
        return true;
      case 'div':
        for (let i = 0; i < n; i++) O[po + i] = A[pa + i] / b;
        return true;
      default:
        return false;
    }
  }
  switch (op) {
    case 'add':
      for (let i = 0; i < n; i++) O[po + i] = A[pa + i] + B[pb + i];
      return true;
    case 'sub':
      for (let i = 0; i < n; i++) O[po + i] = A[pa + i] - B[pb + i];
      return true;
    case 'mul':
      for (let i = 0; i < n; i++) O[po + i] = A[pa + i] * B[pb + i];
      return true;
    case 'div':
      for (let i = 0; i < n; i++) O[po + i] = A[pa + i] / B[pb + i];
      return true;
    default:
      return false;
  }
}

/** out[po + i] = op(a[pa + i*ia], b[pb + i*ib]) for one row (output contiguous). */
export function binaryRow(
  op: BinaryOp,
  fn: (a: number, b: number) => number,
  n: number,
  A: TypedArray,
  pa: number,
  ia: number,
  B: TypedArray,
  pb: number,
  ib: number,
  O: TypedArray,
  po: number,
): void {
  if (ia === 1 && (ib === 1 || ib === 0) && arithRow(op, n, A, pa, B, pb, ib, O, po)) return;
  switch (op) {
    case 'add':
      for (let i = 0; i < n; i++) O[po + i] = A[pa + i * ia] + B[pb + i * ib];
      return;
    case 'sub':
      for (let i = 0; i < n; i++) O[po + i] = A[pa + i * ia] - B[pb + i * ib];
      return;
    case 'mul':
      for (let i = 0; i < n; i++) O[po + i] = A[pa + i * ia] * B[pb + i * ib];
      return;
    case 'div':
      for (let i = 0; i < n; i++) O[po + i] = A[pa + i * ia] / B[pb + i * ib];
      return;
    case 'prelu':
      // branch-free blend v * (p + (1 - p) a) with p = [v > 0]; exact for finite a, and any NaN
      // result (a NaN input, an infinite slope) is recomputed with the table's definition
      for (let i = 0; i < n; i++) {
        const v = A[pa + i * ia];
        const a = B[pb + i * ib];
        const p = +(v > 0);
        const r = v * (p + (1 - p) * a);
        O[po + i] = !Number.isNaN(r) ? r : fn(v, a);
      }
      return;
    case 'reluGrad':
      // p = [not x <= 0]: dy passes at NaN inputs (torch's threshold_backward); signed zeros as in relu
      for (let i = 0; i < n; i++) {
        const x = A[pa + i * ia];
        const g = B[pb + i * ib];
        const p = 1 - +(x <= 0);
        const r = g * p + (SIGNED_ZERO[p] as number);
        O[po + i] = !Number.isNaN(r) ? r : fn(x, g);
      }
      return;
    default:
      for (let i = 0; i < n; i++) O[po + i] = fn(A[pa + i * ia], B[pb + i * ib]);
  }
}

/** out[po + i] = op(a, b, c) for one row (output contiguous). */
export function ternaryRow(
  op: TernaryOp,
  fn: (a: number, b: number, c: number) => number,
  n: number,
  A: TypedArray,
  pa: number,
  ia: number,
  B: TypedArray,
  pb: number,
  ib: number,
  C: TypedArray,
  pc: number,
  ic: number,
  O: TypedArray,
  po: number,
): void {
  if (op === 'preluInputGrad') {
    // branch-free like prelu in binaryRow
    for (let i = 0; i < n; i++) {
      const x = A[pa + i * ia];
      const g = B[pb + i * ib];
      const a = C[pc + i * ic];
      const p = +(x > 0);
      const r = g * (p + (1 - p) * a);
      O[po + i] = !Number.isNaN(r) ? r : fn(x, g, a);
    }
    return;
  }
  for (let i = 0; i < n; i++) O[po + i] = fn(A[pa + i * ia], B[pb + i * ib], C[pc + i * ic]);
}
