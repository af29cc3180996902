/// <reference types="@webgpu/types" />
/**
 * Optional per-kernel GPU timing with `timestamp-query`: while enabled, every dispatch gets its own
 * compute pass whose begin/end timestamps land in a query set; at each submit the timestamps are
 * resolved and read back asynchronously and summed per kernel label. For benchmarks and tuning only
 * (separate passes and readbacks cost time).
 */
import { Usage } from './buffer-pool.js';

const CAPACITY = 2048; // dispatches per submit (two queries each)

export interface KernelTime {
  readonly label: string;
  readonly count: number;
  readonly ms: number;
}

export class Profiler {
  private readonly querySet: GPUQuerySet;
  private readonly resolveBuf: GPUBuffer;
  private labels: string[] = [];
  private readonly totals = new Map<string, { count: number; ns: number }>();
  private pending: Promise<void>[] = [];

  constructor(private readonly device: GPUDevice) {
    this.querySet = device.createQuerySet({ type: 'timestamp', count: 2 * CAPACITY });
    this.resolveBuf = device.createBuffer({
      size: 16 * CAPACITY,
      usage: 0x200 /* QUERY_RESOLVE */ | Usage.COPY_SRC,
    });
  }

  /** Whether another dispatch fits in this submit. */
  get full(): boolean {
    return this.labels.length >= CAPACITY;
  }

  /** Pass descriptor that times the next dispatch, recorded under `label`. */
  passDescriptor(label: string): GPUComputePassDescriptor {
    const i = this.labels.length;
    this.labels.push(label);
    return {
      timestampWrites: {
        querySet: this.querySet,
        beginningOfPassWriteIndex: 2 * i,
        endOfPassWriteIndex: 2 * i + 1,
      },
    };
  }

  /** Encodes the resolve of this submit's timestamps; the returned callback runs after the submit. */
  encodeResolve(encoder: GPUCommandEncoder): (() => void) | null {
    const n = this.labels.length;
    if (n === 0) return null;
    const labels = this.labels;
    this.labels = [];
    const bytes = 16 * n;
    const staging = this.device.createBuffer({ size: bytes, usage: Usage.MAP_READ | Usage.COPY_DST });
    encoder.resolveQuerySet(this.querySet, 0, 2 * n, this.resolveBuf, 0);
    encoder.copyBufferToBuffer(this.resolveBuf, 0, staging, 0, bytes);
    return () => {
      this.pending.push(
        staging.mapAsync(1).then(() => {
          const t = new BigUint64Array(staging.getMappedRange().slice(0));
          labels.forEach((label, i) => {
            const ns = Number((t[2 * i + 1] as bigint) - (t[2 * i] as bigint));
            const e = this.totals.get(label) ?? { count: 0, ns: 0 };
            e.count++;
            e.ns += Math.max(0, ns);
            this.totals.set(label, e);
          });
          staging.unmap();
          staging.destroy();
        }),
      );
    };
  }

  /** Per-label totals so far (waits for outstanding readbacks), largest first; `reset` clears them. */
  async report(reset = true): Promise<KernelTime[]> {
    const p = this.pending;
    this.pending = [];
    await Promise.all(p);
    const out = [...this.totals]
      .map(([label, e]) => ({ label, count: e.count, ms: e.ns / 1e6 }))
      .sort((a, b) => b.ms - a.ms);
    if (reset) this.totals.clear();
    return out;
  }

  destroy(): void {
    this.querySet.destroy();
    this.resolveBuf.destroy();
  }
}
