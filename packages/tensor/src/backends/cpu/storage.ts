import type { DType, Storage, TypedArray, View } from '../../backend.js';
import { allocArray, BYTES_PER_ELEMENT } from '../../dtype.js';

/**
 * How a backend that shares the CPU storages (the native backend) may hold a storage's elements in
 * another order than row-major, e.g. oneDNN's channel-blocked nChw8c between two convolutions, so
 * that the next kernel reads them without a reorder. Every other reader sees row-major elements:
 * the first access to {@link CpuStorage.data} calls `restore` once.
 */
export interface DeferredLayout {
  /** For messages, e.g. 'nChw8c [64, 32, 32, 32]'. */
  readonly name: string;
  /** Writes the elements of `from` (in this layout) to `to` in row-major order; same length. */
  restore(from: TypedArray, to: TypedArray): void;
}

/** CPU storage: a typed array in host memory. */
export class CpuStorage implements Storage {
  readonly backend = 'cpu';
  #data: TypedArray;
  #layout: DeferredLayout | null = null;
  constructor(
    readonly dtype: DType,
    data: TypedArray,
  ) {
    this.#data = data;
  }
  /** The elements in row-major order (restored first when a backend left them in another layout). */
  get data(): TypedArray {
    if (this.#layout !== null) this.#restore();
    return this.#data;
  }
  get size(): number {
    return this.#data.length;
  }
  /** The layout the array is in, when it is not row-major (see {@link DeferredLayout}). */
  get layout(): DeferredLayout | null {
    return this.#layout;
  }
  /** The array as it is, in {@link layout}: for the backend that wrote that layout. */
  get rawData(): TypedArray {
    return this.#data;
  }
  /** Marks the array, just written by a kernel, as holding `layout` (null: row-major). */
  setLayout(layout: DeferredLayout | null): void {
    this.#layout = layout;
  }
  #restore(): void {
    const layout = this.#layout as DeferredLayout;
    // Out of place into a pooled array of the same size (no copy back), the old one goes to the pool.
    // If restoring throws, the storage keeps its layout (and its elements) for the next attempt.
    const plain = takeArray(this.dtype, this.#data.length);
    try {
      layout.restore(this.#data, plain);
    } catch (e) {
      giveArray(this.dtype, plain);
      throw e;
    }
    giveArray(this.dtype, this.#data);
    this.#data = plain;
    this.#layout = null;
  }
}

/** Live storages and bytes of the CPU backend (the free pool below is not counted). */
export const cpuStats = { storages: 0, bytes: 0 };

/**
 * Free list of disposed arrays, reused by size and dtype. Fresh multi-megabyte typed arrays cost
 * page faults, zeroing and GC pressure (measured: ~5 ms for a 1M-element float32 add, 0.5 ms with a
 * reused array), and training loops allocate the same sizes every step.
 * Only arrays of at least POOL_MIN elements are pooled, up to POOL_FLOOR_BYTES or the peak of live
 * bytes so far, whichever is larger: a training step frees and reallocates its whole working set, so
 * a pool smaller than it sends the rest back to the allocator and page faults every step (the paper's
 * 14-layer model, 75M parameters: 1.42 s a step with a 256 MB pool, 1.16 s with room for its peak).
 * Live plus pooled bytes stay near the peak: the pool is full when little is live and drains as the
 * next step allocates.
 */
const POOL_MIN = 1024;
const POOL_FLOOR_BYTES = 256 * 1024 * 1024;
const pool = new Map<string, TypedArray[]>();
let pooledBytes = 0;
let peakLiveBytes = 0;

/** Bytes currently held in the reuse pool (not live data). */
export function pooledMemory(): number {
  return pooledBytes;
}

/** Empties the reuse pool (lets the GC reclaim it). */
export function releasePool(): void {
  pool.clear();
  pooledBytes = 0;
}

/** Wraps a typed array as a new tracked storage. */
export function wrap(dtype: DType, data: TypedArray): CpuStorage {
  cpuStats.storages++;
  cpuStats.bytes += data.length * BYTES_PER_ELEMENT[dtype];
  if (cpuStats.bytes > peakLiveBytes) peakLiveBytes = cpuStats.bytes;
  return new CpuStorage(dtype, data);
}

/** A new storage whose contents are unspecified: for kernels that overwrite every element. */
export function alloc(dtype: DType, size: number): CpuStorage {
  return wrap(dtype, takeArray(dtype, size));
}

/** An array from the pool, or a fresh one. */
function takeArray(dtype: DType, size: number): TypedArray {
  if (size >= POOL_MIN) {
    const reused = pool.get(`${dtype}:${size}`)?.pop();
    if (reused) {
      pooledBytes -= size * BYTES_PER_ELEMENT[dtype];
      return reused;
    }
  }
  return allocArray(dtype, size);
}

/** Puts an array no storage uses any more into the pool, while the pool has room. */
function giveArray(dtype: DType, data: TypedArray): void {
  const bytes = data.length * BYTES_PER_ELEMENT[dtype];
  if (data.length >= POOL_MIN && pooledBytes + bytes <= Math.max(POOL_FLOOR_BYTES, peakLiveBytes)) {
    const key = `${dtype}:${data.length}`;
    const free = pool.get(key);
    if (free) free.push(data);
    else pool.set(key, [data]);
    pooledBytes += bytes;
  }
}

/** A new zero-filled storage. */
export function allocZeroed(dtype: DType, size: number): CpuStorage {
  const s = alloc(dtype, size);
  s.data.fill(0);
  return s;
}

export function release(s: CpuStorage): void {
  cpuStats.storages--;
  cpuStats.bytes -= s.size * BYTES_PER_ELEMENT[s.dtype];
  giveArray(s.dtype, s.rawData);
}

/** The typed array behind a view; throws a clear error for a storage from another backend. */
export function arr(v: View): TypedArray {
  const s = v.storage as CpuStorage;
  if (!(s instanceof CpuStorage))
    throw new Error(`cpu backend: got a storage of backend ${v.storage.backend}`);
  return s.data;
}
