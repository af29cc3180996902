/// <reference types="@webgpu/types" />
/**
 * Size-bucketed pool of GPU buffers. Sizes are rounded up to one of four steps per power of two
 * (1, 1.25, 1.5, 1.75 x 2^k), so a freed buffer is reused by any request in its bucket and at most 25%
 * of a buffer is wasted.
 *
 * Reuse rules, from WebGPU's ordering: commands in one command buffer run in encoding order, but
 * `queue.writeBuffer` runs before any command buffer submitted after it. So a buffer released while
 * commands that use it are encoded but not yet submitted ("pending") may at once become the output of
 * a later kernel (its writes are ordered after the earlier reads), but must not be the target of a
 * `writeBuffer` until that command buffer is submitted: `acquire(..., forWrite = true)` takes only
 * buffers released before the last submit. The owner calls `recycle()` right after `queue.submit`.
 *
 * By default the pool never destroys a free buffer (it grows to the peak working set of the first
 * steps and then serves every request: no buffer churn in a training loop); `maxFreeBytes` caps the
 * free part, and `trim()` / `releasePooledMemory()` return memory on request.
 */

/** Buffer usage flags (GPUBufferUsage), spelled out because dawn.node does not define the globals. */
export const Usage = {
  MAP_READ: 0x1,
  COPY_SRC: 0x4,
  COPY_DST: 0x8,
  UNIFORM: 0x40,
  STORAGE: 0x80,
} as const;

/** The bucket size (bytes) for a request of `bytes`: >= bytes, multiple of 16, 4 steps per octave. */
export function bucketSize(bytes: number): number {
  const b = Math.max(16, Math.ceil(bytes));
  if (b <= 64) return Math.ceil(b / 16) * 16;
  const octave = 2 ** Math.floor(Math.log2(b));
  const step = octave / 4;
  return Math.ceil(b / step) * step;
}

/** Counters of buffer creation since the pool was made (the step profile takes differences). */
export interface PoolCounters {
  /** GPUBuffers created. */
  created: number;
  /** Bytes of the buffers created. */
  createdBytes: number;
  /** GPUBuffers destroyed (trimmed). */
  destroyed: number;
  /** Requests served by a free buffer. */
  reused: number;
}

export class BufferPool {
  /** Free buffers released before the last submit: reusable for anything. */
  private readonly free = new Map<string, GPUBuffer[]>();
  /** Buffers released since the last submit: reusable as kernel outputs only (see the header). */
  private readonly pending = new Map<string, GPUBuffer[]>();
  private freeBytes = 0;
  private pendingBytes = 0;
  /** Bytes of all buffers created and not destroyed (live + free + pending). */
  allocatedBytes = 0;
  /** Largest `allocatedBytes` so far. */
  peakBytes = 0;
  readonly counters: PoolCounters = { created: 0, createdBytes: 0, destroyed: 0, reused: 0 };

  constructor(
    private readonly device: GPUDevice,
    private readonly maxFreeBytes = Number.POSITIVE_INFINITY,
  ) {}

  private static key(size: number, usage: number): string {
    return `${usage}:${size}`;
  }

  /**
   * A buffer of at least `bytes` with `usage`. `forWrite`: the caller will `queue.writeBuffer` into
   * it, so buffers released since the last submit are not eligible.
   */
  acquire(bytes: number, usage: number, forWrite = false): GPUBuffer {
    const size = bucketSize(bytes);
    const k = BufferPool.key(size, usage);
    if (!forWrite) {
      const p = this.pending.get(k)?.pop();
      if (p) {
        this.pendingBytes -= size;
        this.counters.reused++;
        return p;
      }
    }
    const hit = this.free.get(k)?.pop();
    if (hit) {
      this.freeBytes -= size;
      this.counters.reused++;
      return hit;
    }
    const buffer = this.device.createBuffer({ size, usage });
    this.allocatedBytes += size;
    this.peakBytes = Math.max(this.peakBytes, this.allocatedBytes);
    this.counters.created++;
    this.counters.createdBytes += size;
    return buffer;
  }

  /**
   * Returns a buffer. With `immediate` (the caller knows no unsubmitted command uses it) it is free
   * for any use at once; otherwise it may serve kernel outputs at once and writes after `recycle()`.
   */
  release(buffer: GPUBuffer, immediate = false): void {
    const target = immediate ? this.free : this.pending;
    const k = BufferPool.key(buffer.size, buffer.usage);
    const list = target.get(k);
    if (list) list.push(buffer);
    else target.set(k, [buffer]);
    if (immediate) this.freeBytes += buffer.size;
    else this.pendingBytes += buffer.size;
  }

  /** Call right after a submit: pending buffers become free; the pool is trimmed to its budget. */
  recycle(): void {
    for (const [k, list] of this.pending) {
      const dst = this.free.get(k);
      if (dst) dst.push(...list);
      else this.free.set(k, list);
    }
    this.pending.clear();
    this.freeBytes += this.pendingBytes;
    this.pendingBytes = 0;
    if (this.freeBytes > this.maxFreeBytes) this.trim(this.maxFreeBytes);
  }

  /** Destroys free buffers (largest buckets first) until at most `keepBytes` stay pooled. */
  trim(keepBytes = 0): void {
    const keys = [...this.free.keys()].sort((x, y) => Number(y.split(':')[1]) - Number(x.split(':')[1]));
    for (const k of keys) {
      const list = this.free.get(k) ?? [];
      while (list.length > 0 && this.freeBytes > keepBytes) {
        const b = list.pop() as GPUBuffer;
        this.freeBytes -= b.size;
        this.allocatedBytes -= b.size;
        this.counters.destroyed++;
        b.destroy();
      }
      if (list.length === 0) this.free.delete(k);
    }
  }

  /** Bytes of free buffers (released and not yet reused), including those pending a submit. */
  get pooledBytes(): number {
    return this.freeBytes + this.pendingBytes;
  }
}
