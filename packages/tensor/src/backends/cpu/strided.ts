/**
 * Layout helpers for strided loops: dims that are contiguous for every operand are merged and size-1
 * dims dropped, so most broadcasts become a 2-3 level loop with a long unit-stride inner row.
 */

export interface Collapsed {
  shape: number[];
  strides: number[][];
}

/** Merges dims (i, i+1) when strides[k][i] == strides[k][i+1] * shape[i+1] for every operand k. */
export function collapse(shape: readonly number[], strides: readonly (readonly number[])[]): Collapsed {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const last = outShape.length - 1;
    if (last >= 0 && strides.every((s, k) => outStrides[k][last] === s[d] * shape[d])) {
      outShape[last] *= shape[d];
      for (let k = 0; k < strides.length; k++) outStrides[k][last] = strides[k][d];
    } else {
      outShape.push(shape[d]);
      for (let k = 0; k < strides.length; k++) outStrides[k].push(strides[k][d]);
    }
  }
  return { shape: outShape, strides: outStrides };
}

/** Element offsets of a strided layout in row-major order (for gathers and arg-reductions). */
export function offsets(shape: readonly number[], strides: readonly number[], base: number): Float64Array {
  let n = 1;
  for (const d of shape) n *= d;
  const out = new Float64Array(n);
  if (n === 0) return out;
  const nd = shape.length;
  const idx = new Array<number>(nd).fill(0);
  let p = base;
  for (let i = 0; i < n; i++) {
    out[i] = p;
    for (let d = nd - 1; d >= 0; d--) {
      p += strides[d];
      if (++idx[d] < shape[d]) break;
      p -= strides[d] * shape[d];
      idx[d] = 0;
    }
  }
  return out;
}
