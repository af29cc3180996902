/// <reference types="@webgpu/types" />
/**
 * Size-bucketed pool of GPU buffers. Sizes are rounded up to one of four steps per power of two
 * (1, 1.25, 1.5, 1.75 x 2^k), so a freed buffer is reused by any request in its bucket and at most 25%
 * of a buffer is wasted. Freed buffers may still be read by commands that are encoded but not yet
 * submitted, so `release` parks them until the owner calls `recycle()` right after `queue.submit`:
 * only then can a `queue.writeBuffer` into a reused buffer not overtake earlier work.
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

export class BufferPool {
  private readonly free = new Map<string, GPUBuffer[]>();
  private parked: GPUBuffer[] = [];
  private freeBytes = 0;
  /** Bytes of all buffers created and not destroyed (live + free + parked). */
  allocatedBytes = 0;

  constructor(
    private readonly device: GPUDevice,
    private readonly maxFreeBytes: number,
  ) {}

  private static key(size: number, usage: number): string {
    return `${usage}:${size}`;
  }

  acquire(bytes: number, usage: number): GPUBuffer {
    const size = bucketSize(bytes);
    const list = this.free.get(BufferPool.key(size, usage));
    const hit = list?.pop();
    if (hit) {
      this.freeBytes -= size;
      return hit;
    }
    const buffer = this.device.createBuffer({ size, usage });
    this.allocatedBytes += size;
    return buffer;
  }

  /**
   * Returns a buffer. It becomes reusable at the next `recycle()`, or at once with `immediate` (when
   * the caller knows no unsubmitted command uses it).
   */
  release(buffer: GPUBuffer, immediate = false): void {
    this.parked.push(buffer);
    if (immediate) this.recycle();
  }

  /** Call right after a submit: parked buffers become reusable; the pool is trimmed to its budget. */
  recycle(): void {
    for (const b of this.parked) {
      const k = BufferPool.key(b.size, b.usage);
      const list = this.free.get(k);
      if (list) list.push(b);
      else this.free.set(k, [b]);
      this.freeBytes += b.size;
    }
    this.parked = [];
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
        b.destroy();
      }
      if (list.length === 0) this.free.delete(k);
    }
  }

  get pooledBytes(): number {
    return this.freeBytes;
  }
}
