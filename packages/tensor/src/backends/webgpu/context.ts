/// <reference types="@webgpu/types" />
/**
 * The command stream of one WebGPU device: pipeline cache, buffer pools, a lazily submitted command
 * encoder, uniform parameters, readback, and error reporting. WebGPU validation errors never throw on
 * their own, so every submit and pipeline creation runs inside error scopes; the first error (or a
 * lost device) is rethrown as a JavaScript Error by the next operation or `read`.
 */
import { BufferPool, Usage } from './buffer-pool.js';
import { type KernelTime, Profiler } from './profiler.js';
import { stableStringify } from './stable-key.js';
import { StepCounters, type StepProfile } from './step-profile.js';

/** Largest workgroup count per dispatch dimension guaranteed by WebGPU. */
export const MAX_GROUPS = 65535;
/** Dispatches encoded before the batch is submitted even without a read. */
const FLUSH_EVERY = 48;

/** Splits a 1-D workgroup count over x and y (kernels recompute the linear id with num_workgroups). */
export function grid(groups: number): [number, number, number] {
  if (groups <= MAX_GROUPS) return [Math.max(1, groups), 1, 1];
  const y = Math.ceil(groups / MAX_GROUPS);
  return [Math.ceil(groups / y), y, 1];
}

/** WGSL helper shared by kernels: the flat workgroup id of a dispatch laid out by `grid`. */
export const WGSL_FLAT_GROUP = /* wgsl */ `
fn flatGroup(wid: vec3<u32>, nwg: vec3<u32>) -> u32 { return wid.x + wid.y * nwg.x; }`;

/** A binding: a whole buffer. */
export type Binding = GPUBuffer;

export class GpuContext {
  readonly queue: GPUQueue;
  readonly pool: BufferPool;
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private encoded = 0;
  private flushScheduled = false;
  private scopes: Promise<void>[] = [];
  private errors: string[] = [];
  private lostReason: string | null = null;
  private destroyed = false;
  /** Milliseconds spent creating pipelines (shader compilation), for benchmarks. */
  compileMs = 0;
  private profiler: Profiler | null = null;
  /** Always-on counters of the command stream (see {@link StepProfile}). */
  private readonly counters = new StepCounters();

  /**
   * @param subgroups whether kernels may use subgroup operations with `subgroup_id`
   *   (see subgroup-probe.ts); kernels fall back to shared-memory trees otherwise
   */
  constructor(
    readonly device: GPUDevice,
    poolBytes: number,
    readonly subgroups = false,
  ) {
    this.queue = device.queue;
    this.pool = new BufferPool(device, poolBytes);
    this.counters.reset(this.pool);
    device.lost.then((info) => {
      if (!this.destroyed) this.lostReason = `${info.reason}: ${info.message}`;
    });
    device.addEventListener('uncapturederror', (ev) => {
      const e = (ev as GPUUncapturedErrorEvent).error;
      this.record(`WebGPU error: ${e.message}`);
    });
  }

  private record(message: string): void {
    // keep the first few: the first is the cause, later ones are usually consequences
    if (this.errors.length < 4) this.errors.push(message);
  }

  /** Throws if the device was lost or an earlier command failed validation. */
  check(op: string): void {
    if (this.destroyed) throw new Error(`webgpu.${op}: the backend was destroyed`);
    if (this.lostReason) throw new Error(`webgpu.${op}: the GPU device was lost (${this.lostReason})`);
    if (this.errors.length > 0) {
      // causes (shader compilation, pipeline creation) before their consequences
      const rank = (m: string) => (m.startsWith('WGSL') ? 0 : m.startsWith('pipeline') ? 1 : 2);
      const e = this.errors.sort((x, y) => rank(x) - rank(y));
      this.errors = [];
      throw new Error(`webgpu.${op}: an earlier GPU command failed: ${e.join('\n')}`);
    }
  }

  private watch(label: string, filters: GPUErrorFilter[]): void {
    for (let i = filters.length - 1; i >= 0; i--) {
      const p = this.device.popErrorScope().then(
        (err) => {
          if (err) this.record(`${label}: ${err.message}`);
        },
        (e: Error) => this.record(`${label}: ${e.message}`),
      );
      this.scopes.push(p);
    }
  }

  /** The cached pipeline for `options` (a typed, JSON-like description); `source` builds its WGSL. */
  pipeline(options: { readonly kernel: string }, source: () => string): GPUComputePipeline {
    const key = stableStringify(options);
    let p = this.pipelines.get(key);
    if (p) return p;
    const filters: GPUErrorFilter[] = ['validation', 'internal', 'out-of-memory'];
    for (const f of filters) this.device.pushErrorScope(f);
    const t0 = performance.now();
    const code = source();
    const module = this.device.createShaderModule({ code, label: options.kernel });
    p = this.device.createComputePipeline({
      layout: 'auto',
      label: key.length > 200 ? options.kernel : key,
      compute: { module, entryPoint: 'main' },
    });
    const ms = performance.now() - t0;
    this.compileMs += ms;
    this.counters.compiled(ms);
    this.watch(`pipeline ${key}`, filters);
    module.getCompilationInfo?.().then((info) => {
      const errs = info.messages.filter((m) => m.type === 'error');
      if (errs.length > 0) {
        this.record(
          `WGSL of ${options.kernel} failed to compile: ${errs.map((m) => `${m.lineNum}:${m.linePos} ${m.message}`).join('; ')}`,
        );
      }
    });
    this.pipelines.set(key, p);
    return p;
  }

  /**
   * A storage buffer of at least `bytes` (pooled); usable as binding, copy source and destination.
   * `forWrite`: it will be filled with `write` (queue.writeBuffer), so it must not be one released
   * since the last submit (see buffer-pool.ts); kernel outputs may take those at once.
   */
  storageBuffer(bytes: number, forWrite = false): GPUBuffer {
    return this.pool.acquire(bytes, Usage.STORAGE | Usage.COPY_SRC | Usage.COPY_DST, forWrite);
  }

  /**
   * The counters since the previous call (or since the device was created), then starts a new
   * window. See {@link StepProfile}.
   */
  stepProfile(): StepProfile {
    return this.counters.take(this.pool);
  }

  private computePass(label: string): GPUComputePassEncoder {
    if (this.profiler) {
      // one timed pass per dispatch
      if (this.profiler.full) this.flush();
      const enc = this.endPass();
      this.pass = enc.beginComputePass(this.profiler.passDescriptor(label));
      return this.pass;
    }
    if (!this.encoder) this.encoder = this.device.createCommandEncoder();
    if (!this.pass) this.pass = this.encoder.beginComputePass();
    return this.pass;
  }

  /** Turns per-kernel GPU timing on or off (needs the 'timestamp-query' feature). */
  setProfiling(on: boolean): void {
    if (on && !this.device.features.has('timestamp-query')) {
      throw new Error("webgpu.profile: the device lacks the 'timestamp-query' feature");
    }
    this.flush();
    if (on && !this.profiler) this.profiler = new Profiler(this.device);
    if (!on && this.profiler) {
      this.profiler.destroy();
      this.profiler = null;
    }
  }

  /** Per-kernel GPU times since the last report (empty when profiling is off). */
  async profile(): Promise<KernelTime[]> {
    await this.finish();
    return this.profiler ? this.profiler.report() : [];
  }

  private endPass(): GPUCommandEncoder {
    if (!this.encoder) this.encoder = this.device.createCommandEncoder();
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
    return this.encoder;
  }

  private afterEncode(): void {
    this.encoded++;
    this.counters.encoded();
    if (this.encoded >= FLUSH_EVERY) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(() => {
        this.flushScheduled = false;
        this.flush();
      });
    }
  }

  /**
   * Encodes one dispatch. `params` (u32 words; floats bit-cast) becomes a pooled uniform buffer bound
   * last; the WGSL declares it as `array<vec4<u32>, N>`.
   */
  dispatch(
    label: string,
    pipeline: GPUComputePipeline,
    buffers: readonly Binding[],
    params: Uint32Array | null,
    groups: readonly [number, number, number],
  ): void {
    const t0 = performance.now();
    const entries: GPUBindGroupEntry[] = buffers.map((buffer, binding) => ({
      binding,
      resource: { buffer },
    }));
    let ubuf: GPUBuffer | null = null;
    if (params) {
      ubuf = this.pool.acquire(params.byteLength, Usage.UNIFORM | Usage.COPY_DST, true);
      this.queue.writeBuffer(ubuf, 0, params.buffer, params.byteOffset, params.byteLength);
      this.counters.uniformBytes += params.byteLength;
      entries.push({ binding: buffers.length, resource: { buffer: ubuf } });
    }
    const bindGroup = this.device.createBindGroup({ label, layout: pipeline.getBindGroupLayout(0), entries });
    const pass = this.computePass(label);
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(groups[0], groups[1], groups[2]);
    if (ubuf) this.pool.release(ubuf);
    this.counters.dispatched(label, performance.now() - t0);
    this.afterEncode();
  }

  /** Returns a buffer to the pool (reusable at once when nothing is encoded but unsubmitted). */
  release(buffer: GPUBuffer): void {
    this.pool.release(buffer, this.encoder === null);
  }

  copy(src: GPUBuffer, srcOffset: number, dst: GPUBuffer, dstOffset: number, bytes: number): void {
    this.endPass().copyBufferToBuffer(src, srcOffset, dst, dstOffset, bytes);
    this.counters.copies++;
    this.afterEncode();
  }

  /**
   * Writes host data into a buffer that no unsubmitted command uses (one from
   * `storageBuffer(bytes, true)`).
   */
  write(dst: GPUBuffer, data: ArrayBufferView): void {
    this.queue.writeBuffer(dst, 0, data.buffer, data.byteOffset, data.byteLength);
    this.counters.uploads++;
    this.counters.uploadBytes += data.byteLength;
  }

  /** Submits everything encoded so far. */
  flush(): void {
    if (this.destroyed) return;
    if (this.encoder) {
      const enc = this.endPass();
      this.encoder = null;
      const afterSubmit = this.profiler?.encodeResolve(enc);
      const filters: GPUErrorFilter[] = ['validation', 'out-of-memory'];
      for (const f of filters) this.device.pushErrorScope(f);
      this.queue.submit([enc.finish()]);
      this.counters.submits++;
      this.watch('submit', filters);
      afterSubmit?.();
    }
    this.encoded = 0;
    this.pool.recycle();
  }

  /** Waits for outstanding error scopes; throws the first GPU error. */
  async settle(op: string): Promise<void> {
    const s = this.scopes;
    this.scopes = [];
    await Promise.all(s);
    this.check(op);
  }

  /** Copies `bytes` from `src` into host memory (after all earlier work). */
  async readBytes(src: GPUBuffer, offset: number, bytes: number): Promise<ArrayBuffer> {
    return (await this.readBytesMany([{ src, offset, bytes }]))[0];
  }

  /**
   * Copies several ranges into one staging buffer and maps it once: one read for all of them. Offsets
   * are 4-byte aligned (4-byte elements); each copy is rounded up to 4 bytes, as copyBufferToBuffer
   * needs, and each result is cut back to the bytes asked for.
   */
  async readBytesMany(
    parts: ReadonlyArray<{ src: GPUBuffer; offset: number; bytes: number }>,
  ): Promise<ArrayBuffer[]> {
    const padded = parts.map((p) => Math.ceil(p.bytes / 4) * 4);
    const total = Math.max(
      4,
      padded.reduce((a, b) => a + b, 0),
    );
    const staging = this.pool.acquire(total, Usage.MAP_READ | Usage.COPY_DST, true);
    const encoder = this.endPass();
    let at = 0;
    parts.forEach((p, i) => {
      if (padded[i] > 0) {
        encoder.copyBufferToBuffer(p.src, p.offset, staging, at, padded[i]);
        this.counters.copies++;
      }
      at += padded[i];
    });
    this.flush();
    const read = this.counters.readRequested(parts.reduce((a, p) => a + p.bytes, 0));
    try {
      await staging.mapAsync(1 /* GPUMapMode.READ */, 0, total);
    } catch (e) {
      await this.settle('read');
      throw new Error(`webgpu.read: mapAsync failed: ${(e as Error).message}`);
    }
    this.counters.readDone(read);
    const mapped = staging.getMappedRange(0, total);
    at = 0;
    const out = parts.map((p, i) => {
      const bytes = mapped.slice(at, at + p.bytes);
      at += padded[i];
      return bytes;
    });
    staging.unmap();
    this.pool.release(staging, true);
    await this.settle('read');
    return out;
  }

  /** Waits until the GPU has finished all submitted work. */
  async finish(): Promise<void> {
    this.flush();
    await this.queue.onSubmittedWorkDone();
    await this.settle('sync');
  }

  destroy(owned: boolean): void {
    this.flush();
    this.pool.trim(0);
    this.pipelines.clear();
    this.destroyed = true;
    if (owned) this.device.destroy();
  }
}
