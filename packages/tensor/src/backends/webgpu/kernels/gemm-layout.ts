/**
 * How the GEMM core's threads walk the staged operand slices and which optional fast paths a kernel
 * uses; shared by the scalar and the vec4 generators.
 */
import type { Tile } from './gemm-plan.js';

/**
 * How the 256 threads walk a staged slice: along k (consecutive threads read consecutive k, right when
 * the operand is contiguous in k, e.g. a transposed weight in `linear`) or along m / n (right when it is
 * contiguous in m / n). Chosen from the operands' strides so global loads coalesce.
 */
export interface Staging {
  readonly a: 'k' | 'm';
  readonly b: 'k' | 'n';
  /**
   * K walkers (convolutions): the operand's K-dependent addressing is carried per staged element as
   * a `vec4<i32>` state instead of being recomputed from k, so the K loop does no division and reads
   * no index table. The front end then defines `setup(z)` (run first, e.g. to hoist uniforms into
   * private variables), `walkInitA(z, k) -> vec4<i32>` (the state of the element at k, once per
   * thread), `walkNextA(s) -> vec4<i32>` (the state BK further on, run once per K slice) and takes the
   * state as the last argument of `loadA` / `loadA4`; likewise for B.
   */
  readonly walkA?: boolean;
  readonly walkB?: boolean;
}
export const DEFAULT_STAGING: Staging = { a: 'k', b: 'n' };

/**
 * Optional fast paths of the vec4 register-blocked tiles (TM and TN multiples of 4). Each `vec*` flag
 * promises the front end's prelude defines the matching function and that the operand allows it:
 * - `vecA`: `loadA4(z, k, pre) -> vec4<f32>` reads A[m, k..k+3] in one 16-byte load (A staged along k,
 *   contiguous in k, K a multiple of 4, 16-byte aligned rows);
 * - `vecB`: `loadB4(z, k, pre) -> vec4<f32>` reads B[k, n..n+3] (B staged along n, contiguous in n, N a
 *   multiple of 4, aligned), with `prepB` called for the first column of each group of 4;
 * - `vecC`: `storeC4(z, m, n, v: vec4<f32>)` writes C[m, n..n+3] (n a multiple of 4, N a multiple of 4).
 * `pipeline`: 'none' stages, waits and computes in turn; 'prefetch' issues the next slice's global
 * loads into registers before computing the current one (hides load latency); 'double' additionally
 * double-buffers shared memory, so each K step needs one barrier instead of two.
 */
export interface GemmCoreOptions {
  readonly vecA: boolean;
  readonly vecB: boolean;
  readonly vecC: boolean;
  readonly pipeline: 'none' | 'prefetch' | 'double';
}
export const PLAIN_CORE: GemmCoreOptions = { vecA: false, vecB: false, vecC: false, pipeline: 'none' };

/** Whether a tile uses the vec4 register-blocked generator (and so honours {@link GemmCoreOptions}). */
export function isVec4Tile(t: Tile): boolean {
  return t.TM % 4 === 0 && t.TN % 4 === 0;
}

// e = li + l * 256 enumerates a thread's staged elements
export function aIndex(t: Tile, s: Staging): string {
  return s.a === 'k'
    ? `let mm = e / ${t.BK}u; let kk = e % ${t.BK}u;`
    : `let mm = e % ${t.BM}u; let kk = e / ${t.BM}u;`;
}
export function bIndex(t: Tile, s: Staging): string {
  return s.b === 'n'
    ? `let kk = e / ${t.BN}u; let nn = e % ${t.BN}u;`
    : `let kk = e % ${t.BK}u; let nn = e / ${t.BK}u;`;
}
export function rowOf(t: Tile, s: Staging): string {
  return s.a === 'k' ? `(li + l * 256u) / ${t.BK}u` : `(li + l * 256u) % ${t.BM}u`;
}
export function colOf(t: Tile, s: Staging): string {
  return s.b === 'n' ? `(li + l * 256u) % ${t.BN}u` : `(li + l * 256u) / ${t.BK}u`;
}

/**
 * The kernel entry both generators share: core params 0-7 (see gemmSource) give this workgroup's
 * batch/group `z`, its K slice [kBegin, K) and partial-output offset `gPart` (split K), and its tile
 * origin (m0, n0); (tx, ty) is the thread's place in the RX x RY grid.
 */
export function gemmEntry(t: Tile, RX: number, RY: number): string {
  return /* wgsl */ `@compute @workgroup_size(${RX}, ${RY}, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
  let M = p(0u); let N = p(1u);
  let split = wid.z % p(4u);
  let z = p(3u) + wid.z / p(4u);
  let kBegin = split * p(5u);
  let K = min(p(2u), kBegin + p(5u));
  gPart = split * p(6u);
  let m0 = wid.y * ${t.BM}u;
  let n0 = wid.x * ${t.BN}u;
  let tx = lid.x; let ty = lid.y;`;
}

/** WGSL declaring and initialising the K-walker states of A/B (`idx*` set mm/kk, kk/nn from e). */
export function walkInit(s: Staging, PA: number, PB: number, idxA: string, idxB: string): string {
  const parts: string[] = [];
  if (s.walkA || s.walkB) parts.push('setup(z);');
  if (s.walkA)
    parts.push(`var ksA: array<vec4<i32>, ${PA}>;
  for (var l = 0u; l < ${PA}u; l++) { let e = li + l * 256u; ${idxA} ksA[l] = walkInitA(z, kBegin + kk); }`);
  if (s.walkB)
    parts.push(`var ksB: array<vec4<i32>, ${PB}>;
  for (var l = 0u; l < ${PB}u; l++) { let e = li + l * 256u; ${idxB} ksB[l] = walkInitB(z, kBegin + kk); }`);
  return parts.join('\n  ');
}
