/// <reference types="@webgpu/types" />
/**
 * The WebGPU backend: every primitive of the Backend contract as a WGSL compute kernel. Storage is a
 * pooled GPU buffer; work is encoded into one command encoder and submitted in batches; `read` maps a
 * staging buffer asynchronously.
 */
import type {
  ArgReduceOp,
  Backend,
  BinaryOp,
  Conv2dGeometry,
  DType,
  PoolWindows,
  RandomRequest,
  ReduceOp,
  SgdHyper,
  Shape,
  TernaryOp,
  UnaryOp,
  View,
} from '../../backend.js';
import { DTypeError } from '../../errors.js';
import { WebGPUBackendBase } from './backend-base.js';
import { GpuContext } from './context.js';
import { acquireDevice, type WebGPUBackendOptions } from './device.js';
import { binaryExpr, type ExprChoice, ternaryExpr, unaryExpr } from './elementwise-exprs.js';
import { type ConvKind, runConv } from './kernels/conv2d.js';
import { runElementwise } from './kernels/elementwise.js';
import { runGather, runScatterAdd } from './kernels/indexing.js';
import { runMatmul } from './kernels/matmul.js';
import { MAX_SUM_SQUARES_TENSORS, runSgd, runSumSquares } from './kernels/multi-tensor.js';
import { type PoolKind, runPool } from './kernels/pool2d.js';
import { runRandom } from './kernels/random.js';
import { runLogSoftmax, runReduce } from './kernels/reduce.js';
import type { StepProfile } from './step-profile.js';
import {
  contiguousStrides,
  type GView,
  isContiguous,
  numel,
  type WebGPUStorage,
  wgslType,
} from './storage.js';
import { probeSubgroupReductions } from './subgroup-probe.js';

/** The WebGPU backend plus device-level controls. */
export interface WebGPUBackend extends Backend<WebGPUStorage> {
  /** Adapter description, e.g. 'nvidia / hopper / ...' or 'google / swiftshader'. */
  readonly adapterInfo: string;
  /** Device features in use (e.g. 'subgroups', 'shader-f16', 'timestamp-query'). */
  readonly features: ReadonlySet<string>;
  /** Whether sum reductions combine partials with subgroup operations (device support and tuning). */
  readonly subgroups: boolean;
  /** conv2d with bias [O] added in the GEMM epilogue (the front end's `conv2d(x, w, bias)` uses it). */
  conv2dBias(
    x: View<WebGPUStorage>,
    w: View<WebGPUStorage>,
    bias: View<WebGPUStorage>,
    g: Conv2dGeometry,
  ): WebGPUStorage;
  /** Fused multi-tensor SGD (see `Backend.sgdStep`): a few dispatches for a whole model. */
  sgdStep(
    params: readonly View<WebGPUStorage>[],
    grads: readonly View<WebGPUStorage>[],
    momenta: readonly (View<WebGPUStorage> | null)[],
    hyper: readonly SgdHyper[],
    skipIf?: View<WebGPUStorage>,
  ): void;
  /** Fused sums of squares and non-finite flags (see `Backend.sumSquares`). */
  sumSquares(xs: readonly View<WebGPUStorage>[]): WebGPUStorage;
  readonly device: GPUDevice;
  /** Resolves when the GPU has finished all work issued so far; throws the first GPU error. */
  sync(): Promise<void>;
  /** Milliseconds spent compiling pipelines so far. */
  compileMs(): number;
  /**
   * GPU buffer bytes: `allocatedBytes` all created and not destroyed (live + pooled), `pooledBytes`
   * the free part, `peakBytes` the largest `allocatedBytes` so far (peak device memory), `liveBytes`
   * what live storages use.
   */
  gpuMemory(): {
    readonly allocatedBytes: number;
    readonly pooledBytes: number;
    readonly peakBytes: number;
    readonly liveBytes: number;
  };
  /**
   * What the device was asked to do since the previous call (or since creation): dispatches,
   * copies, submits, pipeline compiles, GPU buffers created (and bytes), uploads, reads (and those
   * that blocked encoding), device memory, and dispatches / host encoding time per op kind. Call it
   * once per training step to get per-step counts (the Trainer does when `profile` is on). Always on
   * and cheap (counters only); for GPU time per kernel see `profile(true)`.
   */
  stepProfile(): StepProfile;
  /**
   * Per-kernel GPU timing (timestamp queries; each dispatch gets its own pass, so keep it for tuning).
   * `profile(true)` starts, `profileReport()` returns totals per kernel label since the last report.
   */
  profile(on: boolean): void;
  profileReport(): Promise<
    readonly { readonly label: string; readonly count: number; readonly ms: number }[]
  >;
  /** Destroys pooled (freed) buffers so the GPU memory is returned now. */
  releasePooledMemory(): void;
  /** Frees everything; the backend is unusable afterwards. Destroys the device if the backend created it. */
  destroy(): void;
}

class WebGPUBackendImpl extends WebGPUBackendBase implements WebGPUBackend {
  get subgroups(): boolean {
    return this.ctx.subgroups;
  }

  private elementwise(
    op: string,
    choice: ExprChoice,
    inputs: GView[],
    outDtype: DType,
    alpha = 0,
  ): WebGPUStorage {
    const shape = (inputs[0] as GView).shape;
    const out = this.alloc(op, numel(shape), outDtype);
    runElementwise(
      this.ctx,
      {
        kernel: 'elementwise',
        expr: choice.expr,
        inputs: inputs.map((x) => wgslType(x.dtype)),
        compute: choice.compute,
        out: wgslType(outDtype),
      },
      out,
      contiguousStrides(shape),
      0,
      shape,
      inputs,
      alpha,
      op,
    );
    return out;
  }

  // --- elementwise ----------------------------------------------------------------------------
  copy(x: View<WebGPUStorage>): WebGPUStorage {
    const v = this.v('copy', x);
    return this.elementwise('copy', { expr: 'a', compute: wgslType(v.dtype) }, [v], v.dtype);
  }

  assign(dst: View<WebGPUStorage>, src: View<WebGPUStorage>): void {
    const d = this.v('assign', dst);
    let s = this.v('assign', src);
    let tmp: WebGPUStorage | null = null;
    if (s.storage === d.storage) {
      // a kernel cannot read and write one buffer through two bindings: copy the source first
      tmp = this.copy(s);
      s = { storage: tmp, dtype: s.dtype, shape: s.shape, strides: contiguousStrides(s.shape), offset: 0 };
    }
    const compute = wgslType(s.dtype);
    runElementwise(
      this.ctx,
      { kernel: 'elementwise', expr: 'a', inputs: [compute], compute, out: wgslType(d.dtype) },
      d.storage,
      d.strides,
      d.offset,
      d.shape,
      [s],
      0,
      'assign',
    );
    if (tmp) this.dispose(tmp);
  }

  cast(x: View<WebGPUStorage>, dtype: DType): WebGPUStorage {
    const v = this.v('cast', x);
    this.dtypeOk('cast', dtype);
    // float -> int truncates toward zero; NaN becomes 0 (as when JS stores NaN into an Int32Array)
    const expr = v.dtype === 'float32' && dtype === 'int32' ? 'select(a, 0.0, isNaN32(a))' : 'a';
    return this.elementwise('cast', { expr, compute: wgslType(v.dtype) }, [v], dtype);
  }

  unary(op: UnaryOp, x: View<WebGPUStorage>, alpha = 0): WebGPUStorage {
    const v = this.v(op, x);
    return this.elementwise(op, unaryExpr(op, v.dtype === 'int32'), [v], v.dtype, alpha);
  }

  binary(op: BinaryOp, a: View<WebGPUStorage>, b: View<WebGPUStorage>, outDtype: DType): WebGPUStorage {
    const va = this.v(op, a);
    const vb = this.v(op, b);
    const int = va.dtype === 'int32' && vb.dtype === 'int32';
    return this.elementwise(op, binaryExpr(op, int), [va, vb], outDtype);
  }

  ternary(
    op: TernaryOp,
    a: View<WebGPUStorage>,
    b: View<WebGPUStorage>,
    c: View<WebGPUStorage>,
    outDtype: DType,
  ): WebGPUStorage {
    const vs = [this.v(op, a), this.v(op, b), this.v(op, c)];
    const int = vs.every((v) => v.dtype === 'int32');
    return this.elementwise(op, ternaryExpr(op, int), vs, outDtype);
  }

  // --- reductions -----------------------------------------------------------------------------
  reduce(op: ReduceOp, x: View<WebGPUStorage>, axes: readonly number[]): WebGPUStorage {
    const v = this.v(op, x);
    const outSize = numel(v.shape.filter((_, d) => !axes.includes(d)));
    const out = this.alloc(op, outSize, v.dtype);
    runReduce(this.ctx, op, v, axes, out, this.software, this.tuning.reduceSplit);
    return out;
  }

  argReduce(op: ArgReduceOp, x: View<WebGPUStorage>, axis: number): WebGPUStorage {
    const v = this.v(op, x);
    const out = this.alloc(op, numel(v.shape.filter((_, d) => d !== axis)), 'int32');
    runReduce(this.ctx, op, v, [axis], out);
    return out;
  }

  logSoftmax(x: View<WebGPUStorage>): WebGPUStorage {
    const temps: WebGPUStorage[] = [];
    const v = this.contig('logSoftmax', x, temps);
    const [rows, cols] = v.shape as [number, number];
    const out = this.alloc('logSoftmax', rows * cols, v.dtype);
    runLogSoftmax(this.ctx, v, rows, cols, out);
    for (const t of temps) this.dispose(t);
    return out;
  }

  // --- heavy kernels --------------------------------------------------------------------------
  matmul(a: View<WebGPUStorage>, b: View<WebGPUStorage>): WebGPUStorage {
    const va = this.v('matmul', a);
    const vb = this.v('matmul', b);
    if (va.dtype !== 'float32' || vb.dtype !== 'float32')
      throw new DTypeError(`webgpu.matmul: expected float32 operands, got ${va.dtype} and ${vb.dtype}`);
    const [B, M] = va.shape as [number, number];
    const N = vb.shape[2] as number;
    const out = this.alloc('matmul', B * M * N, 'float32');
    runMatmul(this.ctx, va, vb, out, this.gpu, this.tuning);
    return out;
  }

  private conv(
    op: string,
    kind: ConvKind,
    first: View<WebGPUStorage>,
    second: View<WebGPUStorage>,
    g: Conv2dGeometry,
    outSize: number,
    bias?: View<WebGPUStorage>,
  ): WebGPUStorage {
    const temps: WebGPUStorage[] = [];
    const f = this.contig(op, first, temps);
    const s = this.contig(op, second, temps);
    const bv = bias ? this.contig(op, bias, temps) : undefined;
    if (f.dtype !== 'float32' || s.dtype !== 'float32' || (bv && bv.dtype !== 'float32')) {
      const got = [f, s, ...(bv ? [bv] : [])].map((v) => v.dtype).join(', ');
      throw new DTypeError(`webgpu.${op}: expected float32 operands, got ${got}`);
    }
    const out = this.alloc(op, outSize, 'float32');
    runConv(this.ctx, kind, f, s, g, out, this.gpu, this.tuning, bv);
    for (const t of temps) this.dispose(t);
    return out;
  }

  conv2d(x: View<WebGPUStorage>, w: View<WebGPUStorage>, g: Conv2dGeometry): WebGPUStorage {
    return this.conv('conv2d', 'forward', x, w, g, g.N * g.O * g.OH * g.OW);
  }

  conv2dBias(
    x: View<WebGPUStorage>,
    w: View<WebGPUStorage>,
    bias: View<WebGPUStorage>,
    g: Conv2dGeometry,
  ): WebGPUStorage {
    return this.conv('conv2dBias', 'forward', x, w, g, g.N * g.O * g.OH * g.OW, bias);
  }

  conv2dBackwardInput(dy: View<WebGPUStorage>, w: View<WebGPUStorage>, g: Conv2dGeometry): WebGPUStorage {
    return this.conv('conv2dBackwardInput', 'backwardInput', dy, w, g, g.N * g.C * g.H * g.W);
  }

  conv2dBackwardWeight(x: View<WebGPUStorage>, dy: View<WebGPUStorage>, g: Conv2dGeometry): WebGPUStorage {
    return this.conv(
      'conv2dBackwardWeight',
      'backwardWeight',
      x,
      dy,
      g,
      g.O * (g.C / g.groups) * g.KH * g.KW,
    );
  }

  private pool(
    op: string,
    kind: PoolKind,
    src: View<WebGPUStorage>,
    p: PoolWindows,
    outSize: number,
    arg?: View<WebGPUStorage>,
  ): WebGPUStorage {
    const temps: WebGPUStorage[] = [];
    const s = this.contig(op, src, temps);
    if (s.dtype !== 'float32') throw new DTypeError(`webgpu.${op}: expected float32 input, got ${s.dtype}`);
    const a = arg ? this.contig(op, arg, temps) : undefined;
    const out = this.alloc(op, outSize, 'float32');
    runPool(
      this.ctx,
      kind,
      p,
      this.table(p),
      s,
      out,
      a ? { buffer: a.storage.buffer, offset: a.offset } : undefined,
    );
    for (const t of temps) this.dispose(t);
    return out;
  }

  maxPool2d(x: View<WebGPUStorage>, p: PoolWindows): { values: WebGPUStorage; argmax: WebGPUStorage } {
    const n = p.N * p.C * p.OH * p.OW;
    const argmax = this.alloc('maxPool2d', n, 'int32');
    const temps: WebGPUStorage[] = [];
    const s = this.contig('maxPool2d', x, temps);
    if (s.dtype !== 'float32')
      throw new DTypeError(`webgpu.maxPool2d: expected float32 input, got ${s.dtype}`);
    const values = this.alloc('maxPool2d', n, 'float32');
    runPool(this.ctx, 'maxForward', p, this.table(p), s, values, { buffer: argmax.buffer, offset: 0 });
    for (const t of temps) this.dispose(t);
    return { values, argmax };
  }

  maxPool2dBackward(dy: View<WebGPUStorage>, argmax: View<WebGPUStorage>, p: PoolWindows): WebGPUStorage {
    return this.pool('maxPool2dBackward', 'maxBackward', dy, p, p.N * p.C * p.H * p.W, argmax);
  }

  avgPool2d(x: View<WebGPUStorage>, p: PoolWindows): WebGPUStorage {
    return this.pool('avgPool2d', 'avgForward', x, p, p.N * p.C * p.OH * p.OW);
  }

  avgPool2dBackward(dy: View<WebGPUStorage>, p: PoolWindows): WebGPUStorage {
    return this.pool('avgPool2dBackward', 'avgBackward', dy, p, p.N * p.C * p.H * p.W);
  }

  gather(x: View<WebGPUStorage>, axis: number, index: View<WebGPUStorage>): WebGPUStorage {
    const vx = this.v('gather', x);
    const vi = this.v('gather', index);
    if (vi.dtype !== 'int32') throw new DTypeError(`webgpu.gather: index must be int32, got ${vi.dtype}`);
    const out = this.alloc('gather', numel(vi.shape), vx.dtype);
    runGather(this.ctx, vx, axis, vi, out);
    return out;
  }

  scatterAdd(
    shape: Shape,
    axis: number,
    index: View<WebGPUStorage>,
    src: View<WebGPUStorage>,
  ): WebGPUStorage {
    const vi = this.v('scatterAdd', index);
    const vs = this.v('scatterAdd', src);
    if (vi.dtype !== 'int32') throw new DTypeError(`webgpu.scatterAdd: index must be int32, got ${vi.dtype}`);
    const out = this.alloc('scatterAdd', numel(shape), vs.dtype);
    runScatterAdd(this.ctx, shape, axis, vi, vs, out);
    return out;
  }

  // --- fused multi-tensor kernels --------------------------------------------------------------
  private f32Contig(op: string, what: string, x: View<WebGPUStorage>): GView {
    const v = this.v(op, x);
    if (v.dtype !== 'float32') throw new DTypeError(`webgpu.${op}: ${what} must be float32, got ${v.dtype}`);
    if (!isContiguous(v)) throw new Error(`webgpu.${op}: ${what} must be contiguous`);
    return v;
  }

  sgdStep(
    params: readonly View<WebGPUStorage>[],
    grads: readonly View<WebGPUStorage>[],
    momenta: readonly (View<WebGPUStorage> | null)[],
    hyper: readonly SgdHyper[],
    skipIf?: View<WebGPUStorage>,
  ): void {
    const tensors = params.map((p, i) => {
      const m = momenta[i];
      const h = hyper[i] as SgdHyper;
      return {
        p: this.f32Contig('sgdStep', `parameter ${i}`, p),
        g: this.f32Contig('sgdStep', `gradient ${i}`, grads[i] as View<WebGPUStorage>),
        v: m ? this.f32Contig('sgdStep', `momentum buffer ${i}`, m) : null,
        lr: h.lr,
        momentum: h.momentum,
        weightDecay: h.weightDecay,
        nesterov: h.nesterov,
      };
    });
    const skip = skipIf ? this.f32Contig('sgdStep', 'skipIf', skipIf) : null;
    runSgd(this.ctx, tensors, skip ? { buffer: skip.storage.buffer, offset: skip.offset } : null);
  }

  sumSquares(xs: readonly View<WebGPUStorage>[]): WebGPUStorage {
    if (xs.length === 0 || xs.length > MAX_SUM_SQUARES_TENSORS)
      throw new Error(
        `webgpu.sumSquares: expected 1 to ${MAX_SUM_SQUARES_TENSORS} tensors, got ${xs.length}`,
      );
    const views = xs.map((x, i) => this.f32Contig('sumSquares', `tensor ${i}`, x));
    const out = this.alloc('sumSquares', 2 * xs.length + 1, 'float32');
    runSumSquares(this.ctx, views, out);
    return out;
  }

  random(request: RandomRequest): WebGPUStorage {
    // bits are int32 whatever dtype was asked for (as on the CPU backend)
    const out = this.alloc('random', request.size, request.distribution === 'bits' ? 'int32' : request.dtype);
    runRandom(this.ctx, request, out);
    return out;
  }
}

/**
 * Creates the WebGPU backend. In browsers it uses `navigator.gpu`; in Node pass `gpu: create([])` from
 * the `webgpu` package (an optional peer dependency), or let the backend import it. float64 is not
 * available (WGSL has no f64): ops on float64 throw a DTypeError naming the op.
 *
 * @example
 * import { setBackend, randn, matmul } from '@rectifier/tensor';
 * import { createWebGPUBackend } from '@rectifier/tensor/webgpu';
 * const gpu = await createWebGPUBackend();
 * setBackend(gpu);
 * const y = matmul(randn([256, 256]), randn([256, 256]));
 * console.log(await y.data());
 */
export async function createWebGPUBackend(options: WebGPUBackendOptions = {}): Promise<WebGPUBackend> {
  const acq = await acquireDevice(options);
  const subgroups = (options.tuning?.subgroups ?? true) && (await probeSubgroupReductions(acq.device));
  const ctx = new GpuContext(acq.device, options.poolBytes ?? Number.POSITIVE_INFINITY, subgroups);
  return new WebGPUBackendImpl(
    ctx,
    acq.device,
    acq.adapterInfo,
    acq.features,
    acq.owned,
    options.tuning ?? {},
  );
}
