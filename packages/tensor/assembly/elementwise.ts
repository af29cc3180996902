// Fused elementwise float32 kernels for the ops that dominate a training step besides conv/matmul:
// relu and its gradient, bias/channel add, add/sub/mul/div, PReLU forward and both gradient terms.
// The host collapses every operand to rows of `inner` contiguous elements, rows indexed by
// (outer, channel); each operand is either full (contiguous, same layout as the output), per-channel
// (one value per row's channel, e.g. a [1,C,1,1] bias or PReLU slope) or a scalar. Results are
// bit-identical to the JS table's functions (each is one IEEE float32 operation or a select).

import { splitAt } from './gemm';

export const OP_ADD: i32 = 0;
export const OP_SUB: i32 = 1;
export const OP_MUL: i32 = 2;
export const OP_DIV: i32 = 3;
export const OP_PRELU: i32 = 4;
export const OP_RELU_GRAD: i32 = 5;
export const OP_PRELU_SLOPE_GRAD: i32 = 6;
export const OP_PRELU_INPUT_GRAD: i32 = 7;
export const OP_RELU: i32 = 8;

const FULL: i32 = 0;
const CHANNEL: i32 = 1;

function vop(op: i32, a: v128, b: v128, c: v128): v128 {
  const zero = f32x4.splat(0);
  switch (op) {
    case OP_ADD:
      return f32x4.add(a, b);
    case OP_SUB:
      return f32x4.sub(a, b);
    case OP_MUL:
      return f32x4.mul(a, b);
    case OP_DIV:
      return f32x4.div(a, b);
    case OP_PRELU:
      return v128.bitselect(a, f32x4.mul(b, a), f32x4.gt(a, zero));
    case OP_RELU_GRAD:
      // dy unless a <= 0: dy passes at NaN inputs (torch's threshold_backward)
      return v128.andnot(b, f32x4.le(a, zero));
    case OP_PRELU_SLOPE_GRAD:
      // dy * a unless a > 0: NaN at NaN inputs, like torch's prelu backward
      return v128.andnot(f32x4.mul(b, a), f32x4.gt(a, zero));
    case OP_PRELU_INPUT_GRAD:
      return v128.bitselect(b, f32x4.mul(c, b), f32x4.gt(a, zero));
    default:
      // relu: a unless a < 0, so NaN and -0 pass through unchanged, as in the JS table (and torch).
      return v128.andnot(a, f32x4.lt(a, zero));
  }
}

function sop(op: i32, a: f32, b: f32, c: f32): f32 {
  switch (op) {
    case OP_ADD:
      return a + b;
    case OP_SUB:
      return a - b;
    case OP_MUL:
      return a * b;
    case OP_DIV:
      return a / b;
    case OP_PRELU:
      return a > 0 ? a : b * a;
    case OP_RELU_GRAD:
      return a <= 0 ? 0 : b;
    case OP_PRELU_SLOPE_GRAD:
      return a > 0 ? 0 : b * a;
    case OP_PRELU_INPUT_GRAD:
      return a > 0 ? b : c * b;
    default:
      return a < 0 ? 0 : a;
  }
}

/** Operand pointer for row (o, ch): full rows advance by `inner`, channel operands by one element. */
function rowPtr(p: usize, mode: i32, row: i32, ch: i32, inner: i32): usize {
  if (mode === FULL) return p + ((<usize>row * <usize>inner) << 2);
  if (mode === CHANNEL) return p + ((<usize>ch) << 2);
  return p;
}

/** Applies `op` to columns [j0, j1) of one row; broadcast operands are splatted. */
function runRow(
  op: i32,
  pa: usize,
  ma: i32,
  pb: usize,
  mb: i32,
  pc: usize,
  mc: i32,
  po: usize,
  j0: i32,
  j1: i32,
): void {
  const sa = f32x4.splat(load<f32>(pa)),
    sb = f32x4.splat(load<f32>(pb)),
    sc = f32x4.splat(load<f32>(pc));
  let j = j0;
  for (; j + 4 <= j1; j += 4) {
    const o = (<usize>j) << 2;
    const a = ma === FULL ? v128.load(pa + o) : sa;
    const b = mb === FULL ? v128.load(pb + o) : sb;
    const c = mc === FULL ? v128.load(pc + o) : sc;
    v128.store(po + o, vop(op, a, b, c));
  }
  for (; j < j1; j++) {
    const o = (<usize>j) << 2;
    const a = ma === FULL ? load<f32>(pa + o) : load<f32>(pa);
    const b = mb === FULL ? load<f32>(pb + o) : load<f32>(pb);
    const c = mc === FULL ? load<f32>(pc + o) : load<f32>(pc);
    store<f32>(po + o, sop(op, a, b, c));
  }
}

/**
 * out[(o*C + ch)*inner + j] = op(a, b, c) for o < outer, ch < C, j < inner, thread `tid` of `nt`.
 * Modes: 0 full, 1 per-channel, 2 scalar. Unused operands may repeat another pointer with any mode.
 */
export function elementwise(
  op: i32,
  a: usize,
  ma: i32,
  b: usize,
  mb: i32,
  c: usize,
  mc: i32,
  out: usize,
  outer: i32,
  C: i32,
  inner: i32,
  queue: usize,
  tid: i32,
  nt: i32,
): void {
  const rows = outer * C;
  // Blocks of rows (or, for a few long rows, of columns) from the atomic counter (zeroed by the
  // host per call).
  const byRows = rows >= nt * 4 || inner < 64;
  const units = byRows ? min(rows, 4 * nt) : 4 * nt;
  for (let u = atomic.add<i32>(queue, 1); u < units; u = atomic.add<i32>(queue, 1)) {
    const r0 = byRows ? splitAt(rows, units, u, 1) : 0;
    const r1 = byRows ? splitAt(rows, units, u + 1, 1) : rows;
    const j0 = byRows ? 0 : splitAt(inner, units, u, 4);
    const j1 = byRows ? inner : splitAt(inner, units, u + 1, 4);
    for (let r = r0; r < r1; r++) {
      const ch = r % C;
      runRow(
        op,
        rowPtr(a, ma, r, ch, inner),
        ma,
        rowPtr(b, mb, r, ch, inner),
        mb,
        rowPtr(c, mc, r, ch, inner),
        mc,
        out + ((<usize>r * <usize>inner) << 2),
        j0,
        j1,
      );
    }
  }
}
