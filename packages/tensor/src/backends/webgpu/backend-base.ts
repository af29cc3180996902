/// <reference types="@webgpu/types" />
/**
 * The storage side of the WebGPU backend: allocation from the buffer pool, validation of views,
 * host upload and async readback, disposal and memory statistics, cached constant tables, and the
 * device-level controls. The kernels are in {@link ./webgpu-backend.ts}.
 */
import type { DType, PoolWindows, TypedArray, View } from '../../backend.js';
import { DTypeError } from '../../errors.js';
import { SOFTWARE_ADAPTER_NAMES } from '../../software-adapter.js';
import type { GpuContext } from './context.js';
import type { WebGPUTuning } from './device.js';
import { type GpuProfile, gpuProfile } from './kernels/gpu-profile.js';
import { runFill } from './kernels/indexing.js';
import { windowTable } from './kernels/pool2d.js';
import type { StepProfile } from './step-profile.js';
import { contiguousStrides, type GView, isContiguous, numel, WebGPUStorage } from './storage.js';

const BYTES = 4;
const TABLE_CACHE = 64;

export abstract class WebGPUBackendBase {
  readonly specificationVersion = 'v1' as const;
  readonly name = 'webgpu';
  private live = 0;
  private liveBytes = 0;
  protected readonly software: boolean;
  /** What the GEMM planner knows about the GPU (compute units, residency). */
  protected readonly gpu: GpuProfile;
  private readonly tables = new Map<string, GPUBuffer>();

  constructor(
    protected readonly ctx: GpuContext,
    readonly device: GPUDevice,
    readonly adapterInfo: string,
    readonly features: ReadonlySet<string>,
    private readonly owned: boolean,
    protected readonly tuning: WebGPUTuning,
  ) {
    this.software = SOFTWARE_ADAPTER_NAMES.test(adapterInfo);
    this.gpu = gpuProfile(adapterInfo, tuning.computeUnits);
  }

  /** Copy of a view into a fresh contiguous storage (implemented with the elementwise kernel). */
  abstract copy(x: View<WebGPUStorage>): WebGPUStorage;

  // --- helpers --------------------------------------------------------------------------------
  protected dtypeOk(op: string, dtype: DType): void {
    if (dtype === 'float64') {
      throw new DTypeError(
        `webgpu.${op}: float64 is not supported on WebGPU (WGSL has no 64-bit floats); use float32`,
      );
    }
    if (dtype !== 'float32' && dtype !== 'int32')
      throw new DTypeError(`webgpu.${op}: unknown dtype ${String(dtype)}`);
  }

  /** A fresh storage; `forWrite` when it will be filled from the host (see `GpuContext.storageBuffer`). */
  protected alloc(op: string, size: number, dtype: DType, forWrite = false): WebGPUStorage {
    this.dtypeOk(op, dtype);
    this.ctx.check(op);
    const s = new WebGPUStorage(dtype, size, this.ctx.storageBuffer(Math.max(1, size) * BYTES, forWrite));
    this.live++;
    this.liveBytes += size * BYTES;
    return s;
  }

  /** Validates that a view is a live storage of this backend with a WebGPU dtype. */
  protected v(op: string, view: View<WebGPUStorage>): GView {
    const s = view.storage as unknown;
    if (!(s instanceof WebGPUStorage)) {
      throw new Error(
        `webgpu.${op}: the input lives on backend '${(s as { backend?: string }).backend}', not webgpu; move it with tensor.to(backend) first`,
      );
    }
    if (s.disposed) throw new Error(`webgpu.${op}: the input storage was disposed`);
    this.dtypeOk(op, view.dtype);
    return view as GView;
  }

  /** A contiguous view of `view`, copying when needed; `temps` collects copies to dispose. */
  protected contig(op: string, view: View<WebGPUStorage>, temps: WebGPUStorage[]): GView {
    const v = this.v(op, view);
    if (isContiguous(v)) return v;
    const c = this.copy(v);
    temps.push(c);
    return { storage: c, dtype: v.dtype, shape: v.shape, strides: contiguousStrides(v.shape), offset: 0 };
  }

  protected table(p: PoolWindows): GPUBuffer {
    const t = windowTable(p);
    return this.cached(`pool:${p.H},${p.W},${p.OH},${p.OW}:${t.join(',')}`, () => t);
  }

  /** A small int32 table uploaded once per key (LRU of TABLE_CACHE entries). */
  protected cached(key: string, build: () => Int32Array): GPUBuffer {
    const hit = this.tables.get(key);
    if (hit) {
      this.tables.delete(key);
      this.tables.set(key, hit);
      return hit;
    }
    const t = build();
    const buf = this.ctx.storageBuffer(Math.max(16, t.byteLength), true);
    if (t.length > 0) this.ctx.write(buf, t);
    this.tables.set(key, buf);
    if (this.tables.size > TABLE_CACHE) {
      const oldest = this.tables.keys().next().value as string;
      this.ctx.release(this.tables.get(oldest) as GPUBuffer);
      this.tables.delete(oldest);
    }
    return buf;
  }

  // --- storage --------------------------------------------------------------------------------
  fill(size: number, dtype: DType, value: number): WebGPUStorage {
    const out = this.alloc('fill', size, dtype);
    const bits = dtype === 'int32' ? new Int32Array([value]) : new Float32Array([value]);
    runFill(this.ctx, out, new Uint32Array(bits.buffer)[0] as number);
    return out;
  }

  fromArray(data: TypedArray, dtype: DType): WebGPUStorage {
    const out = this.alloc('fromArray', data.length, dtype, true);
    const host =
      dtype === 'int32'
        ? data instanceof Int32Array
          ? data
          : Int32Array.from(data)
        : data instanceof Float32Array
          ? data
          : Float32Array.from(data);
    if (host.length > 0) this.ctx.write(out.buffer, host);
    return out;
  }

  async read(view: View<WebGPUStorage>): Promise<TypedArray> {
    const v = this.v('read', view);
    const n = numel(v.shape);
    const temps: WebGPUStorage[] = [];
    const c = this.contig('read', v, temps);
    try {
      const bytes =
        n === 0
          ? new ArrayBuffer(0)
          : await this.ctx.readBytes(c.storage.buffer, c.offset * BYTES, n * BYTES);
      return v.dtype === 'int32' ? new Int32Array(bytes) : new Float32Array(bytes);
    } finally {
      for (const t of temps) this.dispose(t);
    }
  }

  async readMany(views: readonly View<WebGPUStorage>[]): Promise<TypedArray[]> {
    const temps: WebGPUStorage[] = [];
    try {
      const parts = views.map((view) => {
        const v = this.v('read', view);
        const c = this.contig('read', v, temps);
        return { v, src: c.storage.buffer, offset: c.offset * BYTES, bytes: numel(v.shape) * BYTES };
      });
      const bytes = await this.ctx.readBytesMany(parts);
      return parts.map((p, i) =>
        p.v.dtype === 'int32' ? new Int32Array(bytes[i]) : new Float32Array(bytes[i]),
      );
    } finally {
      for (const t of temps) this.dispose(t);
    }
  }

  dispose(storage: WebGPUStorage): void {
    if (!(storage instanceof WebGPUStorage) || storage.disposed) return;
    storage.disposed = true;
    this.live--;
    this.liveBytes -= storage.size * BYTES;
    this.ctx.release(storage.buffer);
  }

  memory(): { readonly storages: number; readonly bytes: number } {
    return { storages: this.live, bytes: this.liveBytes };
  }

  // --- device-level -----------------------------------------------------------------------------
  sync(): Promise<void> {
    return this.ctx.finish();
  }

  compileMs(): number {
    return this.ctx.compileMs;
  }

  gpuMemory(): {
    readonly allocatedBytes: number;
    readonly pooledBytes: number;
    readonly peakBytes: number;
    readonly liveBytes: number;
  } {
    const pool = this.ctx.pool;
    return {
      allocatedBytes: pool.allocatedBytes,
      pooledBytes: pool.pooledBytes,
      peakBytes: pool.peakBytes,
      liveBytes: this.liveBytes,
    };
  }

  stepProfile(): StepProfile {
    return this.ctx.stepProfile();
  }

  profile(on: boolean): void {
    this.ctx.setProfiling(on);
  }

  profileReport(): Promise<
    readonly { readonly label: string; readonly count: number; readonly ms: number }[]
  > {
    return this.ctx.profile();
  }

  releasePooledMemory(): void {
    this.ctx.flush();
    this.ctx.pool.trim(0);
  }

  destroy(): void {
    this.ctx.destroy(this.owned);
  }
}
