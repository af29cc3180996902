/**
 * The tiled GEMM core shared by matmul and the three convolution kernels. A workgroup of 256 threads
 * computes a BM x BN tile of C = A * B; each thread owns a TM x TN register block (rows ty + i * BM/TM,
 * columns tx + j * BN/TN, so neighbouring threads write neighbouring columns). Per BK-step the
 * workgroup stages a BM x BK slice of A and a BK x BN slice of B in shared memory. Operand access is
 * delegated to WGSL functions `loadA(z, m, k)`, `loadB(z, k, n)` and `storeC(z, m, n, v)` supplied by
 * each front end (strided matmul, implicit-GEMM convolution), which also do the bounds checks, so
 * convolutions never materialise an im2col buffer.
 */

/** Tile configuration (part of every pipeline key). */
export interface Tile {
  readonly BM: number;
  readonly BN: number;
  readonly BK: number;
  readonly TM: number;
  readonly TN: number;
}

/** 64 x 64 tiles, 4 x 4 per thread: good for small and medium problems. */
export const TILE_64: Tile = { BM: 64, BN: 64, BK: 16, TM: 4, TN: 4 };
/** 128 x 128 tiles, 8 x 8 per thread: for large problems on real GPUs. */
export const TILE_128: Tile = { BM: 128, BN: 128, BK: 8, TM: 8, TN: 8 };

/** Picks a tile: large tiles only when the problem fills them and the GPU is not a software one. */
export function chooseTile(M: number, N: number, software: boolean): Tile {
  if (!software && M >= 512 && N >= 512) return TILE_128;
  return TILE_64;
}

/**
 * WGSL of a GEMM kernel. `prelude` declares bindings, the params block and the three access functions;
 * `P(0)` = M, `p(1u)` = N, `p(2u)` = K, `p(3u)` = first z (batch or group) of this dispatch.
 */
export function gemmSource(t: Tile, prelude: string): string {
  const RX = t.BN / t.TN;
  const RY = t.BM / t.TM;
  const threads = RX * RY;
  if (threads !== 256) throw new Error(`gemm tile ${JSON.stringify(t)} needs 256 threads, has ${threads}`);
  const aLoads = (t.BM * t.BK) / threads;
  const bLoads = (t.BK * t.BN) / threads;
  return /* wgsl */ `
${prelude}
var<workgroup> As: array<f32, ${t.BK * t.BM}>;
var<workgroup> Bs: array<f32, ${t.BK * t.BN}>;
@compute @workgroup_size(${RX}, ${RY}, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
  let M = p(0u); let N = p(1u); let K = p(2u);
  let z = p(3u) + wid.z;
  let m0 = wid.y * ${t.BM}u;
  let n0 = wid.x * ${t.BN}u;
  let tx = lid.x; let ty = lid.y;
  var acc: array<f32, ${t.TM * t.TN}>;
  for (var i = 0u; i < ${t.TM * t.TN}u; i++) { acc[i] = 0.0; }
  var a: array<f32, ${t.TM}>;
  var b: array<f32, ${t.TN}>;
  for (var k0 = 0u; k0 < K; k0 += ${t.BK}u) {
    for (var l = 0u; l < ${aLoads}u; l++) {
      let e = li + l * 256u;
      let mm = e / ${t.BK}u; let kk = e % ${t.BK}u;
      let gm = m0 + mm; let gk = k0 + kk;
      var v = 0.0;
      if (gm < M && gk < K) { v = loadA(z, gm, gk); }
      As[kk * ${t.BM}u + mm] = v;
    }
    for (var l = 0u; l < ${bLoads}u; l++) {
      let e = li + l * 256u;
      let kk = e / ${t.BN}u; let nn = e % ${t.BN}u;
      let gn = n0 + nn; let gk = k0 + kk;
      var v = 0.0;
      if (gn < N && gk < K) { v = loadB(z, gk, gn); }
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

/** Workgroup counts for an M x N problem with `zCount` batches starting at 0. */
export function gemmGroups(t: Tile, M: number, N: number, zCount: number): [number, number, number] {
  return [Math.ceil(N / t.BN), Math.ceil(M / t.BM), zCount];
}
