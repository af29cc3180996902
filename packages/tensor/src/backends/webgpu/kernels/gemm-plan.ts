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
import type { GpuProfile } from './gpu-profile.js';

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

/**
 * Registers per thread the planner assumes for a tile: the TM x TN accumulators, one column of A and
 * one row of B, the staged loads in flight (software pipelining) and ~40 for addressing and loop state,
 * rounded up to the allocation granule of 8. A model of what the shader compilers produce, not a
 * measurement: 128 for 128x128 (two workgroups per 64K-register SM), 72 for 64x64 (three).
 */
export function tileRegisters(t: Tile): number {
  const staged = (t.BM * t.BK + t.BK * t.BN) / 256;
  return Math.ceil((t.TM * t.TN + t.TM + t.TN + staged + 40) / 8) * 8;
}

/** Bytes of workgroup memory a tile's kernel declares (double-buffered for the vec4 tiles). */
export function tileSharedBytes(t: Tile): number {
  return isVec4Tile(t) ? vec4SharedBytes(t, 'double') : t.BK * (t.BM + t.BN) * 4;
}

/** Workgroups of tile `t` (256 threads each) resident at once on one compute unit of `gpu`. */
export function residentGroups(t: Tile, gpu: GpuProfile): number {
  const byThreads = Math.floor(gpu.threadsPerUnit / 256);
  const byRegisters = Math.floor(gpu.registersPerUnit / (256 * tileRegisters(t)));
  const byShared = Math.floor(gpu.sharedBytesPerUnit / tileSharedBytes(t));
  return Math.max(1, Math.min(byThreads, byRegisters, byShared));
}

/**
 * Relative FMA throughput of a tile once the GPU is full: more outputs per thread means more FMAs per
 * staged element and per shared-memory read (8x8: 64 FMAs per 16 loaded values; 4x4: 16 per 8).
 */
const TILE_THROUGHPUT = new Map<Tile, number>([
  [TILE_128, 1],
  [TILE_64, 0.75],
  [TILE_32x128, 0.6],
  [TILE_128x32, 0.6],
  [TILE_16x128, 0.45],
]);
/** per-workgroup fixed cost (addressing, epilogue), in K elements */
const GROUP_OVERHEAD_K = 16;
/** FMAs an SM could do in the time it takes to move one byte of split-K partials (~10 at peak on H100) */
const FMA_PER_BYTE = 5;
/** fixed cost of the split-K sum dispatch, in FMAs per compute unit (a few microseconds) */
const SPLIT_DISPATCH_FMA = 5e5;
const MAX_SPLIT = 64;
/** a K slice is at least this many BK steps */
const MIN_SLICE_STEPS = 4;

/** How a plan fills the GPU (for tests and tables). */
export interface PlanStats {
  /** workgroups, K slices included */
  readonly groups: number;
  /** workgroups resident at once on the whole GPU (units x residency) */
  readonly slots: number;
  /** groups / slots */
  readonly waves: number;
  /** share of the last wave's slots left idle (0 = whole waves) */
  readonly tailIdle: number;
  /** share of the tiles' M x N area outside the problem */
  readonly padding: number;
}

/**
 * Waves and padding of a plan on `gpu`. Whole waves stay whole if the compiled kernel turns out to be
 * resident fewer times per unit than modelled, as long as that count divides the model's (2 -> 1).
 */
export function planStats(plan: GemmPlan, M: number, N: number, Z: number, gpu: GpuProfile): PlanStats {
  const t = plan.tile;
  const groups = Math.ceil(M / t.BM) * Math.ceil(N / t.BN) * Z * plan.splitK;
  const slots = gpu.computeUnits * residentGroups(t, gpu);
  const waves = groups / slots;
  const padded = Math.ceil(M / t.BM) * t.BM * Math.ceil(N / t.BN) * t.BN;
  return { groups, slots, waves, tailIdle: 1 - waves / Math.ceil(waves), padding: 1 - (M * N) / padded };
}

function makePlan(tile: Tile, K: number, split: number): GemmPlan {
  const s = Math.max(1, Math.min(split, Math.ceil(K / tile.BK)));
  const kChunk = Math.max(tile.BK, Math.ceil(K / s / tile.BK) * tile.BK);
  return { tile, splitK: Math.max(1, Math.ceil(K / kChunk)), kChunk };
}

/**
 * Estimated time of a plan in FMAs per compute unit: whole waves (a partly filled last wave takes as
 * long as a full one) of `residency` workgroups per unit, each a padded BM x BN x (slice + overhead)
 * block at the tile's throughput, plus the split-K partials' memory traffic and the sum's dispatch.
 */
function planCost(plan: GemmPlan, M: number, N: number, Z: number, gpu: GpuProfile): number {
  const t = plan.tile;
  const st = planStats(plan, M, N, Z, gpu);
  const perGroup = (t.BM * t.BN * (plan.kChunk + GROUP_OVERHEAD_K)) / (TILE_THROUGHPUT.get(t) ?? 0.5);
  let cost = Math.ceil(st.waves) * residentGroups(t, gpu) * perGroup;
  if (plan.splitK > 1)
    cost += (FMA_PER_BYTE * (8 * plan.splitK + 4) * M * N * Z) / gpu.computeUnits + SPLIT_DISPATCH_FMA;
  return cost;
}

/** The narrow-or-64x64 tile software adapters (and forced splits) start from. */
function shapeTile(M: number, N: number): Tile {
  if (M <= 16) return TILE_16x128;
  if (M <= 32) return TILE_32x128;
  if (N <= 32) return TILE_128x32;
  return TILE_64;
}

/**
 * Chooses the tile and K split of an M x N x K GEMM repeated Z times (batches or groups) for `gpu`.
 * Hardware adapters: every tile and split (slices of at least 4 BK steps, at most 64) is costed by
 * {@link planCost}, which counts whole waves of resident workgroups, so the choice runs many waves or
 * a whole number of them: weight gradients (few output tiles, K = batch x pixels) get 128x128 tiles
 * with K split, skinny fc GEMMs narrow tiles with K split. Software adapters keep one slice and the
 * shape's tile (few cores, nothing to fill). `tuning` forces the tile and/or the split.
 */
export function planGemm(
  M: number,
  N: number,
  K: number,
  Z: number,
  gpu: GpuProfile,
  tuning: WebGPUTuning = {},
): GemmPlan {
  const forced = tuning.gemmTile ? TILES[tuning.gemmTile] : undefined;
  if (gpu.software || (tuning.gemmSplitK !== undefined && !forced)) {
    return makePlan(forced ?? shapeTile(M, N), K, tuning.gemmSplitK ?? 1);
  }
  if (tuning.gemmSplitK !== undefined && forced) return makePlan(forced, K, tuning.gemmSplitK);
  // a few hundred candidates per call: memoised per profile, as a training step repeats its shapes
  let memo = PLANS.get(gpu);
  if (!memo) {
    memo = new Map();
    PLANS.set(gpu, memo);
  }
  const key = `${M},${N},${K},${Z},${tuning.gemmTile ?? ''}`;
  const hit = memo.get(key);
  if (hit) return hit;
  let best: GemmPlan | undefined;
  let bestCost = Number.POSITIVE_INFINITY;
  for (const tile of forced ? [forced] : PLAN_ORDER) {
    const maxSplit = Math.max(1, Math.min(MAX_SPLIT, Math.floor(K / (MIN_SLICE_STEPS * tile.BK))));
    let lastSplit = 0;
    for (let s = 1; s <= maxSplit; s++) {
      const plan = makePlan(tile, K, s);
      if (plan.splitK === lastSplit) continue;
      lastSplit = plan.splitK;
      const cost = planCost(plan, M, N, Z, gpu);
      // ties go to the earlier candidate: the larger tile, the smaller split
      if (cost < bestCost * (1 - 1e-9)) {
        best = plan;
        bestCost = cost;
      }
    }
  }
  if (memo.size >= PLAN_MEMO) memo.clear();
  memo.set(key, best as GemmPlan);
  return best as GemmPlan;
}

const PLANS = new WeakMap<GpuProfile, Map<string, GemmPlan>>();
const PLAN_MEMO = 1024;

/** Candidate tiles, most efficient first (ties keep the earlier one). */
const PLAN_ORDER: readonly Tile[] = [TILE_128, TILE_64, TILE_32x128, TILE_128x32, TILE_16x128];

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
