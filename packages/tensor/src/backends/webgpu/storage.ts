/// <reference types="@webgpu/types" />
import type { DType, Storage, View } from '../../backend.js';
import { isContiguousLayout } from '../../shape.js';

/** A WebGPU storage: one pooled GPU buffer holding `size` float32 or int32 elements. */
export class WebGPUStorage implements Storage {
  readonly backend = 'webgpu';
  disposed = false;
  constructor(
    readonly dtype: DType,
    readonly size: number,
    readonly buffer: GPUBuffer,
  ) {}
}

export type GView = View<WebGPUStorage>;

/** WGSL scalar type of a dtype (float64 is rejected before this is reached). */
export function wgslType(dtype: DType): 'f32' | 'i32' {
  return dtype === 'int32' ? 'i32' : 'f32';
}

// Shape arithmetic is the core's (shape.ts); these names are the ones the WebGPU kernels use.
export { contiguousStrides, sizeOf as numel } from '../../shape.js';

/** Whether a view is row-major contiguous (size-1 axes may have any stride). */
export function isContiguous(v: { shape: readonly number[]; strides: readonly number[] }): boolean {
  return isContiguousLayout(v.shape, v.strides);
}

/**
 * Merges axes that every operand walks contiguously and drops size-1 axes, so kernels index fewer
 * dimensions. `strides[j]` are the strides of operand j over `shape`. Returns at least one axis.
 */
export function coalesce(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    const size = shape[d] as number;
    if (size === 1) continue;
    const last = outShape.length - 1;
    if (
      last >= 0 &&
      strides.every((st, j) => (outStrides[j] as number[])[last] === (st[d] as number) * size)
    ) {
      outShape[last] = (outShape[last] as number) * size;
      strides.forEach((st, j) => {
        (outStrides[j] as number[])[last] = st[d] as number;
      });
      continue;
    }
    outShape.push(size);
    strides.forEach((st, j) => {
      (outStrides[j] as number[]).push(st[d] as number);
    });
  }
  if (outShape.length === 0) {
    outShape.push(1);
    for (const s of outStrides) s.push(0);
  }
  return { shape: outShape, strides: outStrides };
}
