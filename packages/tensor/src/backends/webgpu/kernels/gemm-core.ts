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
import type { Tile } from './gemm-plan.js';

/**
 * How the 256 threads walk a staged slice: along k (consecutive threads read consecutive k, right when
 * the operand is contiguous in k, e.g. a transposed weight in `linear`) or along m / n (right when it is
 * contiguous in m / n). Chosen from the operands' strides so global loads coalesce.
 */
export interface Staging {
  readonly a: 'k' | 'm';
  readonly b: 'k' | 'n';
}
export const DEFAULT_STAGING: Staging = { a: 'k', b: 'n' };

// e = li + l * 256 enumerates a thread's staged elements
function aIndex(t: Tile, s: Staging): string {
  return s.a === 'k'
    ? `let mm = e / ${t.BK}u; let kk = e % ${t.BK}u;`
    : `let mm = e % ${t.BM}u; let kk = e / ${t.BM}u;`;
}
function bIndex(t: Tile, s: Staging): string {
  return s.b === 'n'
    ? `let kk = e / ${t.BN}u; let nn = e % ${t.BN}u;`
    : `let kk = e % ${t.BK}u; let nn = e / ${t.BK}u;`;
}
function rowOf(t: Tile, s: Staging): string {
  return s.a === 'k' ? `(li + l * 256u) / ${t.BK}u` : `(li + l * 256u) % ${t.BM}u`;
}
function colOf(t: Tile, s: Staging): string {
  return s.b === 'n' ? `(li + l * 256u) % ${t.BN}u` : `(li + l * 256u) / ${t.BK}u`;
}

/**
 * WGSL of a GEMM kernel. `prelude` declares bindings, the params block and the three access functions.
 * Params 0-7 belong to the core: M, N, K, first z (batch or group) of this dispatch, splitK, kChunk,
 * partStride (elements between the partial outputs of two K slices), unused; preludes use 8 onwards.
 * `storeC` must add `gPart` (the slice's partial-output offset) to its output index.
 */
export function gemmSource(t: Tile, prelude: string, layout: Staging = DEFAULT_STAGING): string {
  if (t.TM % 4 === 0 && t.TN % 4 === 0) return gemmSourceVec4(t, prelude, layout);
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
@compute @workgroup_size(${RX}, ${RY}, 1)
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
  let tx = lid.x; let ty = lid.y;
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
      if (gm < M && gk < K) { v = loadA(z, gk, preA[l]); }
      As[kk * ${t.BM}u + mm] = v;
    }
    for (var l = 0u; l < ${bLoads}u; l++) {
      let e = li + l * 256u;
      ${bIndex(t, layout)}
      let gn = n0 + nn; let gk = k0 + kk;
      var v = 0.0;
      if (gn < N && gk < K) { v = loadB(z, gk, preB[l]); }
      Bs[kk * ${t.BN}u + nn] = v;
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

/**
 * The vectorised variant for register blocks whose sides are multiples of 4 (64x64/4x4, 128x128/8x8):
 * each thread owns TM contiguous rows and TN contiguous columns, reads them from shared memory as vec4
 * (a quarter of the shared-memory instructions per FMA) and accumulates in vec4 registers. Shared rows
 * are padded by 4 floats so that the staging stores of consecutive k do not all hit one bank.
 */
function gemmSourceVec4(t: Tile, prelude: string, layout: Staging): string {
  const RX = t.BN / t.TN;
  const RY = t.BM / t.TM;
  if (RX * RY !== 256) throw new Error(`gemm tile ${JSON.stringify(t)} needs 256 threads, has ${RX * RY}`);
  const aLoads = (t.BM * t.BK) / 256;
  const bLoads = (t.BK * t.BN) / 256;
  const SA = t.BM + 4;
  const SB = t.BN + 4;
  const QM = t.TM / 4;
  const QN = t.TN / 4;
  return /* wgsl */ `
var<private> gPart: u32;
${prelude}
var<workgroup> As: array<vec4<f32>, ${(t.BK * SA) / 4}>;
var<workgroup> Bs: array<vec4<f32>, ${(t.BK * SB) / 4}>;
@compute @workgroup_size(${RX}, ${RY}, 1)
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
  let tx = lid.x; let ty = lid.y;
  var acc: array<vec4<f32>, ${t.TM * QN}>;
  for (var i = 0u; i < ${t.TM * QN}u; i++) { acc[i] = vec4<f32>(0.0); }
  var av: array<vec4<f32>, ${QM}>;
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
  var bv: array<vec4<f32>, ${QN}>;
  for (var k0 = kBegin; k0 < K; k0 += ${t.BK}u) {
    for (var l = 0u; l < ${aLoads}u; l++) {
      let e = li + l * 256u;
      ${aIndex(t, layout)}
      let gm = m0 + mm; let gk = k0 + kk;
      var v = 0.0;
      if (gm < M && gk < K) { v = loadA(z, gk, preA[l]); }
      let at = kk * ${SA}u + mm;
      As[at / 4u][at % 4u] = v;
    }
    for (var l = 0u; l < ${bLoads}u; l++) {
      let e = li + l * 256u;
      ${bIndex(t, layout)}
      let gn = n0 + nn; let gk = k0 + kk;
      var v = 0.0;
      if (gn < N && gk < K) { v = loadB(z, gk, preB[l]); }
      let at = kk * ${SB}u + nn;
      Bs[at / 4u][at % 4u] = v;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < ${t.BK}u; kk++) {
      for (var q = 0u; q < ${QM}u; q++) { av[q] = As[(kk * ${SA}u + ty * ${t.TM}u) / 4u + q]; }
      for (var q = 0u; q < ${QN}u; q++) { bv[q] = Bs[(kk * ${SB}u + tx * ${t.TN}u) / 4u + q]; }
      for (var i = 0u; i < ${t.TM}u; i++) {
        let ai = vec4<f32>(av[i / 4u][i % 4u]);
        for (var q = 0u; q < ${QN}u; q++) { acc[i * ${QN}u + q] = fma(ai, bv[q], acc[i * ${QN}u + q]); }
      }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < ${t.TM}u; i++) {
    let gm = m0 + ty * ${t.TM}u + i;
    if (gm >= M) { continue; }
    for (var q = 0u; q < ${QN}u; q++) {
      let v = acc[i * ${QN}u + q];
      for (var c = 0u; c < 4u; c++) {
        let gn = n0 + tx * ${t.TN}u + q * 4u + c;
        if (gn < N) { storeC(z, gm, gn, v[c]); }
      }
    }
  }
}`;
}
