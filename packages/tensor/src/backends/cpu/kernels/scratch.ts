/**
 * Reusable scratch memory for the CPU kernels. Each kernel asks for a buffer by role; the pool keeps
 * one buffer per (role, dtype) and only grows it (to the next power of two), so steady-state training
 * steps allocate nothing. Fresh allocations are expensive on this VM (page faults cost about 11 us per
 * 4 KiB), which is why buffers are kept for the life of the module.
 *
 * Roles must not be used by two kernels that are active at the same time: `gemm` uses its own roles,
 * the convolutions use theirs, so conv -> gemm nesting is safe. Kernels are synchronous, so there is no
 * re-entrancy from other callers.
 */
import type { FloatArray } from '../../../backend.js';

const f64Pool = new Map<string, Float64Array>();
const f32Pool = new Map<string, Float32Array>();

function grownSize(size: number): number {
  // Round up to a power of two (at least 64) so that slowly growing requests reallocate rarely.
  let s = 64;
  while (s < size) s *= 2;
  return s;
}

/**
 * A Float64Array of at least `size` elements for `role`. Contents are unspecified (left over from the
 * previous use); callers must write before they read.
 *
 * @example
 * const packed = scratchF64('gemm:a', 64 * 256);
 */
export function scratchF64(role: string, size: number): Float64Array {
  let buf = f64Pool.get(role);
  if (buf === undefined || buf.length < size) {
    buf = new Float64Array(grownSize(size));
    f64Pool.set(role, buf);
  }
  return buf;
}

/**
 * A scratch array of the same element type as `like`, at least `size` elements, for `role`.
 * Contents are unspecified.
 *
 * @example
 * const col = scratchLike(x, 'conv:col', k * s); // Float32Array when x is one
 */
export function scratchLike(like: FloatArray, role: string, size: number): FloatArray {
  if (like instanceof Float64Array) return scratchF64(`like:${role}`, size);
  let buf = f32Pool.get(role);
  if (buf === undefined || buf.length < size) {
    buf = new Float32Array(grownSize(size));
    f32Pool.set(role, buf);
  }
  return buf;
}

/**
 * Drops every cached scratch buffer (lets the garbage collector reclaim them, e.g. after a big model).
 *
 * @example
 * releaseKernelScratch();
 */
export function releaseKernelScratch(): void {
  f64Pool.clear();
  f32Pool.clear();
}
