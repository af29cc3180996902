import type { DType, Storage, TypedArray, View } from '../../backend.js';
import { BYTES_PER_ELEMENT, allocArray } from '../../dtype.js';

/** CPU storage: a typed array in host memory. */
export class CpuStorage implements Storage {
  readonly backend = 'cpu';
  constructor(
    readonly dtype: DType,
    readonly data: TypedArray,
  ) {}
  get size(): number {
    return this.data.length;
  }
}

/** Live storages and bytes of the CPU backend. */
export const cpuStats = { storages: 0, bytes: 0 };

/** Wraps a typed array as a new tracked storage. */
export function wrap(dtype: DType, data: TypedArray): CpuStorage {
  cpuStats.storages++;
  cpuStats.bytes += data.length * BYTES_PER_ELEMENT[dtype];
  return new CpuStorage(dtype, data);
}

/** A new zero-filled storage. */
export function alloc(dtype: DType, size: number): CpuStorage {
  return wrap(dtype, allocArray(dtype, size));
}

export function release(s: CpuStorage): void {
  cpuStats.storages--;
  cpuStats.bytes -= s.data.length * BYTES_PER_ELEMENT[s.dtype];
}

/** The typed array behind a view; throws a clear error for a storage from another backend. */
export function arr(v: View): TypedArray {
  const s = v.storage as CpuStorage;
  if (!(s instanceof CpuStorage)) throw new Error(`cpu backend: got a storage of backend ${v.storage.backend}`);
  return s.data;
}
