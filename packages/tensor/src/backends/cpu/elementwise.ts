/**
 * Generic strided, broadcasting loops of the CPU backend, one per arity, running the scalar
 * functions of `elementwise-semantics.ts`. Each loop collapses the layout, then walks rows; the
 * per-row functions switch on the op once per row (not per element) so the hottest ops get
 * monomorphic inner loops with no call; every other op calls its table function.
 */
import type { BinaryOp, DType, TernaryOp, TypedArray, UnaryOp, View } from '../../backend.js';
import { allocArray } from '../../dtype.js';
import { BINARY, TERNARY, UNARY } from '../../elementwise-semantics.js';
import { binaryRow, ternaryRow, unaryRow } from './rows.js';
import { alloc, arr, type CpuStorage } from './storage.js';
import { collapse } from './strided.js';

function sizeOfShape(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * out(strided) = op(x) over the view's shape. `op` null means identity (copy / cast / assign).
 */
function unaryInto(
  op: UnaryOp | null,
  alpha: number,
  x: View,
  O: TypedArray,
  oOffset: number,
  oStrides: readonly number[],
): void {
  const A = arr(x);
  const n = sizeOfShape(x.shape);
  if (n === 0) return;
  const { shape, strides } = collapse(x.shape, [x.strides, oStrides]);
  const [sa, so] = strides;
  const fn = op ? UNARY[op].js : (v: number) => v;
  const nd = shape.length;
  if (nd === 0) {
    O[oOffset] = fn(A[x.offset], alpha);
    return;
  }
  const len = shape[nd - 1];
  const rows = n / len;
  const idx = new Array<number>(nd).fill(0);
  let pa = x.offset;
  let po = oOffset;
  for (let r = 0; r < rows; r++) {
    if (op === null) {
      const ia = sa[nd - 1];
      const io = so[nd - 1];
      if (ia === 1 && io === 1) for (let i = 0; i < len; i++) O[po + i] = A[pa + i];
      else for (let i = 0; i < len; i++) O[po + i * io] = A[pa + i * ia];
    } else unaryRow(op, fn, alpha, len, A, pa, sa[nd - 1], O, po, so[nd - 1]);
    for (let d = nd - 2; d >= 0; d--) {
      pa += sa[d];
      po += so[d];
      if (++idx[d] < shape[d]) break;
      pa -= sa[d] * shape[d];
      po -= so[d] * shape[d];
      idx[d] = 0;
    }
  }
}

function contiguousStridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

export function unary(op: UnaryOp, x: View, alpha = 0): CpuStorage {
  const out = alloc(x.dtype, sizeOfShape(x.shape));
  unaryInto(op, alpha, x, out.data, 0, contiguousStridesOf(x.shape));
  return out;
}

/** Contiguous copy (also used for cast: the typed array converts on store). */
export function copyAs(x: View, dtype: DType): CpuStorage {
  // float -> int32 truncates toward zero (the typed array's ToInt32 store; NaN becomes 0)
  const out = alloc(dtype, sizeOfShape(x.shape));
  unaryInto(null, 0, x, out.data, 0, contiguousStridesOf(x.shape));
  return out;
}

/** A fresh host array (not a storage) with the view's elements in row-major order. */
export function readView(x: View): TypedArray {
  const out = allocArray(x.dtype, sizeOfShape(x.shape));
  unaryInto(null, 0, x, out, 0, contiguousStridesOf(x.shape));
  return out;
}

export function assign(dst: View, src: View): void {
  unaryInto(null, 0, src, arr(dst), dst.offset, dst.strides);
}

export function binary(op: BinaryOp, a: View, b: View, outDtype: DType): CpuStorage {
  const n = sizeOfShape(a.shape);
  const out = alloc(outDtype, n);
  if (n === 0) return out;
  const O = out.data;
  const A = arr(a);
  const B = arr(b);
  const fn = BINARY[op].js;
  const { shape, strides } = collapse(a.shape, [a.strides, b.strides]);
  const [sa, sb] = strides;
  const nd = shape.length;
  if (nd === 0) {
    O[0] = fn(A[a.offset], B[b.offset]);
    return out;
  }
  const len = shape[nd - 1];
  const rows = n / len;
  const idx = new Array<number>(nd).fill(0);
  let pa = a.offset;
  let pb = b.offset;
  for (let r = 0, po = 0; r < rows; r++, po += len) {
    binaryRow(op, fn, len, A, pa, sa[nd - 1], B, pb, sb[nd - 1], O, po);
    for (let d = nd - 2; d >= 0; d--) {
      pa += sa[d];
      pb += sb[d];
      if (++idx[d] < shape[d]) break;
      pa -= sa[d] * shape[d];
      pb -= sb[d] * shape[d];
      idx[d] = 0;
    }
  }
  return out;
}

export function ternary(op: TernaryOp, a: View, b: View, c: View, outDtype: DType): CpuStorage {
  const n = sizeOfShape(a.shape);
  const out = alloc(outDtype, n);
  if (n === 0) return out;
  const O = out.data;
  const A = arr(a);
  const B = arr(b);
  const C = arr(c);
  const fn = TERNARY[op].js;
  const { shape, strides } = collapse(a.shape, [a.strides, b.strides, c.strides]);
  const [sa, sb, sc] = strides;
  const nd = shape.length;
  if (nd === 0) {
    O[0] = fn(A[a.offset], B[b.offset], C[c.offset]);
    return out;
  }
  const len = shape[nd - 1];
  const rows = n / len;
  const idx = new Array<number>(nd).fill(0);
  let pa = a.offset;
  let pb = b.offset;
  let pc = c.offset;
  for (let r = 0, po = 0; r < rows; r++, po += len) {
    ternaryRow(op, fn, len, A, pa, sa[nd - 1], B, pb, sb[nd - 1], C, pc, sc[nd - 1], O, po);
    for (let d = nd - 2; d >= 0; d--) {
      pa += sa[d];
      pb += sb[d];
      pc += sc[d];
      if (++idx[d] < shape[d]) break;
      pa -= sa[d] * shape[d];
      pb -= sb[d] * shape[d];
      pc -= sc[d] * shape[d];
      idx[d] = 0;
    }
  }
  return out;
}
