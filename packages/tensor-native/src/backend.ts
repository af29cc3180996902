// The native backend: the JS CPU backend with its heavy float32 kernels (matmul, conv2d forward with
// and without bias, both conv2d backward passes, max/avg pooling), the elementwise passes of a
// training step (relu, add/sub/mul/div, PReLU and its gradients, the relu gradient), bias-gradient
// sums and the fused SGD / sum-of-squares kernels replaced by the native addon; activations may stay
// in oneDNN's blocked layout between those kernels (blocked.ts). Storages are the
// CPU backend's host typed arrays, which the addon reads and writes in place (no copies), so tensors
// of the CPU, WASM and native backends hold the same kind of memory, and everything the addon does not
// cover (float64 and int32 tensors, other ops, unusual layouts) runs the CPU backend's code unchanged.

import {
  allocCpuStorage as alloc,
  type Backend,
  type BinaryOp,
  type Conv2dGeometry,
  type CpuStorage,
  contiguousStrides,
  conv2dGeometryFields,
  cpuBackend,
  type DType,
  cpuStorageData as data,
  type EwLayout,
  elementwiseLayout,
  foldRowSums,
  type PoolWindows,
  planRowSums,
  type ReduceOp,
  type SgdHyper,
  type TernaryOp,
  type UnaryOp,
  type View,
} from '@rectifier/tensor';
import { type Addon, loadAddon, type PoolArgs } from './addon.js';
import { BlockedLayout, blockedLayoutOf, rawF32 } from './blocked.js';
import { withFallback } from './fallback.js';

/** Options of {@link createNativeBackend}. */
export interface NativeBackendOptions {
  /** Threads the kernels use (OpenMP). Default: available cores, capped at 8. */
  readonly threads?: number;
  /**
   * Let convolutions leave their outputs in oneDNN's channel-blocked layout (nChw8c / nChw16c) when
   * the channels are a multiple of the block, so that the next convolution, ReLU, PReLU, their
   * gradients, max pooling or bias-gradient sum reads them without a reorder (see BlockedLayout).
   * Any other reader sees row-major NCHW as always; results are the same bits either way.
   * Default: true.
   */
  readonly blockedLayouts?: boolean;
}

/** A Backend whose heavy float32 kernels run natively. */
export interface NativeBackend extends Backend {
  readonly name: 'native';
  readonly threads: number;
  /** One line for logs, e.g. 'native (oneDNN 2.6.3, avx2, 2 threads)'. */
  readonly description: string;
  /** The oneDNN version and the instruction set it dispatches to on this CPU. */
  readonly onednn: { readonly version: string; readonly isa: string };
  /** Path of the loaded addon. */
  readonly binaryPath: string;
}

/** Thrown when the addon cannot be loaded; the message says why in one line. */
export class NativeUnavailableError extends Error {
  override name = 'NativeUnavailableError';
}

/** The default thread count: available cores, capped at 8 (as the WASM backend). */
export const MAX_DEFAULT_THREADS = 8;

const f32 = (...views: View[]) => views.every((v) => v.dtype === 'float32');
const F = (v: View) => data(v) as Float32Array;

/** Below this many elements the JS loops win over the call into the addon. */
const EW_MIN_ELEMENTS = 4096;
const EW: Partial<Record<BinaryOp | UnaryOp | TernaryOp, number>> = {
  relu: 0,
  add: 1,
  sub: 2,
  mul: 3,
  div: 4,
  prelu: 5,
  reluGrad: 6,
  preluSlopeGrad: 7,
  preluInputGrad: 8,
};

const emptyConv = (g: Conv2dGeometry) =>
  g.N === 0 || g.C === 0 || g.O === 0 || g.OH === 0 || g.OW === 0 || g.H === 0 || g.W === 0;

function poolArgs(p: PoolWindows): PoolArgs {
  return [
    Float64Array.of(p.N, p.C, p.H, p.W, p.OH, p.OW),
    p.hStart,
    p.hEnd,
    p.wStart,
    p.wEnd,
    p.hCount,
    p.wCount,
  ];
}

/**
 * Strides of one operand of a batched matmul in a form oneDNN's GEMM takes (row-major or
 * column-major matrices; a batch stride of 0 broadcasts), with the strides of size-1 dimensions
 * made consistent; null for layouts it would run through its slow reference kernel (no unit
 * stride, broadcast inside a matrix, negative strides).
 */
function matrixStrides(R: number, C: number, s: readonly number[]): Float64Array | null {
  let [s0, sR, sC] = s;
  if (s0 < 0 || sR < 0 || sC < 0) return null;
  if (R === 1 && C === 1) [sR, sC] = [1, 1];
  else if (R === 1) [sR, sC] = sC === 1 ? [C, 1] : [1, sC];
  else if (C === 1) [sR, sC] = sR === 1 ? [1, R] : [sR, 1];
  else if (!((sC === 1 && sR >= C) || (sR === 1 && sC >= R))) return null;
  return Float64Array.of(s0, sR, sC);
}

const elements = (v: View) => v.shape.reduce((a, b) => a * b, 1);

/** Threads last set in the OpenMP runtime (one per process, shared by every native backend). */
let currentThreads = -1;

/**
 * Creates the native backend. Throws {@link NativeUnavailableError} with the reason when the addon
 * cannot be loaded (no binary for this platform, a missing shared library).
 *
 * @example
 * import { setBackend } from '@rectifier/tensor';
 * import { createNativeBackend } from '@rectifier/tensor-native';
 * setBackend(await createNativeBackend({ threads: 2 }));
 */
export async function createNativeBackend(options: NativeBackendOptions = {}): Promise<NativeBackend> {
  const threads = options.threads ?? (await defaultThreads());
  const blockedOut = options.blockedLayouts ?? true;
  if (typeof blockedOut !== 'boolean')
    throw new Error(
      `createNativeBackend: blockedLayouts must be true or false, got ${String(options.blockedLayouts)}`,
    );
  if (!Number.isInteger(threads) || threads < 1)
    throw new Error(
      `createNativeBackend: threads must be a positive integer, got ${String(options.threads)}`,
    );
  const loaded = loadAddon();
  if ('error' in loaded) throw new NativeUnavailableError(`native backend unavailable: ${loaded.error}`);
  const k: Addon = loaded.addon;
  const info = k.info();
  /** Every kernel call goes through here: it sets this backend's thread count first. */
  const use = (): Addon => {
    if (currentThreads !== threads) {
      k.setThreads(threads);
      currentThreads = threads;
    }
    return k;
  };
  const toPlain = (from: Float32Array, to: Float32Array, block: number, dims: Float64Array) =>
    use().toPlain(from, 0, to, 0, block, dims);
  /** Tags a storage a kernel wrote in `block` (0: plain, nothing to do). */
  const tag = (s: CpuStorage, block: number, dims: number[]) => {
    if (block !== 0) s.setLayout(new BlockedLayout(block, dims, toPlain));
  };
  /**
   * The arrays and blocks of a convolution's activation operands. Operands that cannot be read as
   * they are get `data` first, which may restore a storage that another operand shares, so the
   * blocked ones are checked again afterwards.
   */
  const activations = (views: View[]): { arrays: Float32Array[]; blocks: number[] } => {
    const layouts = views.map((v) => blockedLayoutOf(v, true));
    const plain = views.map((v, i) => (layouts[i] ? null : F(v)));
    const blocks = views.map((v, i) =>
      layouts[i] && (v.storage as CpuStorage).layout === layouts[i] ? layouts[i].block : 0,
    );
    const arrays = views.map((v, i) => plain[i] ?? (blocks[i] ? rawF32(v) : F(v)));
    return { arrays, blocks };
  };
  const xDims = (g: Conv2dGeometry) => [g.N, g.C, g.H, g.W];
  const yDims = (g: Conv2dGeometry) => [g.N, g.O, g.OH, g.OW];

  const matmul = (a: View, b: View) => {
    const [B, M, K] = a.shape;
    const N = b.shape[2];
    const sa = f32(a, b) && B * M * N * K > 0 ? matrixStrides(M, K, a.strides) : null;
    const sb = sa ? matrixStrides(K, N, b.strides) : null;
    // oneDNN broadcasts at most one operand over the batch; anything else runs the JS kernel.
    if (!sa || !sb || (B > 1 && sa[0] === 0 && sb[0] === 0)) return cpuBackend.matmul(a, b);
    const out = alloc('float32', B * M * N);
    use().matmul(
      F(a),
      a.offset,
      sa,
      F(b),
      b.offset,
      sb,
      out.data as Float32Array,
      Float64Array.of(B, M, N, K),
    );
    return out;
  };

  const conv = (x: View, w: View, bias: View | null, g: Conv2dGeometry) => {
    const out = alloc('float32', g.N * g.O * g.OH * g.OW);
    return withFallback(
      out,
      () => {
        const wa = F(w);
        const ba = bias ? F(bias) : null;
        const act = activations([x]);
        const block = use().conv2d(
          act.arrays[0],
          x.offset,
          wa,
          w.offset,
          ba,
          bias?.offset ?? 0,
          out.data as Float32Array,
          Float64Array.from(conv2dGeometryFields(g)),
          act.blocks[0],
          blockedOut,
        );
        tag(out, block, yDims(g));
      },
      () => {
        const y = cpuBackend.conv2d(x, w, g);
        if (!bias) return y;
        const shape = [g.N, g.O, g.OH, g.OW];
        const yv: View = { storage: y, dtype: y.dtype, shape, strides: contiguousStrides(shape), offset: 0 };
        const sum = cpuBackend.binary(
          'add',
          yv,
          { ...bias, shape, strides: [0, bias.strides[0], 0, 0] },
          'float32',
        );
        cpuBackend.dispose(y);
        return sum;
      },
    );
  };
  const conv2d = (x: View, w: View, g: Conv2dGeometry) =>
    !f32(x, w) || emptyConv(g) ? cpuBackend.conv2d(x, w, g) : conv(x, w, null, g);
  const conv2dBias = (x: View, w: View, bias: View, g: Conv2dGeometry) => {
    if (f32(x, w, bias) && !emptyConv(g) && (bias.strides[0] === 1 || g.O === 1)) return conv(x, w, bias, g);
    const y = conv2d(x, w, g);
    const shape = [g.N, g.O, g.OH, g.OW];
    const yv: View = {
      storage: y,
      dtype: y.dtype,
      shape,
      strides: [g.O * g.OH * g.OW, g.OH * g.OW, g.OW, 1],
      offset: 0,
    };
    const bv: View = { ...bias, shape, strides: [0, bias.strides[0], 0, 0] };
    const out = binary('add', yv, bv, y.dtype);
    cpuBackend.dispose(y);
    return out;
  };

  const conv2dBackwardInput = (dy: View, w: View, g: Conv2dGeometry) => {
    if (!f32(dy, w) || emptyConv(g)) return cpuBackend.conv2dBackwardInput(dy, w, g);
    const out = alloc('float32', g.N * g.C * g.H * g.W);
    return withFallback(
      out,
      () => {
        const wa = F(w);
        const act = activations([dy]);
        const block = use().conv2dBackwardInput(
          act.arrays[0],
          dy.offset,
          wa,
          w.offset,
          out.data as Float32Array,
          Float64Array.from(conv2dGeometryFields(g)),
          act.blocks[0],
          blockedOut,
        );
        tag(out, block, xDims(g));
      },
      () => cpuBackend.conv2dBackwardInput(dy, w, g),
    );
  };

  const conv2dBackwardWeight = (x: View, dy: View, g: Conv2dGeometry) => {
    if (!f32(x, dy) || emptyConv(g)) return cpuBackend.conv2dBackwardWeight(x, dy, g);
    const out = alloc('float32', g.O * (g.C / g.groups) * g.KH * g.KW);
    return withFallback(
      out,
      () => {
        const act = activations([x, dy]);
        use().conv2dBackwardWeight(
          act.arrays[0],
          x.offset,
          act.arrays[1],
          dy.offset,
          out.data as Float32Array,
          Float64Array.from(conv2dGeometryFields(g)),
          act.blocks[0],
          act.blocks[1],
        );
      },
      () => cpuBackend.conv2dBackwardWeight(x, dy, g),
    );
  };

  const maxPool2d = (x: View, p: PoolWindows) => {
    if (!f32(x)) return cpuBackend.maxPool2d(x, p);
    const n = p.N * p.C * p.OH * p.OW;
    const values = alloc('float32', n);
    const argmax = alloc('int32', n);
    // A blocked input: values blocked the same way (argmax in plain order, for the backward pass).
    const layout = blockedLayoutOf(x, true);
    const block = layout?.block ?? 0;
    const xs = block ? rawF32(x) : F(x);
    use().maxPool2d(
      xs,
      x.offset,
      values.data as Float32Array,
      argmax.data as Int32Array,
      ...poolArgs(p),
      block,
    );
    tag(values, block, [p.N, p.C, p.OH, p.OW]);
    return { values, argmax };
  };

  const maxPool2dBackward = (dy: View, argmax: View, p: PoolWindows) => {
    if (!f32(dy)) return cpuBackend.maxPool2dBackward(dy, argmax, p);
    const out = alloc('float32', p.N * p.C * p.H * p.W);
    const am = data(argmax) as Int32Array;
    const layout = blockedLayoutOf(dy, true);
    const block = layout && (dy.storage as CpuStorage).layout === layout ? layout.block : 0;
    use().maxPool2dBackward(
      block ? rawF32(dy) : F(dy),
      dy.offset,
      am,
      argmax.offset,
      out.data as Float32Array,
      ...poolArgs(p),
      block,
    );
    tag(out, block, [p.N, p.C, p.H, p.W]);
    return out;
  };

  const avgPool2d = (x: View, p: PoolWindows) => {
    if (!f32(x)) return cpuBackend.avgPool2d(x, p);
    const out = alloc('float32', p.N * p.C * p.OH * p.OW);
    use().avgPool2d(F(x), x.offset, out.data as Float32Array, ...poolArgs(p));
    return out;
  };

  const avgPool2dBackward = (dy: View, p: PoolWindows) => {
    if (!f32(dy)) return cpuBackend.avgPool2dBackward(dy, p);
    const out = alloc('float32', p.N * p.C * p.H * p.W);
    use().avgPool2dBackward(F(dy), dy.offset, out.data as Float32Array, ...poolArgs(p));
    return out;
  };

  /** The native elementwise loop for float32 views of a supported layout, else null (JS runs it). */
  const ew = (op: number | undefined, views: View[], outDtype: DType): CpuStorage | null => {
    if (op === undefined || outDtype !== 'float32' || !f32(...views)) return null;
    const n = elements(views[0]);
    if (n < EW_MIN_ELEMENTS) return null;
    const layout = elementwiseLayout(views, { perRow: true });
    if (layout === null) return null;
    const onBlocked = blockedElementwise(op, views, layout);
    if (onBlocked) return onBlocked;
    const out = alloc('float32', n);
    const operands: (Float32Array | number)[] = [];
    views.forEach((v, i) => {
      operands.push(F(v), v.offset, layout.modes[i]);
    });
    use().elementwise(op, layout.outer, layout.C, layout.inner, out.data as Float32Array, ...operands);
    return out;
  };

  /**
   * An elementwise op over blocked activations: the full operands that are blocked share one layout,
   * the other operands are per channel, per row (n, c) or scalars. Full operands in NCHW (a mean's
   * gradient, say) are reordered into the layout when they are no more than the blocked ones, so the
   * output stays blocked for the convolutions after it. Null otherwise (the row-major loop then runs,
   * and reading `data` restores NCHW).
   */
  const blockedElementwise = (op: number, views: View[], ew: EwLayout): CpuStorage | null => {
    const full = (i: number) => ew.modes[i] === 0;
    const layouts = views.map((v, i) => (full(i) ? blockedLayoutOf(v) : null));
    const layout = layouts.find((l) => l !== null) ?? null;
    if (layout === null || layouts.some((l) => l !== null && !layout.matches(l))) return null;
    const blockedCount = layouts.filter((l) => l !== null).length;
    const nchwCount = views.filter((_, i) => full(i)).length - blockedCount;
    if (nchwCount > blockedCount) return null;
    const [N, C, H, W] = layout.dims;
    // Per-channel operands need rows (n, c) with c the channel; per-row ones any split of N * C rows.
    const rowsFit = ew.inner === H * W && ew.outer * ew.C === N * C;
    if (ew.modes.includes(1) && !(rowsFit && ew.C === C)) return null;
    if (ew.modes.includes(3) && !rowsFit) return null;
    // Operands read in NCHW first: reading one may restore a storage that a blocked operand shares.
    const plain = views.map((v, i) => (layouts[i] ? null : F(v)));
    if (views.some((v, i) => layouts[i] && (v.storage as CpuStorage).layout !== layouts[i])) return null;
    const n = N * C * H * W;
    const dims = Float64Array.from(layout.dims);
    const temps: CpuStorage[] = [];
    const operands: (Float32Array | number)[] = [];
    views.forEach((v, i) => {
      const p = plain[i];
      if (p === null) operands.push(rawF32(v), 0, 0);
      else if (!full(i)) operands.push(p, v.offset, ew.modes[i]);
      else {
        const t = alloc('float32', n);
        use().toBlocked(p, v.offset, t.data as Float32Array, 0, layout.block, dims);
        temps.push(t);
        operands.push(t.data as Float32Array, 0, 0);
      }
    });
    const out = alloc('float32', n);
    // Without per-channel or per-row operands the layout does not matter: one flat run is fastest.
    if (ew.modes.every((m) => m === 0 || m === 2))
      use().elementwise(op, 1, 1, n, out.data as Float32Array, ...operands);
    else use().elementwiseBlocked(op, N, C, H * W, layout.block, out.data as Float32Array, ...operands);
    for (const t of temps) cpuBackend.dispose(t);
    out.setLayout(layout);
    return out;
  };

  const unary = (op: UnaryOp, x: View, alpha?: number) =>
    (op === 'relu' ? ew(EW.relu, [x], x.dtype) : null) ?? cpuBackend.unary(op, x, alpha);
  const binary = (op: BinaryOp, a: View, b: View, outDtype: DType) =>
    ew(EW[op], [a, b], outDtype) ?? cpuBackend.binary(op, a, b, outDtype);
  const ternary = (op: TernaryOp, a: View, b: View, c: View, outDtype: DType) =>
    (op === 'preluInputGrad' ? ew(EW[op], [a, b, c], outDtype) : null) ??
    cpuBackend.ternary(op, a, b, c, outDtype);

  /**
   * sum of a contiguous float32 view over a trailing block of axes (plus optionally a leading block):
   * row sums natively (float64, like the JS loops), the leading block folded here in row order.
   * Covers bias gradients (axes [0, 2, 3] of NCHW) and global average pooling (axes [2, 3]).
   */
  const reduce = (op: ReduceOp, x: View, axes: readonly number[]) => {
    const plan = op === 'sum' && x.dtype === 'float32' ? planRowSums(x, axes, EW_MIN_ELEMENTS * 4) : null;
    if (plan === null) return cpuBackend.reduce(op, x, axes);
    const sums = new Float64Array(plan.rows);
    const layout = blockedLayoutOf(x, true);
    const [N, C, H, W] = x.shape;
    // Rows (n, c) of a blocked activation: the same sums, read across its blocks.
    if (layout && plan.inner === H * W && plan.rows === N * C)
      use().rowSumsBlocked(rawF32(x), N, C, H * W, layout.block, sums);
    else use().rowSums(F(x), x.offset, plan.rows, plan.inner, sums);
    const out = alloc('float32', plan.channels);
    foldRowSums(sums, plan, out.data as Float32Array);
    return out;
  };

  const sgdStep = (
    params: readonly View[],
    grads: readonly View[],
    momenta: readonly (View | null)[],
    hyper: readonly SgdHyper[],
    skipIf?: View,
  ) => {
    if (skipIf && data(skipIf)[skipIf.offset] !== 0) return;
    for (let t = 0; t < params.length; t++) {
      const p = params[t];
      const m = momenta[t];
      const h = hyper[t];
      if (!f32(p, grads[t], ...(m ? [m] : []))) {
        cpuBackend.sgdStep?.([p], [grads[t]], [m], [h]);
        continue;
      }
      use().sgdStep(
        F(p),
        p.offset,
        F(grads[t]),
        grads[t].offset,
        m ? F(m) : null,
        m?.offset ?? 0,
        elements(p),
        h.lr,
        h.momentum,
        h.weightDecay,
        h.weightDecay !== 0,
        h.nesterov,
      );
    }
  };

  const sumSquares = (xs: readonly View[]) => {
    if (!f32(...xs)) return (cpuBackend.sumSquares as (v: readonly View[]) => CpuStorage)(xs);
    const n = xs.length;
    const out = alloc('float32', 2 * n + 1);
    const o = out.data as Float32Array;
    const r = new Float64Array(2);
    let any = 0;
    for (let t = 0; t < n; t++) {
      use().sumSquares(F(xs[t]), xs[t].offset, elements(xs[t]), r);
      o[t] = r[0];
      o[n + t] = r[1];
      any = Math.max(any, r[1]);
    }
    o[2 * n] = any;
    return out;
  };

  const backend: NativeBackend = {
    ...(cpuBackend as Backend<CpuStorage>),
    name: 'native',
    threads,
    description: `native (oneDNN ${info.onednn}, ${info.isa}, ${threads} thread${threads === 1 ? '' : 's'})`,
    onednn: { version: info.onednn, isa: info.isa },
    binaryPath: loaded.path,
    unary,
    binary: binary as Backend['binary'],
    ternary,
    reduce,
    matmul,
    conv2d,
    conv2dBias,
    conv2dBackwardInput,
    conv2dBackwardWeight,
    maxPool2d,
    maxPool2dBackward,
    avgPool2d,
    avgPool2dBackward,
    sgdStep,
    sumSquares,
  } as NativeBackend;
  return backend;
}

async function defaultThreads(): Promise<number> {
  const os = await import('node:os');
  return Math.min(MAX_DEFAULT_THREADS, os.availableParallelism?.() ?? os.cpus().length);
}
