// The WASM backend: the JS CPU backend with its heavy kernels (matmul, conv2d forward and both
// backward passes, max/avg pooling) replaced by the WASM SIMD kernels on a worker pool. Storages are
// the CPU backend's (host typed arrays), so tensors of both backends hold the same kind of memory;
// everything the WASM kernels do not cover (elementwise, reductions, gather, random, float64 and
// int32 heavy ops) runs the CPU backend's code unchanged.

import type {
  Backend,
  BinaryOp,
  Conv2dGeometry,
  DType,
  PoolWindows,
  ReduceOp,
  TernaryOp,
  UnaryOp,
  View,
} from '../../backend.js';
import { elementwiseLayout } from '../cpu/elementwise-layout.js';
import { cpuBackend } from '../cpu/index.js';
import { foldRowSums, planRowSums } from '../cpu/row-sum-plan.js';
import { alloc, arr, type CpuStorage } from '../cpu/storage.js';
import { availableCores, canUseThreads, MAX_DEFAULT_THREADS } from './features.js';
import { type EwOp, type Mode, WasmKernels } from './kernels.js';
import { createWasmRuntime, pickFlavour, type SimdFlavour, WasmOutOfMemory } from './runtime.js';

export type { SimdFlavour } from './runtime.js';

/** Options of {@link createWasmBackend}. */
export interface WasmBackendOptions {
  /**
   * Threads including the calling one. Default: available cores (os.availableParallelism() in
   * Node, navigator.hardwareConcurrency in browsers) capped at 8; 1 where SharedArrayBuffer or a
   * blocking Atomics.wait is unavailable (a browser main thread, no cross-origin isolation).
   */
  readonly threads?: number;
  /** 'relaxed' (fused multiply-add), 'simd' (plain 128-bit SIMD) or 'auto' (default: relaxed when validated). */
  readonly simd?: SimdFlavour | 'auto';
  /**
   * Ceiling of the kernel memory in MiB (default 2048, the most the module addresses). Operands are
   * copied into it per call; a call that needs more runs the JS kernels instead.
   */
  readonly maxMemoryMB?: number;
}

/** A Backend whose heavy float32 kernels run in WebAssembly; `close()` stops its workers. */
export interface WasmBackend extends Backend {
  /** Threads the kernels use (1 = no workers). */
  readonly threads: number;
  /** The SIMD flavour of the loaded kernel module. */
  readonly simd: SimdFlavour;
  /** Terminates the worker pool. Tensors stay readable (host memory); heavy ops must not run afterwards. */
  close(): void;
}

/** The view's elements as a contiguous Float32Array starting at its offset (heavy views are contiguous). */
function plane(v: View): Float32Array {
  let n = 1;
  for (const d of v.shape) n *= d;
  const a = arr(v) as Float32Array;
  return v.offset === 0 && a.length === n ? a : a.subarray(v.offset, v.offset + n);
}

const f32 = (...views: View[]) => views.every((v) => v.dtype === 'float32');

/** Below this many elements the JS loops win (copying operands into the kernel memory has a fixed cost). */
const EW_MIN_ELEMENTS = 4096;
const EW_BINARY = new Set<BinaryOp>(['add', 'sub', 'mul', 'div', 'prelu', 'reluGrad', 'preluSlopeGrad']);

/**
 * Creates the WASM backend: compiles the kernel module (relaxed or plain SIMD), creates a shared
 * memory and starts `threads - 1` workers. Float64 tensors use the JS kernels (the WASM kernels are
 * float32 only); so does any call whose operands exceed the 2 GiB kernel memory.
 *
 * @example
 * import { setBackend } from '@rectifier/tensor';
 * import { createWasmBackend } from '@rectifier/tensor/wasm';
 * const wasm = await createWasmBackend({ threads: 2 });
 * setBackend(wasm); // matmul / conv2d / pooling now run WASM SIMD on 2 threads
 */
export async function createWasmBackend(options: WasmBackendOptions = {}): Promise<WasmBackend> {
  const flavour = pickFlavour(options.simd ?? 'auto');
  let threads = options.threads;
  if (threads === undefined)
    threads = canUseThreads() ? Math.min(MAX_DEFAULT_THREADS, await availableCores()) : 1;
  if (!Number.isInteger(threads) || threads < 1) {
    throw new Error(`createWasmBackend: threads must be a positive integer, got ${String(options.threads)}`);
  }
  const mb = options.maxMemoryMB;
  if (mb !== undefined && !(Number.isFinite(mb) && mb >= 4)) {
    throw new Error(`createWasmBackend: maxMemoryMB must be a number >= 4, got ${String(mb)}`);
  }
  const rt = await createWasmRuntime(threads, flavour, mb);
  const k = new WasmKernels(rt);

  /** Runs the WASM path, or the JS one when the kernel memory cannot hold the operands. */
  const orJs = <T>(wasm: () => T, js: () => T): T => {
    try {
      return wasm();
    } catch (e) {
      if (e instanceof WasmOutOfMemory) return js();
      throw e;
    }
  };

  const matmul = (a: View, b: View) => {
    if (!f32(a, b) || [...a.strides, ...b.strides].some((s) => s < 0)) return cpuBackend.matmul(a, b);
    return orJs(
      () => {
        const [B, M, K] = a.shape;
        const N = b.shape[2];
        const out = alloc('float32', B * M * N);
        const [as0, as1, as2] = a.strides;
        const [bs0, bs1, bs2] = b.strides;
        k.gemmBatched(
          B,
          M,
          N,
          K,
          arr(a) as Float32Array,
          a.offset,
          as0,
          as1,
          as2,
          arr(b) as Float32Array,
          b.offset,
          bs0,
          bs1,
          bs2,
          out.data as Float32Array,
          0,
          0,
        );
        return out;
      },
      () => cpuBackend.matmul(a, b),
    );
  };

  // Empty batches, channels or outputs: the JS kernels return the empty (or all-zero) result; the WASM
  // kernels would split zero work units (an integer division by zero trap).
  const emptyConv = (g: Conv2dGeometry) =>
    g.N === 0 || g.C === 0 || g.O === 0 || g.OH === 0 || g.OW === 0 || g.H === 0 || g.W === 0;

  const conv2d = (x: View, w: View, g: Conv2dGeometry) =>
    !f32(x, w) || emptyConv(g)
      ? cpuBackend.conv2d(x, w, g)
      : orJs(
          () => {
            const out = alloc('float32', g.N * g.O * g.OH * g.OW);
            k.conv2dForward(plane(x), plane(w), out.data as Float32Array, g);
            return out;
          },
          () => cpuBackend.conv2d(x, w, g),
        );

  const conv2dBackwardInput = (dy: View, w: View, g: Conv2dGeometry) =>
    !f32(dy, w) || emptyConv(g)
      ? cpuBackend.conv2dBackwardInput(dy, w, g)
      : orJs(
          () => {
            const out = alloc('float32', g.N * g.C * g.H * g.W);
            k.conv2dBackwardInput(plane(dy), plane(w), out.data as Float32Array, g);
            return out;
          },
          () => cpuBackend.conv2dBackwardInput(dy, w, g),
        );

  const conv2dBackwardWeight = (x: View, dy: View, g: Conv2dGeometry) =>
    !f32(x, dy) || emptyConv(g)
      ? cpuBackend.conv2dBackwardWeight(x, dy, g)
      : orJs(
          () => {
            const out = alloc('float32', g.O * (g.C / g.groups) * g.KH * g.KW);
            k.conv2dBackwardWeight(plane(x), plane(dy), out.data as Float32Array, g);
            return out;
          },
          () => cpuBackend.conv2dBackwardWeight(x, dy, g),
        );

  const maxPool2d = (x: View, p: PoolWindows) =>
    !f32(x)
      ? cpuBackend.maxPool2d(x, p)
      : orJs(
          () => {
            const n = p.N * p.C * p.OH * p.OW;
            const values = alloc('float32', n);
            const argmax = alloc('int32', n);
            k.maxPool2dForward(plane(x), values.data as Float32Array, argmax.data as Int32Array, p);
            return { values, argmax };
          },
          () => cpuBackend.maxPool2d(x, p),
        );

  const maxPool2dBackward = (dy: View, argmax: View, p: PoolWindows) =>
    !f32(dy)
      ? cpuBackend.maxPool2dBackward(dy, argmax, p)
      : orJs(
          () => {
            const out = alloc('float32', p.N * p.C * p.H * p.W);
            const n = p.N * p.C * p.OH * p.OW;
            const am = (arr(argmax) as Int32Array).subarray(argmax.offset, argmax.offset + n);
            k.maxPool2dBackward(plane(dy), am, out.data as Float32Array, p);
            return out;
          },
          () => cpuBackend.maxPool2dBackward(dy, argmax, p),
        );

  const avgPool2d = (x: View, p: PoolWindows) =>
    !f32(x)
      ? cpuBackend.avgPool2d(x, p)
      : orJs(
          () => {
            const out = alloc('float32', p.N * p.C * p.OH * p.OW);
            k.avgPool2dForward(plane(x), out.data as Float32Array, p);
            return out;
          },
          () => cpuBackend.avgPool2d(x, p),
        );

  const avgPool2dBackward = (dy: View, p: PoolWindows) =>
    !f32(dy)
      ? cpuBackend.avgPool2dBackward(dy, p)
      : orJs(
          () => {
            const out = alloc('float32', p.N * p.C * p.H * p.W);
            k.avgPool2dBackward(plane(dy), out.data as Float32Array, p);
            return out;
          },
          () => cpuBackend.avgPool2dBackward(dy, p),
        );

  /** The WASM elementwise kernel for float32 views of a supported layout, else null (JS runs it). */
  const ew = (op: EwOp, views: View[], outDtype: DType): CpuStorage | null => {
    if (outDtype !== 'float32' || !f32(...views)) return null;
    let n = 1;
    for (const d of views[0].shape) n *= d;
    if (n < EW_MIN_ELEMENTS) return null;
    const layout = elementwiseLayout(views);
    if (layout === null) return null;
    try {
      const operands = views.map((v, i) => ({
        data: arr(v) as Float32Array,
        offset: v.offset,
        mode: layout.modes[i] as Mode, // per-row operands are not asked for: full, channel or scalar
      }));
      // alloc may hand back a pooled array of a disposed storage: no page faults on the output.
      const out = alloc('float32', n);
      k.elementwise(op, operands, layout.outer, layout.C, layout.inner, out.data as Float32Array);
      return out;
    } catch (e) {
      if (e instanceof WasmOutOfMemory) return null;
      throw e;
    }
  };

  const unary = (op: UnaryOp, x: View, alpha?: number) =>
    (op === 'relu' ? ew('relu', [x], x.dtype) : null) ?? cpuBackend.unary(op, x, alpha);
  const binary = (op: BinaryOp, a: View, b: View, outDtype: DType) =>
    (EW_BINARY.has(op) ? ew(op as EwOp, [a, b], outDtype) : null) ?? cpuBackend.binary(op, a, b, outDtype);
  const ternary = (op: TernaryOp, a: View, b: View, c: View, outDtype: DType) =>
    (op === 'preluInputGrad' ? ew(op, [a, b, c], outDtype) : null) ??
    cpuBackend.ternary(op, a, b, c, outDtype);

  /**
   * sum of a contiguous float32 view over a trailing block of axes (plus optionally a leading block):
   * row sums in WebAssembly (float64, like the JS loops), the leading block folded here. Covers bias
   * gradients (axes [0, 2, 3] of NCHW) and global average pooling (axes [2, 3]).
   */
  const reduce = (op: ReduceOp, x: View, axes: readonly number[]) => {
    const js = () => cpuBackend.reduce(op, x, axes);
    const plan = op === 'sum' && x.dtype === 'float32' ? planRowSums(x, axes, EW_MIN_ELEMENTS * 4) : null;
    if (plan === null) return js();
    try {
      const sums = k.rowSums(arr(x) as Float32Array, x.offset, plan.rows, plan.inner);
      const out = alloc('float32', plan.channels);
      foldRowSums(sums, plan, out.data as Float32Array);
      return out;
    } catch (e) {
      if (e instanceof WasmOutOfMemory) return js();
      throw e;
    }
  };

  const backend: WasmBackend = {
    ...(cpuBackend as Backend<CpuStorage>),
    name: 'wasm',
    threads: rt.threads,
    simd: rt.flavour,
    close: () => rt.dispose(),
    unary,
    binary,
    ternary,
    reduce,
    matmul,
    conv2d,
    conv2dBackwardInput,
    conv2dBackwardWeight,
    maxPool2d,
    maxPool2dBackward,
    avgPool2d,
    avgPool2dBackward,
  } as WasmBackend;
  return backend;
}
