import type { DType, TypedArray } from './backend.js';
import { DTypeError } from './errors.js';

/** Bytes per element of each dtype. */
export const BYTES_PER_ELEMENT: Record<DType, number> = { float32: 4, float64: 8, int32: 4 };

const DTYPES: readonly DType[] = ['float32', 'float64', 'int32'];

/** Throws a DTypeError unless `d` is one of the three supported dtypes. */
export function checkDType(op: string, d: unknown): DType {
  if (!DTYPES.includes(d as DType)) {
    throw new DTypeError(`${op}: unknown dtype ${String(d)} (expected float32, float64 or int32)`);
  }
  return d as DType;
}

/** True for float32 and float64: the dtypes that can carry gradients. */
export function isFloat(d: DType): boolean {
  return d !== 'int32';
}

/**
 * dtype promotion of a binary op: int32 with a float gives the float; float32 with float64 gives
 * float64 (the same lattice as PyTorch restricted to these three types).
 */
export function promote(a: DType, b: DType): DType {
  if (a === b) return a;
  if (a === 'float64' || b === 'float64') return 'float64';
  return 'float32';
}

/** Allocates a zeroed typed array of `size` elements for `dtype`. */
export function allocArray(dtype: DType, size: number): TypedArray {
  if (dtype === 'float32') return new Float32Array(size);
  if (dtype === 'float64') return new Float64Array(size);
  return new Int32Array(size);
}

/** The dtype that a typed array stores. */
export function dtypeOfArray(a: TypedArray): DType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  return 'int32';
}
