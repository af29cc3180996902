/**
 * Always-on counters of the WebGPU command stream, taken per window (a training step, typically):
 * what the host asked of the device, so that a step's cost can be measured without a GPU (on
 * SwiftShader the counts are the same as on any adapter with the same limits).
 */
import type { BufferPool } from './buffer-pool.js';

/** Dispatch count and host time of one op kind (the kernel label, e.g. 'conv2d', 'add', 'sgd'). */
export interface OpKindProfile {
  readonly count: number;
  /** Host milliseconds spent encoding these dispatches (bind group, uniforms, pass commands). */
  readonly hostMs: number;
}

/**
 * What one window of work (from one `stepProfile()` call to the next) cost. Returned by
 * `WebGPUBackend.stepProfile()`.
 */
export interface StepProfile {
  /** Compute dispatches encoded. */
  readonly dispatches: number;
  /** Buffer-to-buffer copies encoded (reads' staging copies included). */
  readonly copies: number;
  /** Command buffers submitted. */
  readonly submits: number;
  /** Pipelines created (shader compilations), and the host milliseconds they took. */
  readonly pipelineCompiles: number;
  readonly compileMs: number;
  /** GPU buffers created, and their bytes (each is zero-filled by the implementation). */
  readonly bufferAllocations: number;
  readonly allocatedBytes: number;
  /** GPU buffers destroyed (only when a `poolBytes` budget or `releasePooledMemory()` trims). */
  readonly buffersDestroyed: number;
  /** Host-to-device uploads of data (`fromArray`, constant tables) and their bytes. */
  readonly uploads: number;
  readonly bytesUploaded: number;
  /** Bytes of uniform parameter blocks written (one small block per dispatch). */
  readonly uniformBytes: number;
  /** Device-to-host reads (`read`, i.e. `tensor.data()`), and their bytes. */
  readonly reads: number;
  readonly bytesRead: number;
  /**
   * Reads that blocked encoding: nothing was encoded between the read's request and its result,
   * and then more work was encoded in the same window. The GPU had drained and sat idle while the
   * host encoded what came after (e.g. a loss read in the middle of a step).
   */
  readonly blockingReads: number;
  /** GPU buffer bytes at the end of the window: all created and not destroyed, and the peak so far. */
  readonly deviceBytes: number;
  readonly peakDeviceBytes: number;
  /** Host milliseconds of the window (wall time between the two `stepProfile()` calls). */
  readonly wallMs: number;
  /** Per op kind (kernel label): dispatches and host encoding time, most dispatches first. */
  readonly byKind: Readonly<Record<string, OpKindProfile>>;
}

/** A read in flight: the window and dispatch count when it was requested. */
export interface ReadToken {
  readonly window: number;
  readonly encodedAt: number;
}

export class StepCounters {
  private window = 0;
  private totalEncoded = 0;
  private blockedPending = 0;
  private start = performance.now();
  private base = { created: 0, createdBytes: 0, destroyed: 0 };
  dispatches = 0;
  copies = 0;
  submits = 0;
  compiles = 0;
  compileMs = 0;
  uploads = 0;
  uploadBytes = 0;
  uniformBytes = 0;
  reads = 0;
  readBytes = 0;
  blockingReads = 0;
  private kinds = new Map<string, { count: number; hostMs: number }>();

  /** Starts a window (counts relative to the pool's counters now). */
  reset(pool: BufferPool): void {
    const c = pool.counters;
    this.base = { created: c.created, createdBytes: c.createdBytes, destroyed: c.destroyed };
    this.dispatches = 0;
    this.copies = 0;
    this.submits = 0;
    this.compiles = 0;
    this.compileMs = 0;
    this.uploads = 0;
    this.uploadBytes = 0;
    this.uniformBytes = 0;
    this.reads = 0;
    this.readBytes = 0;
    this.blockingReads = 0;
    this.blockedPending = 0;
    this.kinds = new Map();
    this.start = performance.now();
    this.window++;
  }

  compiled(ms: number): void {
    this.compiles++;
    this.compileMs += ms;
  }

  dispatched(label: string, hostMs: number): void {
    this.dispatches++;
    const k = this.kinds.get(label);
    if (k) {
      k.count++;
      k.hostMs += hostMs;
    } else this.kinds.set(label, { count: 1, hostMs });
  }

  /** Any command encoded (dispatch or copy). */
  encoded(): void {
    this.totalEncoded++;
    if (this.blockedPending > 0) {
      this.blockingReads += this.blockedPending;
      this.blockedPending = 0;
    }
  }

  readRequested(bytes: number): ReadToken {
    this.reads++;
    this.readBytes += bytes;
    return { window: this.window, encodedAt: this.totalEncoded };
  }

  /** The read's data arrived: it blocked encoding if nothing was encoded meanwhile in its window. */
  readDone(t: ReadToken): void {
    if (t.window === this.window && this.totalEncoded <= t.encodedAt) this.blockedPending++;
  }

  /** The counts of the current window, then starts a new one. */
  take(pool: BufferPool): StepProfile {
    const c = pool.counters;
    const byKind: Record<string, OpKindProfile> = {};
    for (const [label, k] of [...this.kinds].sort((a, b) => b[1].count - a[1].count))
      byKind[label] = { ...k };
    const out: StepProfile = {
      dispatches: this.dispatches,
      copies: this.copies,
      submits: this.submits,
      pipelineCompiles: this.compiles,
      compileMs: this.compileMs,
      bufferAllocations: c.created - this.base.created,
      allocatedBytes: c.createdBytes - this.base.createdBytes,
      buffersDestroyed: c.destroyed - this.base.destroyed,
      uploads: this.uploads,
      bytesUploaded: this.uploadBytes,
      uniformBytes: this.uniformBytes,
      reads: this.reads,
      bytesRead: this.readBytes,
      blockingReads: this.blockingReads,
      deviceBytes: pool.allocatedBytes,
      peakDeviceBytes: pool.peakBytes,
      wallMs: performance.now() - this.start,
      byKind,
    };
    this.reset(pool);
    return out;
  }
}

/** A one-screen text summary of a step profile (for logs and the benchmark). */
export function formatStepProfile(p: StepProfile, top = 8): string {
  const mb = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
  const kinds = Object.entries(p.byKind)
    .slice(0, top)
    .map(([k, v]) => `${k} ${v.count}`)
    .join(', ');
  return [
    `dispatches ${p.dispatches} (copies ${p.copies}, submits ${p.submits})`,
    `compiles ${p.pipelineCompiles}`,
    `buffers created ${p.bufferAllocations} (${mb(p.allocatedBytes)}), destroyed ${p.buffersDestroyed}`,
    `uploaded ${mb(p.bytesUploaded)} in ${p.uploads}`,
    `reads ${p.reads} (${p.bytesRead} B, ${p.blockingReads} blocking)`,
    `device ${mb(p.deviceBytes)} (peak ${mb(p.peakDeviceBytes)})`,
    `top kinds: ${kinds}`,
  ].join('; ');
}
