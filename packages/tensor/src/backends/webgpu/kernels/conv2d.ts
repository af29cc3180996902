/**
 * 2-D convolution (NCHW x OIHW, stride, padding, dilation, groups) and its two backward kernels as
 * implicit GEMMs on the shared tiled core; the im2col matrix is never materialised, its entries are
 * computed in the load functions. One dispatch z per group. The K-dependent part of each operand's
 * address is carried per staged element by a "walker" (see Walker) instead of an index table, and
 * all geometry the loads need sits in private variables, so a staged element costs one storage load.
 *
 * forward:         Y[g](o, n*OH*OW)   = W[g](o, c*KH*KW)  * im2col(X)[g](c*KH*KW, n*OH*OW)
 * backward input:  dX[g](c, n*H*W)    = Wt[g](c, o*KH*KW) * col2im-gather(dY)[g](o*KH*KW, n*H*W)
 *                  (Wt: the weights transposed and flipped once per call; stride 1 runs as a forward
 *                  convolution of dY with Wt)
 * backward weight: dW[g](o, c*KH*KW)  = dY[g](o, n*OH*OW) * im2col(X)[g]^T(n*OH*OW, c*KH*KW)
 */
import type { Conv2dGeometry } from '../../../backend.js';
import type { GpuContext } from '../context.js';
import type { WebGPUTuning } from '../device.js';
import { Params, paramsWgsl } from '../params.js';
import { type GView, WebGPUStorage } from '../storage.js';
import { runConvWeightFlipT } from './conv-weight.js';
import { type GemmCoreOptions, gemmSource, type Staging } from './gemm-core.js';
import {
  coreOptions,
  coreParams,
  gemmGroups,
  planGemm,
  type Tile,
  type VecEligibility,
  withSplitK,
} from './gemm-plan.js';
import type { GpuProfile } from './gpu-profile.js';

export type ConvKind = 'forward' | 'backwardInput' | 'backwardWeight';

export interface ConvOptions {
  readonly kernel: 'conv2d';
  readonly kind: ConvKind;
  readonly tile: Tile;
  readonly core: GemmCoreOptions;
  /** forward only: add Bias[channel] in the epilogue */
  readonly bias: boolean;
}

// Params: 0-7 GEMM core (see gemm-core.ts), 8 N(batch), 9 C, 10 H, 11 W, 12 O, 13 KH, 14 KW, 15 OH,
// 16 OW, 17 strideH, 18 strideW, 19 padH, 20 padW (signed), 21 dilH, 22 dilW, 23 Cg, 24 Og, 25 first
// operand's offset, 26 second's, 27 bias offset, 28 BK, 29-35 walker of A, 36-42 walker of B
const WORDS = 43;
const GEOM = /* wgsl */ `
fn gN() -> u32 { return p(8u); } fn gC() -> u32 { return p(9u); } fn gH() -> u32 { return p(10u); }
fn gW() -> u32 { return p(11u); } fn gO() -> u32 { return p(12u); } fn gKH() -> u32 { return p(13u); }
fn gKW() -> u32 { return p(14u); } fn gOH() -> u32 { return p(15u); } fn gOW() -> u32 { return p(16u); }
fn gCg() -> u32 { return p(23u); } fn gOg() -> u32 { return p(24u); }`;
const WALK_A = 29;
const WALK_B = 36;

/**
 * A K walker: k is split as (a, h, w) over extents (Hs, Ws) (a = k / (Hs Ws), h = k / Ws % Hs,
 * w = k % Ws) and the state (offset, h * hMul, w * wMul) with offset = a aStride + h hMul hRow +
 * w wMul wCol advances by BK with two compare-and-carry steps, no division and no table.
 * Words: Hs, Ws, hMul, wMul, aStride, hRow, wCol.
 */
export type Walker = readonly [number, number, number, number, number, number, number];

const WALK_WGSL = /* wgsl */ `
struct Walk { step: vec4<i32>, wrapW: i32, carryH: i32, carryWOff: i32, wrapH: i32, carryHOff: i32 }
fn walkAt(k: u32, b: u32) -> vec4<i32> {
  let hw = p(b) * p(b + 1u);
  let a = k / hw; let r = k % hw;
  let h = i32(r / p(b + 1u)) * pi(b + 2u);
  let w = i32(r % p(b + 1u)) * pi(b + 3u);
  return vec4<i32>(i32(a) * pi(b + 4u) + h * pi(b + 5u) + w * pi(b + 6u), h, w, 0);
}
fn walkSetup(b: u32) -> Walk {
  let Hs = pi(b); let Ws = pi(b + 1u); let hMul = pi(b + 2u); let wMul = pi(b + 3u);
  let aStride = pi(b + 4u); let hRow = pi(b + 5u); let wCol = pi(b + 6u);
  return Walk(walkAt(p(28u), b), Ws * wMul, hMul, hMul * hRow - Ws * wMul * wCol, Hs * hMul,
              aStride - Hs * hMul * hRow);
}
fn walkStep(s: vec4<i32>, wk: Walk) -> vec4<i32> {
  var off = s.x + wk.step.x; var h = s.y + wk.step.y; var w = s.z + wk.step.z;
  if (w >= wk.wrapW) { w -= wk.wrapW; h += wk.carryH; off += wk.carryWOff; }
  if (h >= wk.wrapH) { h -= wk.wrapH; off += wk.carryHOff; }
  return vec4<i32>(off, h, w, 0);
}`;

// Pixel loads in bounds when 0 <= ih < cH and 0 <= iw < cW (one unsigned compare each); the walker
// states and these extents live in private variables set once by setup()
const PIXEL_LOAD = /* wgsl */ `
fn loadB(z: u32, k: u32, q: vec4<u32>, s: vec4<i32>) -> f32 {
  let ih = bitcast<i32>(q.y) + s.y; let iw = bitcast<i32>(q.z) + s.z;
  if (u32(ih) >= cH || u32(iw) >= cW) { return 0.0; }
  return X[u32(bitcast<i32>(q.x) + s.x)];
}`;

// 1x1 convolutions with unit stride along rows (convVecAccess): 4 consecutive output pixels are 4
// consecutive, 16-byte aligned input pixels of one row, all in bounds or all padding
const PIXEL_LOAD4 = /* wgsl */ `
fn loadB4(z: u32, k: u32, q: vec4<u32>, s: vec4<i32>) -> vec4<f32> {
  let ih = bitcast<i32>(q.y) + s.y; let iw = bitcast<i32>(q.z) + s.z;
  if (u32(ih) >= cH || u32(iw) >= cW) { return vec4<f32>(0.0); }
  return X[u32(bitcast<i32>(q.x) + s.x) / 4u];
}`;

/** The kernel of a convolution GEMM: which loaders and walkers it uses. */
export function convSource(kind: ConvKind, tile: Tile, core: GemmCoreOptions, bias: boolean): string {
  return gemmSource(tile, prelude(kind, core, bias), convStaging(kind), core);
}

/** How each kernel's threads walk the staged slices (see Staging). */
export function convStaging(kind: ConvKind): Staging {
  // weight-gradient operands are contiguous along k = (n, oh, ow); the others along k (weights) and n (pixels)
  if (kind === 'backwardWeight') return { a: 'k', b: 'k', walkA: true, walkB: true };
  return { a: 'k', b: 'n', walkB: true };
}

function prelude(kind: ConvKind, core: GemmCoreOptions, bias: boolean): string {
  const t = (vec: boolean) => (vec ? 'vec4<f32>' : 'f32');
  // Y (weights, or dy for the weight gradient) is bound as vec4 when A is read 4 k at a time; the
  // uniform parameters come after the last storage binding (GpuContext.dispatch)
  const head = /* wgsl */ `
@group(0) @binding(0) var<storage, read_write> Out: array<${t(core.vecC)}>;
@group(0) @binding(1) var<storage, read> X: array<${t(core.vecB)}>;
@group(0) @binding(2) var<storage, read> Y: array<${t(core.vecA)}>;
${bias ? '@group(0) @binding(3) var<storage, read> Bias: array<f32>;' : ''}
${paramsWgsl(bias ? 4 : 3, WORDS)}
${GEOM}
${WALK_WGSL}
var<private> cH: u32; var<private> cW: u32;
var<private> wkA: Walk; var<private> wkB: Walk;
fn walkNextB(s: vec4<i32>) -> vec4<i32> { return walkStep(s, wkB); }
fn walkInitB(z: u32, k: u32) -> vec4<i32> { return walkAt(k, ${WALK_B}u); }`;
  // prepA/prepB run once per thread and tile row/column (outside the K loop) and return what the
  // per-element loads need (signed values bit-cast); the walkers carry the K-dependent part
  if (kind === 'forward') {
    // X = input, Y = weight; M = Og, N = batch*OH*OW, K = Cg*KH*KW (k = (c, kh, kw)). Also runs the
    // backward input of stride-1 convolutions (on dy and the flipped, transposed weights)
    return /* wgsl */ `${head}
fn setup(z: u32) { cH = gH(); cW = gW(); wkB = walkSetup(${WALK_B}u); }
fn prepA(z: u32, m: u32) -> vec4<u32> { return vec4<u32>(p(26u) + (z * gOg() + m) * p(2u), 0u, 0u, 0u); }
${
  core.vecA
    ? 'fn loadA4(z: u32, k: u32, q: vec4<u32>) -> vec4<f32> { return Y[(q.x + k) / 4u]; }'
    : 'fn loadA(z: u32, k: u32, q: vec4<u32>) -> f32 { return Y[q.x + k]; }'
}
fn prepB(z: u32, n: u32) -> vec4<u32> {
  let ohw = gOH() * gOW();
  let b = n / ohw; let s = n % ohw; let oh = s / gOW(); let ow = s % gOW();
  let ih0 = i32(oh * p(17u)) - pi(19u);
  let iw0 = i32(ow * p(18u)) - pi(20u);
  let base = i32(p(25u) + (b * gC() + z * gCg()) * gH() * gW()) + ih0 * i32(gW()) + iw0;
  return vec4<u32>(bitcast<u32>(base), bitcast<u32>(ih0), bitcast<u32>(iw0), 0u);
}
${core.vecB ? PIXEL_LOAD4 : PIXEL_LOAD}
// the bias is added once: by the first K slice when K is split (the slices are summed afterwards)
fn epilogue(z: u32, m: u32) -> f32 {
  ${bias ? 'return select(0.0, Bias[p(27u) + z * gOg() + m], gPart == 0u);' : 'return 0.0;'}
}
${
  core.vecC
    ? `fn storeC4(z: u32, m: u32, n: u32, v: vec4<f32>) {
  let ohw = gOH() * gOW();
  let b = n / ohw; let s = n % ohw;
  Out[(gPart + (b * gO() + z * gOg() + m) * ohw + s) / 4u] = v + vec4<f32>(epilogue(z, m));
}`
    : `fn storeC(z: u32, m: u32, n: u32, v: f32) {
  let ohw = gOH() * gOW();
  let b = n / ohw; let s = n % ohw;
  Out[gPart + (b * gO() + z * gOg() + m) * ohw + s] = v + epilogue(z, m);
}`
}`;
  }
  if (kind === 'backwardInput') {
    // strided convolutions only (stride 1 runs as a forward convolution). X = dy, Y = the weights
    // transposed to [C][Og][KH][KW] with the taps flipped (conv-weight.ts); M = Cg, N = batch*H*W,
    // K = Og*KH*KW (k = (o, kh', kw'), tap kh = KH-1-kh'). dy[oh] contributes to x[ih] when
    // th = ih + padH - kh*dilH = oh*strideH, i.e. th = (ih + padH - (KH-1) dilH) + kh' dilH
    return /* wgsl */ `${head}
var<private> sH: u32; var<private> sW: u32;
fn setup(z: u32) { cH = gOH(); cW = gOW(); sH = p(17u); sW = p(18u); wkB = walkSetup(${WALK_B}u); }
fn prepA(z: u32, m: u32) -> vec4<u32> { return vec4<u32>(p(26u) + (z * gCg() + m) * p(2u), 0u, 0u, 0u); }
${
  core.vecA
    ? 'fn loadA4(z: u32, k: u32, q: vec4<u32>) -> vec4<f32> { return Y[(q.x + k) / 4u]; }'
    : 'fn loadA(z: u32, k: u32, q: vec4<u32>) -> f32 { return Y[q.x + k]; }'
}
fn prepB(z: u32, n: u32) -> vec4<u32> {
  let hw = gH() * gW();
  let b = n / hw; let s = n % hw; let ih = s / gW(); let iw = s % gW();
  let th0 = i32(ih) + pi(19u) - i32((gKH() - 1u) * p(21u));
  let tw0 = i32(iw) + pi(20u) - i32((gKW() - 1u) * p(22u));
  return vec4<u32>(p(25u) + (b * gO() + z * gOg()) * gOH() * gOW(), bitcast<u32>(th0), bitcast<u32>(tw0), 0u);
}
fn loadB(z: u32, k: u32, q: vec4<u32>, s: vec4<i32>) -> f32 {
  let th = bitcast<i32>(q.y) + s.y; let tw = bitcast<i32>(q.z) + s.z;
  if (th < 0 || tw < 0) { return 0.0; }
  let oh = u32(th) / sH; let ow = u32(tw) / sW;
  if (oh * sH != u32(th) || ow * sW != u32(tw) || oh >= cH || ow >= cW) { return 0.0; }
  return X[q.x + u32(s.x) + oh * cW + ow];
}
${
  core.vecC
    ? `fn storeC4(z: u32, m: u32, n: u32, v: vec4<f32>) {
  let hw = gH() * gW();
  let b = n / hw; let s = n % hw;
  Out[(gPart + (b * gC() + z * gCg() + m) * hw + s) / 4u] = v;
}`
    : `fn storeC(z: u32, m: u32, n: u32, v: f32) {
  let hw = gH() * gW();
  let b = n / hw; let s = n % hw;
  Out[gPart + (b * gC() + z * gCg() + m) * hw + s] = v;
}`
}`;
  }
  // backwardWeight: X = input, Y = dy; M = Og, N = Cg*KH*KW, K = batch*OH*OW (k = (b, oh, ow))
  return /* wgsl */ `${head}
fn walkNextA(s: vec4<i32>) -> vec4<i32> { return walkStep(s, wkA); }
fn walkInitA(z: u32, k: u32) -> vec4<i32> { return walkAt(k, ${WALK_A}u); }
fn setup(z: u32) { cH = gH(); cW = gW(); wkA = walkSetup(${WALK_A}u); wkB = walkSetup(${WALK_B}u); }
fn prepA(z: u32, m: u32) -> vec4<u32> { return vec4<u32>(p(26u) + (z * gOg() + m) * gOH() * gOW(), 0u, 0u, 0u); }
${
  core.vecA
    ? 'fn loadA4(z: u32, k: u32, q: vec4<u32>, s: vec4<i32>) -> vec4<f32> { return Y[(q.x + u32(s.x)) / 4u]; }'
    : 'fn loadA(z: u32, k: u32, q: vec4<u32>, s: vec4<i32>) -> f32 { return Y[q.x + u32(s.x)]; }'
}
fn prepB(z: u32, n: u32) -> vec4<u32> {
  let khw = gKH() * gKW();
  let c = n / khw; let r = n % khw; let kh = r / gKW(); let kw = r % gKW();
  let dh = i32(kh * p(21u)) - pi(19u);
  let dw = i32(kw * p(22u)) - pi(20u);
  let base = i32(p(25u) + (z * gCg() + c) * gH() * gW()) + dh * i32(gW()) + dw;
  return vec4<u32>(bitcast<u32>(base), bitcast<u32>(dh), bitcast<u32>(dw), 0u);
}
${PIXEL_LOAD}
${
  core.vecC
    ? 'fn storeC4(z: u32, m: u32, n: u32, v: vec4<f32>) { Out[(gPart + (z * gOg() + m) * p(1u) + n) / 4u] = v; }'
    : 'fn storeC(z: u32, m: u32, n: u32, v: f32) { Out[gPart + (z * gOg() + m) * p(1u) + n] = v; }'
}`;
}

/** The walkers (A, B) of each kernel for geometry `g` (zeros where the operand has none). */
export function convWalkers(kind: ConvKind, g: Conv2dGeometry): [Walker, Walker] {
  const none: Walker = [1, 1, 1, 1, 0, 0, 0];
  const hw = g.H * g.W;
  const ohw = g.OH * g.OW;
  if (kind === 'forward') return [none, [g.KH, g.KW, g.dilationH, g.dilationW, hw, g.W, 1]];
  if (kind === 'backwardInput') return [none, [g.KH, g.KW, g.dilationH, g.dilationW, ohw, 0, 0]];
  return [
    [g.OH, g.OW, 1, 1, g.O * ohw, g.OW, 1],
    [g.OH, g.OW, g.strideH, g.strideW, g.C * hw, g.W, 1],
  ];
}

/** GEMM sizes (M, N, K) of each kernel for geometry `g` (per group). */
export function convGemmSize(kind: ConvKind, g: Conv2dGeometry): [number, number, number] {
  const Cg = g.C / g.groups;
  const Og = g.O / g.groups;
  const khw = g.KH * g.KW;
  if (kind === 'forward') return [Og, g.N * g.OH * g.OW, Cg * khw];
  if (kind === 'backwardInput') return [Cg, g.N * g.H * g.W, Og * khw];
  return [Og, Cg * khw, g.N * g.OH * g.OW];
}

/**
 * Which operands of a convolution kernel allow 16-byte accesses (see GemmCoreOptions): the weight
 * rows of the forward GEMM when Cg*KH*KW is a multiple of 4 (of the backward-input GEMM, on the
 * flipped, transposed weights, when Og*KH*KW is); dy along (n, oh, ow) in the weight gradient when
 * OH*OW is (4 consecutive k then stay in one image); output stores when 4 consecutive GEMM columns
 * are 4 consecutive, aligned addresses. The vectorised operand (`second`: weight or dy) must start at
 * a multiple of 4. Pixel operands (x, or dy in the backward input; `first`) are read 4 at a time only
 * by 1x1 convolutions (see pixelRuns4): a 3x3 tap shifts them by one element, so 16-byte reads would be
 * misaligned for most taps.
 */
export function convVecAccess(
  kind: ConvKind,
  g: Conv2dGeometry,
  secondOffset: number,
  firstOffset = 1,
): VecEligibility {
  const khw = g.KH * g.KW;
  const Cg = g.C / g.groups;
  const Og = g.O / g.groups;
  const ohw = g.OH * g.OW;
  if (kind === 'forward')
    return {
      a: (Cg * khw) % 4 === 0 && secondOffset % 4 === 0,
      b: pixelRuns4(g, firstOffset),
      c: ohw % 4 === 0,
    };
  if (kind === 'backwardInput')
    return { a: (Og * khw) % 4 === 0 && secondOffset % 4 === 0, b: false, c: (g.H * g.W) % 4 === 0 };
  return { a: ohw % 4 === 0 && secondOffset % 4 === 0, b: false, c: (Cg * khw) % 4 === 0 };
}

/**
 * Whether a forward convolution's pixels can be read 4 at a time: a 1x1 kernel with unit stride along
 * rows, so 4 consecutive output pixels (OW a multiple of 4) are 4 consecutive input pixels; rows
 * (W), the padding and the offset multiples of 4, so every group is 16-byte aligned and either wholly
 * inside the row or wholly in the padding.
 */
function pixelRuns4(g: Conv2dGeometry, offset: number): boolean {
  return (
    g.KW === 1 && g.strideW === 1 && g.OW % 4 === 0 && g.W % 4 === 0 && g.padW % 4 === 0 && offset % 4 === 0
  );
}

/**
 * The geometry of the forward convolution that computes a stride-1 convolution's input gradient:
 * dy (O channels, OH x OW) convolved with the flipped, transposed weights (C filters) and padding
 * dil*(K-1) - pad (negative padding crops) gives dx (C channels, H x W).
 */
export function backwardInputAsForward(g: Conv2dGeometry): Conv2dGeometry {
  return {
    ...g,
    C: g.O,
    O: g.C,
    H: g.OH,
    W: g.OW,
    OH: g.H,
    OW: g.W,
    padH: g.dilationH * (g.KH - 1) - g.padH,
    padW: g.dilationW * (g.KW - 1) - g.padW,
  };
}

/**
 * Runs one convolution kernel. `first`/`second` are (x, w) for forward, (dy, w) for backwardInput,
 * (x, dy) for backwardWeight; all contiguous. `bias` (forward only, [O]) is added in the GEMM
 * epilogue. The backward input first flips and transposes the weights (one small kernel), then runs
 * as a forward convolution of dy when the stride is 1, else as a gather over dy.
 */
export function runConv(
  ctx: GpuContext,
  kind: ConvKind,
  first: GView,
  second: GView,
  g: Conv2dGeometry,
  out: WebGPUStorage,
  gpu: GpuProfile,
  tuning: WebGPUTuning = {},
  bias?: GView,
): void {
  const [M, N] = convGemmSize(kind, g);
  if (M === 0 || N === 0) return;
  if (bias && kind !== 'forward') throw new Error(`conv2d ${kind}: a bias epilogue is forward-only`);
  if (kind !== 'backwardInput') {
    runConvGemm(ctx, kind, first, second, g, out, gpu, tuning, bias);
    return;
  }
  const size = Math.max(1, second.storage.size);
  const wt = ctx.storageBuffer(size * 4);
  runConvWeightFlipT(ctx, second, g.groups, wt);
  const Og = g.O / g.groups;
  const wtView: GView = {
    storage: new WebGPUStorage('float32', size, wt),
    dtype: 'float32',
    shape: [g.C, Og, g.KH, g.KW],
    strides: [Og * g.KH * g.KW, g.KH * g.KW, g.KW, 1],
    offset: 0,
  };
  if (g.strideH === 1 && g.strideW === 1)
    runConvGemm(ctx, 'forward', first, wtView, backwardInputAsForward(g), out, gpu, tuning);
  else runConvGemm(ctx, 'backwardInput', first, wtView, g, out, gpu, tuning);
  ctx.release(wt);
}

function runConvGemm(
  ctx: GpuContext,
  kind: ConvKind,
  first: GView,
  second: GView,
  g: Conv2dGeometry,
  out: WebGPUStorage,
  gpu: GpuProfile,
  tuning: WebGPUTuning,
  bias?: GView,
): void {
  const [M, N, K] = convGemmSize(kind, g);
  const plan = planGemm(M, N, K, g.groups, gpu, tuning);
  const core = coreOptions(
    ctx.device.limits.maxComputeWorkgroupStorageSize,
    plan,
    convVecAccess(kind, g, second.offset, first.offset),
    tuning,
  );
  const opts: ConvOptions = { kernel: 'conv2d', kind, tile: plan.tile, core, bias: !!bias };
  const pipeline = ctx.pipeline(opts, () => convSource(kind, plan.tile, core, !!bias));
  const [walkA, walkB] = convWalkers(kind, g);
  withSplitK(ctx, plan, out, (target) => {
    const prm = new Params()
      .u(...coreParams(plan, M, N, K, 0, out.size))
      .u(g.N, g.C, g.H, g.W, g.O, g.KH, g.KW, g.OH, g.OW)
      .u(g.strideH, g.strideW, g.padH, g.padW, g.dilationH, g.dilationW, g.C / g.groups, g.O / g.groups)
      .u(first.offset, second.offset, bias?.offset ?? 0, plan.tile.BK)
      .u(...walkA, ...walkB);
    // binding X is the pixel operand (x or dy), Y the other one
    const buffers = [target, first.storage.buffer, second.storage.buffer];
    ctx.dispatch(
      `conv2d ${kind}${bias ? '+bias' : ''}`,
      pipeline,
      bias ? [...buffers, bias.storage.buffer] : buffers,
      prm.build(),
      gemmGroups(plan, M, N, g.groups),
    );
  });
}
