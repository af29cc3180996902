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
import { type GpuContext, grid } from '../context.js';
import type { WebGPUTuning } from '../device.js';
import { Params, paramsWgsl } from '../params.js';
import type { WebGPUStorage } from '../storage.js';

/** Tile configuration (part of every pipeline key). */
export interface Tile {
  readonly BM: number;
  readonly BN: number;
  readonly BK: number;
  readonly TM: number;
  readonly TN: number;
}

/** 64 x 64 tiles, 4 x 4 per thread: the general-purpose shape. */
export const TILE_64: Tile = { BM: 64, BN: 64, BK: 16, TM: 4, TN: 4 };
/** 128 x 128 tiles, 8 x 8 per thread: large problems on real GPUs (more reuse per load). */
export const TILE_128: Tile = { BM: 128, BN: 128, BK: 8, TM: 8, TN: 8 };
/** Few rows (e.g. a linear layer's batch, or a layer with few output channels): 16 x 128. */
export const TILE_16x128: Tile = { BM: 16, BN: 128, BK: 16, TM: 1, TN: 8 };
/** 32 x 128, 2 x 8 per thread. */
export const TILE_32x128: Tile = { BM: 32, BN: 128, BK: 16, TM: 2, TN: 8 };
/** Few columns: 128 x 32, 8 x 2 per thread. */
export const TILE_128x32: Tile = { BM: 128, BN: 32, BK: 16, TM: 8, TN: 2 };

const TILES: Record<NonNullable<WebGPUTuning['gemmTile']>, Tile> = {
  '64x64': TILE_64,
  '128x128': TILE_128,
  '16x128': TILE_16x128,
  '32x128': TILE_32x128,
  '128x32': TILE_128x32,
};

/** A GEMM launch: the tile and how K is split across workgroups (partial sums reduced afterwards). */
export interface GemmPlan {
  readonly tile: Tile;
  /** number of K slices (1 = no split) */
  readonly splitK: number;
  /** K elements per slice (a multiple of BK) */
  readonly kChunk: number;
}

/** Workgroups a real GPU needs to be busy (about two per SM on a 132-SM H100/H200). */
const TARGET_GROUPS = 264;

/**
 * Chooses the tile from the problem's shape (few rows or columns get narrow tiles so that threads are
 * not idle) and splits K when there are too few output tiles to fill the GPU (e.g. convolution weight
 * gradients, whose K is batch x output pixels). Software adapters get no split (they have few cores).
 * `tuning` overrides the tile and the split (tests, tuning).
 */
export function planGemm(
  M: number,
  N: number,
  K: number,
  Z: number,
  software: boolean,
  tuning: WebGPUTuning = {},
): GemmPlan {
  let tile: Tile;
  if (M <= 16) tile = TILE_16x128;
  else if (M <= 32) tile = TILE_32x128;
  else if (N <= 32) tile = TILE_128x32;
  else if (
    !software &&
    M >= 512 &&
    N >= 512 &&
    Math.ceil(M / 128) * Math.ceil(N / 128) * Z >= TARGET_GROUPS / 2
  )
    tile = TILE_128;
  else tile = TILE_64;
  if (tuning.gemmTile) tile = TILES[tuning.gemmTile];
  const groups = Math.ceil(M / tile.BM) * Math.ceil(N / tile.BN) * Z;
  let split = 1;
  if (tuning.gemmSplitK !== undefined) split = tuning.gemmSplitK;
  else if (!software && groups < TARGET_GROUPS && K >= 2048) {
    split = Math.min(32, Math.ceil(TARGET_GROUPS / groups), Math.floor(K / 512));
  }
  split = Math.max(1, Math.min(split, Math.ceil(K / tile.BK)));
  const kChunk = Math.max(tile.BK, Math.ceil(K / split / tile.BK) * tile.BK);
  return { tile, splitK: Math.max(1, Math.ceil(K / kChunk)), kChunk };
}

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

/** Workgroup counts for an M x N problem with `zCount` batches (times the K slices). */
export function gemmGroups(plan: GemmPlan, M: number, N: number, zCount: number): [number, number, number] {
  return [Math.ceil(N / plan.tile.BN), Math.ceil(M / plan.tile.BM), zCount * plan.splitK];
}

/** The core's params 0-7. */
export function coreParams(
  plan: GemmPlan,
  M: number,
  N: number,
  K: number,
  zBase: number,
  partStride: number,
): number[] {
  return [M, N, K, zBase, plan.splitK, plan.kChunk, partStride, 0];
}

export interface SplitSumOptions {
  readonly kernel: 'splitSum';
}

const SPLIT_SUM = /* wgsl */ `
@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> parts: array<f32>;
${paramsWgsl(2, 4)}
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  let n = p(0u);
  if (i >= n) { return; }
  var acc = 0.0;
  for (var s = 0u; s < p(1u); s++) { acc += parts[s * n + i]; }
  out[i] = acc;
}`;

/**
 * Runs a GEMM-core kernel with `plan`: directly into `out` without a split, else into a pooled
 * buffer of splitK partial outputs that a second kernel sums in a fixed order (deterministic).
 * `encode(target)` dispatches the GEMM writing to `target`.
 */
export function withSplitK(
  ctx: GpuContext,
  plan: GemmPlan,
  out: WebGPUStorage,
  encode: (target: GPUBuffer) => void,
): void {
  if (plan.splitK === 1) {
    encode(out.buffer);
    return;
  }
  const parts = ctx.storageBuffer(plan.splitK * out.size * 4);
  encode(parts);
  const opts: SplitSumOptions = { kernel: 'splitSum' };
  const prm = new Params().u(out.size, plan.splitK, 0, 0);
  ctx.dispatch(
    'gemm splitK sum',
    ctx.pipeline(opts, () => SPLIT_SUM),
    [out.buffer, parts],
    prm.build(),
    grid(Math.ceil(out.size / 256)),
  );
  ctx.release(parts);
}
