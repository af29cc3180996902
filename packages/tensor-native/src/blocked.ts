// Activations kept in oneDNN's channel-blocked layout between native kernels.
//
// oneDNN's convolutions run on nChw8c (AVX2) or nChw16c (AVX-512) activations. Reordering every
// input from NCHW and every output back costs two passes over each activation per convolution and
// pass, about a tenth of a convnet's training step on two cores. So a convolution may leave its
// output blocked (when the channels are a multiple of the block, the blocked array has exactly
// N*C*H*W elements and fits the same storage), tagged with a BlockedLayout; the next convolution,
// ReLU, PReLU, their gradients, max pooling or bias-gradient sum reads it as it is, and any other
// reader (dataSync, a JS kernel, another backend) gets row-major elements because CpuStorage restores
// them on first access.
import type { CpuStorage, DeferredLayout, TypedArray, View } from '@rectifier/tensor';

export type ToPlain = (from: Float32Array, to: Float32Array, block: number, dims: Float64Array) => void;

/** nChw{block}c of an [N, C, H, W] activation. */
export class BlockedLayout implements DeferredLayout {
  readonly name: string;
  readonly #dims: Float64Array;
  constructor(
    readonly block: number,
    readonly dims: readonly number[],
    private readonly toPlain: ToPlain,
  ) {
    this.name = `nChw${block}c [${dims.join(', ')}]`;
    this.#dims = Float64Array.from(dims);
  }
  restore(from: TypedArray, to: TypedArray): void {
    this.toPlain(from as Float32Array, to as Float32Array, this.block, this.#dims);
  }
  /** The same element order as `other` (same block and dims). */
  matches(other: BlockedLayout): boolean {
    return this.block === other.block && this.dims.every((d, i) => d === other.dims[i]);
  }
}

const elements = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Row-major contiguous from offset 0 over the whole storage (strides of size-1 axes aside). */
function coversStorage(v: View): boolean {
  if (v.offset !== 0 || elements(v.shape) !== (v.storage as CpuStorage).size) return false;
  let n = 1;
  for (let i = v.shape.length - 1; i >= 0; i--) {
    if (v.shape[i] !== 1 && v.strides[i] !== n) return false;
    n *= v.shape[i];
  }
  return true;
}

/**
 * The blocked layout of a view's storage when a kernel may read the storage as it is: the view
 * covers the whole storage in row-major order and, for a kernel that reads it as an activation
 * (`asActivation`: a convolution, pooling, a sum over its planes), has the layout's own dims (a
 * reshape that regroups channels covers the storage too, but its channel blocks are not the
 * layout's). Null otherwise (the kernel then reads `data`, which restores row-major).
 */
export function blockedLayoutOf(v: View, asActivation = false): BlockedLayout | null {
  const layout = (v.storage as CpuStorage).layout;
  if (!(layout instanceof BlockedLayout) || !coversStorage(v)) return null;
  const dims = layout.dims;
  if (asActivation && !(v.shape.length === dims.length && dims.every((d, i) => d === v.shape[i])))
    return null;
  return layout;
}

/** The array of a view whose storage is in `layout` (from blockedLayoutOf), without restoring it. */
export const rawF32 = (v: View) => (v.storage as CpuStorage).rawData as Float32Array;
