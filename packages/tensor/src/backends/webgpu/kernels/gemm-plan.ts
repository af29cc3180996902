/**
 * GEMM launch planning shared by matmul and the convolutions: tile shapes, the choice of tile and
 * K split for a problem, the core's parameter words, workgroup counts, and the deterministic
 * split-K reduction.
 */
import { type GpuContext, grid } from '../context.js';
import type { WebGPUTuning } from '../device.js';
import { Params, paramsWgsl } from '../params.js';
import type { WebGPUStorage } from '../storage.js';
import { type GemmCoreOptions, isVec4Tile } from './gemm-layout.js';
import { vec4SharedBytes } from './gemm-vec4.js';

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
  else if (!software && prefersTile128(M, N, Z)) tile = TILE_128;
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
 * 128 x 128 tiles (8 x 8 per thread) do twice the FMAs per staged element of 64 x 64 ones, so they win
 * whenever they still fill the GPU (at least half the target workgroups without a K split) and do not
 * waste more than 1/8 of either side on padding (e.g. M = 96 output channels would be 25% padding).
 * The 3x3 256->256 convolutions of the paper's models (M = 256, N = batch x 56 x 56) qualify.
 */
export function prefersTile128(M: number, N: number, Z: number): boolean {
  const waste = (n: number) => (Math.ceil(n / 128) * 128) / n - 1;
  const groups = Math.ceil(M / 128) * Math.ceil(N / 128) * Z;
  return M >= 128 && N >= 128 && groups >= TARGET_GROUPS / 2 && waste(M) <= 0.125 && waste(N) <= 0.125;
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

/** Which of an operand's vectorised accesses the front end found legal for this problem. */
export interface VecEligibility {
  readonly a: boolean;
  readonly b: boolean;
  readonly c: boolean;
}

/**
 * The core options for a launch: vector accesses where the tile supports them, the front end allows
 * them and tuning does not turn them off; software pipelining ('double' when two shared buffers fit
 * `sharedLimit`, the device's workgroup memory, else 'prefetch') unless tuning asks otherwise.
 */
export function coreOptions(
  sharedLimit: number,
  plan: GemmPlan,
  legal: VecEligibility,
  tuning: WebGPUTuning = {},
): GemmCoreOptions {
  if (!isVec4Tile(plan.tile)) return { vecA: false, vecB: false, vecC: false, pipeline: 'none' };
  const vec = tuning.gemmVectorAccess ?? true;
  let pipeline = tuning.gemmPipeline ?? 'double';
  if (pipeline === 'double' && vec4SharedBytes(plan.tile, 'double') > sharedLimit) pipeline = 'prefetch';
  return { vecA: vec && legal.a, vecB: vec && legal.b, vecC: vec && legal.c, pipeline };
}

/** Whether a strided operand can be read 4 elements at a time along its unit-stride axis. */
export function aligned4(offset: number, ...strides: readonly number[]): boolean {
  return offset % 4 === 0 && strides.every((s) => s % 4 === 0);
}
