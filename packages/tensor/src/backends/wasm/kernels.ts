// Typed-array entry points of the WASM kernels, with the signatures of the JS reference kernels
// (backends/cpu/kernels, see kernel-contract): operands are copied into the runtime's arena, the
// kernel runs on the pool, the result is copied back. Float32 only; the backend sends float64 to JS.

import { type Conv2dGeometry, conv2dGeometryFields, type PoolWindows } from '../../backend.js';
import type { WasmRuntime } from './runtime.js';

/** Below this many flops a call stays on the calling thread: waking workers costs ~20-50 us. */
const PARALLEL_FLOPS = 2e6;
/** Below this many elements pooling stays on the calling thread. */
const PARALLEL_ELEMENTS = 1 << 16;

/** Elements spanned by a strided operand: 1 + sum (shape_i - 1) * |stride_i| (0 when empty). */
export function span(shape: readonly number[], strides: readonly number[]): number {
  let s = 1;
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] === 0) return 0;
    s += (shape[i] - 1) * Math.abs(strides[i]);
  }
  return s;
}

/** Operand layout of an elementwise call: full (contiguous like the output), per-channel, or scalar. */
export const Mode = { Full: 0, Channel: 1, Scalar: 2 } as const;
export type Mode = (typeof Mode)[keyof typeof Mode];

/** Opcodes of the WASM elementwise kernel (assembly/elementwise.ts). */
export const EW_OPS = {
  add: 0,
  sub: 1,
  mul: 2,
  div: 3,
  prelu: 4,
  reluGrad: 5,
  preluSlopeGrad: 6,
  preluInputGrad: 7,
  relu: 8,
} as const;
export type EwOp = keyof typeof EW_OPS;

export interface EwOperand {
  readonly data: Float32Array;
  readonly offset: number;
  readonly mode: Mode;
}

export class WasmKernels {
  constructor(readonly rt: WasmRuntime) {}

  private threadsFor(work: number, threshold = PARALLEL_FLOPS): number {
    return work >= threshold ? this.rt.threads : 1;
  }

  /** Copies src[offset, offset + count) into a fresh arena block; returns its byte address. */
  private put(src: Float32Array | Int32Array, offset: number, count: number): number {
    const at = this.rt.alloc(count * 4);
    const dst = src instanceof Int32Array ? this.rt.i32 : this.rt.f32;
    if (count > 0) dst.set(src.subarray(offset, offset + count), at >> 2);
    return at;
  }

  private get(at: number, out: Float32Array | Int32Array, outOffset = 0): void {
    const src = out instanceof Int32Array ? this.rt.i32 : this.rt.f32;
    out.set(src.subarray(at >> 2, (at >> 2) + out.length - outOffset), outOffset);
  }

  /**
   * Batched C[bi] = A[bi] * B[bi] (+ C[bi] when beta = 1): element (bi, i, p) of A is
   * a[aOffset + bi*aBatchStride + i*aRowStride + p*aColStride] (batch stride 0 broadcasts), likewise B;
   * C is contiguous [batch, m, n] at cOffset. Strides must be non-negative.
   */
  gemmBatched(
    batch: number,
    m: number,
    n: number,
    k: number,
    a: Float32Array,
    aOffset: number,
    aBatchStride: number,
    aRowStride: number,
    aColStride: number,
    b: Float32Array,
    bOffset: number,
    bBatchStride: number,
    bRowStride: number,
    bColStride: number,
    c: Float32Array,
    cOffset: number,
    beta: 0 | 1,
  ): void {
    if (batch <= 0 || m <= 0 || n <= 0) return;
    const rt = this.rt;
    rt.reset();
    const aSpan = k === 0 ? 0 : span([batch, m, k], [aBatchStride, aRowStride, aColStride]);
    const bSpan = k === 0 ? 0 : span([batch, k, n], [bBatchStride, bRowStride, bColStride]);
    const nt = this.threadsFor(2 * batch * m * n * k);
    const scratch = rt.alloc(rt.gemmScratchBytes * nt);
    const pa = this.put(a, aOffset, aSpan);
    const pb = this.put(b, bOffset, bSpan);
    const count = batch * m * n;
    const pc = beta === 1 ? this.put(c, cOffset, count) : rt.alloc(count * 4);
    rt.run(
      'gemmBatched',
      [
        batch,
        m,
        n,
        k,
        pa,
        aBatchStride,
        aRowStride,
        aColStride,
        pb,
        bBatchStride,
        bRowStride,
        bColStride,
        pc,
        n,
        beta,
        scratch,
        rt.gemmScratchBytes,
        rt.queue,
      ],
      nt,
    );
    c.set(rt.f32.subarray(pc >> 2, (pc >> 2) + count), cOffset);
  }

  /** The JS kernel contract's gemm: C[m,n] = A * B + beta * C, strided A and B, C with row stride ldc. */
  gemm(
    m: number,
    n: number,
    k: number,
    a: Float32Array,
    aOffset: number,
    aRowStride: number,
    aColStride: number,
    b: Float32Array,
    bOffset: number,
    bRowStride: number,
    bColStride: number,
    c: Float32Array,
    cOffset: number,
    ldc: number,
    beta: 0 | 1,
  ): void {
    if (ldc === n) {
      this.gemmBatched(
        1,
        m,
        n,
        k,
        a,
        aOffset,
        0,
        aRowStride,
        aColStride,
        b,
        bOffset,
        0,
        bRowStride,
        bColStride,
        c,
        cOffset,
        beta,
      );
      return;
    }
    const tmp = new Float32Array(m * n);
    if (beta === 1)
      for (let i = 0; i < m; i++) tmp.set(c.subarray(cOffset + i * ldc, cOffset + i * ldc + n), i * n);
    this.gemmBatched(
      1,
      m,
      n,
      k,
      a,
      aOffset,
      0,
      aRowStride,
      aColStride,
      b,
      bOffset,
      0,
      bRowStride,
      bColStride,
      tmp,
      0,
      beta,
    );
    for (let i = 0; i < m; i++) c.set(tmp.subarray(i * n, i * n + n), cOffset + i * ldc);
  }

  private convSetup(
    g: Conv2dGeometry,
    flops: number,
  ): { gp: number; scratch: number; stride: number; nt: number } {
    const rt = this.rt;
    rt.reset();
    const words = conv2dGeometryFields(g);
    const gp = rt.alloc(64);
    rt.i32.set(words, gp >> 2);
    const stride = Math.ceil(rt.convScratchBytes(gp) / 64) * 64;
    const nt = this.threadsFor(flops);
    const scratch = rt.alloc(stride * nt);
    return { gp, scratch, stride, nt };
  }

  /** y = conv2d(x, w): x [N,C,H,W], w [O,C/groups,KH,KW], y [N,O,OH,OW] (overwritten). */
  conv2dForward(x: Float32Array, w: Float32Array, y: Float32Array, g: Conv2dGeometry): void {
    const R = (g.C / g.groups) * g.KH * g.KW;
    const { gp, scratch, stride, nt } = this.convSetup(g, 2 * g.N * g.O * g.OH * g.OW * R);
    const px = this.put(x, 0, g.N * g.C * g.H * g.W);
    const pw = this.put(w, 0, g.O * R);
    const py = this.rt.alloc(g.N * g.O * g.OH * g.OW * 4);
    this.rt.run('conv2dForward', [px, pw, py, gp, scratch, stride, this.rt.queue], nt);
    this.get(py, y);
  }

  /** dx = conv2d's input gradient from dy [N,O,OH,OW] and w (overwritten). */
  conv2dBackwardInput(dy: Float32Array, w: Float32Array, dx: Float32Array, g: Conv2dGeometry): void {
    const R = (g.C / g.groups) * g.KH * g.KW;
    const { gp, scratch, stride, nt } = this.convSetup(g, 2 * g.N * g.O * g.OH * g.OW * R);
    const pdy = this.put(dy, 0, g.N * g.O * g.OH * g.OW);
    const pw = this.put(w, 0, g.O * R);
    const pdx = this.rt.alloc(g.N * g.C * g.H * g.W * 4);
    this.rt.run('conv2dBackwardInput', [pdy, pw, pdx, gp, scratch, stride, this.rt.queue], nt);
    this.get(pdx, dx);
  }

  /** dw = conv2d's weight gradient from x and dy (overwritten). */
  conv2dBackwardWeight(x: Float32Array, dy: Float32Array, dw: Float32Array, g: Conv2dGeometry): void {
    const R = (g.C / g.groups) * g.KH * g.KW;
    const { gp, scratch, stride, nt } = this.convSetup(g, 2 * g.N * g.O * g.OH * g.OW * R);
    const px = this.put(x, 0, g.N * g.C * g.H * g.W);
    const pdy = this.put(dy, 0, g.N * g.O * g.OH * g.OW);
    const size = g.O * R;
    const pdw = this.rt.alloc(size * 4);
    const buffers = g.N >= nt ? nt : 1;
    const pp = this.rt.alloc(buffers * size * 4);
    // Zeroed here, not by the threads: a thread that takes no work unit must leave zeros behind.
    this.rt.f32.fill(0, pp >> 2, (pp >> 2) + buffers * size);
    this.rt.run('conv2dBackwardWeight', [px, pdy, pp, gp, scratch, stride, this.rt.queue], nt);
    const transposeThreads = this.threadsFor(size * buffers, PARALLEL_ELEMENTS);
    this.rt.run(
      'transposeSum',
      [pdw, pp, buffers, g.groups, g.O / g.groups, R, this.rt.queue],
      transposeThreads,
    );
    this.get(pdw, dw);
  }

  private putWindows(p: PoolWindows): number {
    const words = p.OH * 4 + p.OW * 2;
    const at = this.rt.alloc(words * 4);
    const i32 = this.rt.i32;
    let o = at >> 2;
    for (const [arr, len] of [
      [p.hStart, p.OH],
      [p.hEnd, p.OH],
      [p.wStart, p.OW],
      [p.wEnd, p.OW],
      [p.hCount, p.OH],
      [p.wCount, p.OW],
    ] as const) {
      i32.set(arr.subarray(0, len), o);
      o += len;
    }
    return at;
  }

  private poolArgs(p: PoolWindows): number[] {
    return [p.N * p.C, p.H, p.W, p.OH, p.OW, this.rt.queue];
  }

  /** Max pooling forward: values and in-plane argmax (h*W + w) of the first maximum. */
  maxPool2dForward(x: Float32Array, y: Float32Array, argmax: Int32Array, p: PoolWindows): void {
    const rt = this.rt;
    rt.reset();
    const win = this.putWindows(p);
    const px = this.put(x, 0, p.N * p.C * p.H * p.W);
    const out = p.N * p.C * p.OH * p.OW;
    const py = rt.alloc(out * 4);
    const pi = rt.alloc(out * 4);
    rt.run(
      'maxPool2dForward',
      [px, py, pi, win, ...this.poolArgs(p)],
      this.threadsFor(p.N * p.C * p.H * p.W, PARALLEL_ELEMENTS),
    );
    this.get(py, y);
    this.get(pi, argmax);
  }

  /** Max pooling backward: dx = 0, dx[argmax] += dy. */
  maxPool2dBackward(dy: Float32Array, argmax: Int32Array, dx: Float32Array, p: PoolWindows): void {
    const rt = this.rt;
    rt.reset();
    const out = p.N * p.C * p.OH * p.OW;
    const pdy = this.put(dy, 0, out);
    const pi = this.put(argmax, 0, out);
    const pdx = rt.alloc(p.N * p.C * p.H * p.W * 4);
    rt.run(
      'maxPool2dBackward',
      [pdy, pi, pdx, ...this.poolArgs(p)],
      this.threadsFor(p.N * p.C * p.H * p.W, PARALLEL_ELEMENTS),
    );
    this.get(pdx, dx);
  }

  /** Average pooling forward, divisor hCount[oh] * wCount[ow]. */
  avgPool2dForward(x: Float32Array, y: Float32Array, p: PoolWindows): void {
    const rt = this.rt;
    rt.reset();
    const win = this.putWindows(p);
    const px = this.put(x, 0, p.N * p.C * p.H * p.W);
    const py = rt.alloc(p.N * p.C * p.OH * p.OW * 4);
    rt.run(
      'avgPool2dForward',
      [px, py, win, ...this.poolArgs(p)],
      this.threadsFor(p.N * p.C * p.H * p.W, PARALLEL_ELEMENTS),
    );
    this.get(py, y);
  }

  /** Average pooling backward. */
  avgPool2dBackward(dy: Float32Array, dx: Float32Array, p: PoolWindows): void {
    const rt = this.rt;
    rt.reset();
    const win = this.putWindows(p);
    const pdy = this.put(dy, 0, p.N * p.C * p.OH * p.OW);
    const pdx = rt.alloc(p.N * p.C * p.H * p.W * 4);
    rt.run(
      'avgPool2dBackward',
      [pdy, pdx, win, ...this.poolArgs(p)],
      this.threadsFor(p.N * p.C * p.H * p.W, PARALLEL_ELEMENTS),
    );
    this.get(pdx, dx);
  }

  /**
   * result[(o*C + ch)*inner + j] = op(operands) (1 to 3 operands; per-channel operands hold C
   * values, scalars 1).
   */
  elementwise(
    op: EwOp,
    operands: readonly EwOperand[],
    outer: number,
    C: number,
    inner: number,
    result: Float32Array,
  ): void {
    const rt = this.rt;
    rt.reset();
    const n = outer * C * inner;
    const ptrs: number[] = [];
    for (const o of operands) {
      const count = o.mode === Mode.Full ? n : o.mode === Mode.Channel ? C : 1;
      ptrs.push(this.put(o.data, o.offset, count), o.mode);
    }
    while (ptrs.length < 6) ptrs.push(ptrs[0], ptrs[1]);
    const out = rt.alloc(n * 4);
    rt.run(
      'elementwise',
      [EW_OPS[op], ...ptrs, out, outer, C, inner, rt.queue],
      this.threadsFor(n, PARALLEL_ELEMENTS * 2),
    );
    this.get(out, result);
  }

  /** Float64 sums of the `rows` rows of `inner` contiguous float32 values at x[offset...]. */
  rowSums(x: Float32Array, offset: number, rows: number, inner: number): Float64Array {
    const rt = this.rt;
    rt.reset();
    const px = this.put(x, offset, rows * inner);
    const po = rt.alloc(rows * 8);
    rt.run('rowSums', [px, rows, inner, po, rt.queue], this.threadsFor(rows * inner, PARALLEL_ELEMENTS * 2));
    return new Float64Array(rt.memory.buffer, po, rows).slice();
  }
}
