/**
 * The tiled GEMM core shared by matmul and the three convolution kernels. A workgroup of 256 threads
 * computes a BM x BN tile of C = A * B; each thread owns a TM x TN register block (rows ty + i * BM/TM,
 * columns tx + j * BN/TN, so neighbouring threads write neighbouring columns). Per BK-step the
 * workgroup stages a BM x BK slice of A and a BK x BN slice of B in shared memory. Operand access is
 * delegated to WGSL functions supplied by each front end: `prepA(z, m)` / `prepB(z, n)` (run once per
 * thread and staged row/column, outside the K loop), `loadA(z, k, pre)` / `loadB(z, k, pre)` and
 * `storeC(z, m, n, v)`: strided matmul or implicit-GEMM convolution, whose loaders also handle padding,
 * so convolutions never materialise an im2col buffer.
 */
import {
  aIndex,
  bIndex,
  colOf,
  DEFAULT_STAGING,
  type GemmCoreOptions,
  gemmEntry,
  isVec4Tile,
  PLAIN_CORE,
  rowOf,
  type Staging,
  walkInit,
} from './gemm-layout.js';
import type { Tile } from './gemm-plan.js';
import { gemmSourceVec4 } from './gemm-vec4.js';

export type { GemmCoreOptions, Staging } from './gemm-layout.js';

/**
 * WGSL of a GEMM kernel. `prelude` declares bindings, the params block and the three access functions.
 * Params 0-7 belong to the core: M, N, K, first z (batch or group) of this dispatch, splitK, kChunk,
 * partStride (elements between the partial outputs of two K slices), unused; preludes use 8 onwards.
 * `storeC` must add `gPart` (the slice's partial-output offset) to its output index.
 */
export function gemmSource(
  t: Tile,
  prelude: string,
  layout: Staging = DEFAULT_STAGING,
  core: GemmCoreOptions = PLAIN_CORE,
): string {
  if (isVec4Tile(t)) return gemmSourceVec4(t, prelude, layout, core);
  if (core.vecA || core.vecB || core.vecC)
    throw new Error(`gemm tile ${JSON.stringify(t)} has no vectorised operand access`);
  const RX = t.BN / t.TN;
  const RY = t.BM / t.TM;
  const threads = RX * RY;
  if (threads !== 256) throw new Error(`gemm tile ${JSON.stringify(t)} needs 256 threads, has ${threads}`);
  const aLoads = (t.BM * t.BK) / threads;
  const bLoads = (t.BK * t.BN) / threads;
  return /* wgsl */ `
var<private> gPart: u32;
${prelude}
var<workgroup> As: array<f32, ${t.BK * t.BM}>;
var<workgroup> Bs: array<f32, ${t.BK * t.BN}>;
${gemmEntry(t, RX, RY)}
  ${walkInit(layout, aLoads, bLoads, aIndex(t, layout), bIndex(t, layout))}
  var acc: array<f32, ${t.TM * t.TN}>;
  for (var i = 0u; i < ${t.TM * t.TN}u; i++) { acc[i] = 0.0; }
  var a: array<f32, ${t.TM}>;
  // per-thread staging rows/columns are fixed: precompute their addressing once (prepA/prepB)
  var preA: array<vec4<u32>, ${aLoads}>;
  var preB: array<vec4<u32>, ${bLoads}>;
  for (var l = 0u; l < ${aLoads}u; l++) {
    let gm = m0 + ${rowOf(t, layout)};
    if (gm < M) { preA[l] = prepA(z, gm); }
  }
  for (var l = 0u; l < ${bLoads}u; l++) {
    let gn = n0 + ${colOf(t, layout)};
    if (gn < N) { preB[l] = prepB(z, gn); }
  }
  var b: array<f32, ${t.TN}>;
  for (var k0 = kBegin; k0 < K; k0 += ${t.BK}u) {
    for (var l = 0u; l < ${aLoads}u; l++) {
      let e = li + l * 256u;
      ${aIndex(t, layout)}
      let gm = m0 + mm; let gk = k0 + kk;
      var v = 0.0;
      if (gm < M && gk < K) { v = loadA(z, gk, preA[l]${layout.walkA ? ', ksA[l]' : ''}); }
      As[kk * ${t.BM}u + mm] = v;${layout.walkA ? '\n      ksA[l] = walkNextA(ksA[l]);' : ''}
    }
    for (var l = 0u; l < ${bLoads}u; l++) {
      let e = li + l * 256u;
      ${bIndex(t, layout)}
      let gn = n0 + nn; let gk = k0 + kk;
      var v = 0.0;
      if (gn < N && gk < K) { v = loadB(z, gk, preB[l]${layout.walkB ? ', ksB[l]' : ''}); }
      Bs[kk * ${t.BN}u + nn] = v;${layout.walkB ? '\n      ksB[l] = walkNextB(ksB[l]);' : ''}
    }
    workgroupBarrier();
    for (var kk = 0u; kk < ${t.BK}u; kk++) {
      for (var i = 0u; i < ${t.TM}u; i++) { a[i] = As[kk * ${t.BM}u + ty + i * ${RY}u]; }
      for (var j = 0u; j < ${t.TN}u; j++) { b[j] = Bs[kk * ${t.BN}u + tx + j * ${RX}u]; }
      for (var i = 0u; i < ${t.TM}u; i++) {
        for (var j = 0u; j < ${t.TN}u; j++) { acc[i * ${t.TN}u + j] = fma(a[i], b[j], acc[i * ${t.TN}u + j]); }
      }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < ${t.TM}u; i++) {
    let gm = m0 + ty + i * ${RY}u;
    if (gm >= M) { continue; }
    for (var j = 0u; j < ${t.TN}u; j++) {
      let gn = n0 + tx + j * ${RX}u;
      if (gn < N) { storeC(z, gm, gn, acc[i * ${t.TN}u + j]); }
    }
  }
}`;
}
