/**
 * 2-D convolution (NCHW x OIHW, stride, padding, dilation, groups) and its two backward kernels as
 * implicit GEMMs on the shared tiled core; the im2col matrix is never materialised, its entries are
 * computed in the load functions. One dispatch z per group.
 *
 * forward:         Y[g](o, n*OH*OW)   = W[g](o, c*KH*KW)  * im2col(X)[g](c*KH*KW, n*OH*OW)
 * backward input:  dX[g](c, n*H*W)    = W[g]^T(c, o*KH*KW) * col2im-gather(dY)[g](o*KH*KW, n*H*W)
 * backward weight: dW[g](o, c*KH*KW)  = dY[g](o, n*OH*OW) * im2col(X)[g]^T(n*OH*OW, c*KH*KW)
 */
import type { Conv2dGeometry } from '../../../backend.js';
import type { GpuContext } from '../context.js';
import type { WebGPUTuning } from '../device.js';
import { Params, paramsWgsl } from '../params.js';
import type { GView, WebGPUStorage } from '../storage.js';
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
// 16 OW, 17 strideH, 18 strideW, 19 padH, 20 padW, 21 dilH, 22 dilW, 23 Cg, 24 Og, 25 xOff, 26 wOff (or dyOff),
// 27 bias offset
const GEOM = /* wgsl */ `
fn gN() -> u32 { return p(8u); } fn gC() -> u32 { return p(9u); } fn gH() -> u32 { return p(10u); }
fn gW() -> u32 { return p(11u); } fn gO() -> u32 { return p(12u); } fn gKH() -> u32 { return p(13u); }
fn gKW() -> u32 { return p(14u); } fn gOH() -> u32 { return p(15u); } fn gOW() -> u32 { return p(16u); }
fn gCg() -> u32 { return p(23u); } fn gOg() -> u32 { return p(24u); }`;

/**
 * The K-axis table of a convolution kernel: for every k of the implicit GEMM, the offsets and tap
 * displacements its loads need, so the K loop does no integer division (vec4<i32> per k).
 * forward, k = (c, kh, kw):           (c*H*W, kh*dilH, kw*dilW, 0)
 * backwardInput, k = (o, kh, kw):     (o*OH*OW, kh*dilH, kw*dilW, o*Cg*KH*KW + kh*KW + kw)
 * backwardWeight, k = (n, oh, ow):    (n*C*H*W, oh*strideH, ow*strideW, n*O*OH*OW + oh*OW + ow)
 */
export function convKTable(kind: ConvKind, g: Conv2dGeometry): Int32Array {
  const [, , K] = convGemmSize(kind, g);
  const t = new Int32Array(4 * K);
  const khw = g.KH * g.KW;
  const Cg = g.C / g.groups;
  for (let k = 0; k < K; k++) {
    if (kind === 'backwardWeight') {
      const ohw = g.OH * g.OW;
      const n = Math.floor(k / ohw);
      const s = k % ohw;
      const oh = Math.floor(s / g.OW);
      const ow = s % g.OW;
      t.set([n * g.C * g.H * g.W, oh * g.strideH, ow * g.strideW, n * g.O * ohw + s], 4 * k);
    } else {
      const a = Math.floor(k / khw);
      const r = k % khw;
      const kh = Math.floor(r / g.KW);
      const kw = r % g.KW;
      if (kind === 'forward') t.set([a * g.H * g.W, kh * g.dilationH, kw * g.dilationW, 0], 4 * k);
      else t.set([a * g.OH * g.OW, kh * g.dilationH, kw * g.dilationW, a * Cg * khw + r], 4 * k);
    }
  }
  return t;
}

function prelude(kind: ConvKind, core: GemmCoreOptions, bias: boolean): string {
  const t = (vec: boolean) => (vec ? 'vec4<f32>' : 'f32');
  // Y (weights, or dy for the weight gradient) is bound as vec4 when A is read 4 k at a time; the
  // uniform parameters come after the last storage binding (GpuContext.dispatch)
  const head = /* wgsl */ `
@group(0) @binding(0) var<storage, read_write> Out: array<${t(core.vecC)}>;
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read> Y: array<${t(core.vecA)}>;
@group(0) @binding(3) var<storage, read> KT: array<vec4<i32>>;
${bias ? '@group(0) @binding(4) var<storage, read> Bias: array<f32>;' : ''}
${paramsWgsl(bias ? 5 : 4, 28)}
${GEOM}`;
  // prepA/prepB run once per thread and tile row/column (outside the K loop) and return what the
  // per-element loads need; KT[k] (convKTable) gives the k-dependent part, so the K loop has no
  // integer division. Signed values travel bit-cast in a vec4<u32>.
  if (kind === 'forward') {
    // X = input, Y = weight; M = Og, N = batch*OH*OW, K = Cg*KH*KW
    return /* wgsl */ `${head}
fn prepA(z: u32, m: u32) -> vec4<u32> { return vec4<u32>(p(26u) + (z * gOg() + m) * p(2u), 0u, 0u, 0u); }
${
  core.vecA
    ? 'fn loadA4(z: u32, k: u32, q: vec4<u32>) -> vec4<f32> { return Y[(q.x + k) / 4u]; }'
    : 'fn loadA(z: u32, k: u32, q: vec4<u32>) -> f32 { return Y[q.x + k]; }'
}
fn prepB(z: u32, n: u32) -> vec4<u32> {
  let ohw = gOH() * gOW();
  let b = n / ohw; let s = n % ohw; let oh = s / gOW(); let ow = s % gOW();
  let ih0 = i32(oh * p(17u)) - i32(p(19u));
  let iw0 = i32(ow * p(18u)) - i32(p(20u));
  return vec4<u32>(p(25u) + (b * gC() + z * gCg()) * gH() * gW(), bitcast<u32>(ih0), bitcast<u32>(iw0), 0u);
}
fn loadB(z: u32, k: u32, q: vec4<u32>) -> f32 {
  let t = KT[k];
  let ih = bitcast<i32>(q.y) + t.y;
  let iw = bitcast<i32>(q.z) + t.z;
  if (ih < 0 || iw < 0 || ih >= i32(gH()) || iw >= i32(gW())) { return 0.0; }
  return X[q.x + u32(t.x) + u32(ih) * gW() + u32(iw)];
}
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
    // X = dy, Y = weight; M = Cg, N = batch*H*W, K = Og*KH*KW
    return /* wgsl */ `${head}
fn prepA(z: u32, m: u32) -> vec4<u32> {
  return vec4<u32>(p(26u) + (z * gOg() * gCg() + m) * gKH() * gKW(), 0u, 0u, 0u);
}
fn loadA(z: u32, k: u32, q: vec4<u32>) -> f32 { return Y[q.x + u32(KT[k].w)]; }
fn prepB(z: u32, n: u32) -> vec4<u32> {
  let hw = gH() * gW();
  let b = n / hw; let s = n % hw; let ih = s / gW(); let iw = s % gW();
  return vec4<u32>(p(25u) + (b * gO() + z * gOg()) * gOH() * gOW(), ih + p(19u), iw + p(20u), 0u);
}
fn loadB(z: u32, k: u32, q: vec4<u32>) -> f32 {
  let t = KT[k];
  let th = i32(q.y) - t.y;
  let tw = i32(q.z) - t.z;
  if (th < 0 || tw < 0) { return 0.0; }
  let sh = p(17u); let sw = p(18u);
  var oh = u32(th); var ow = u32(tw);
  if (sh != 1u) { if (oh % sh != 0u) { return 0.0; } oh = oh / sh; }
  if (sw != 1u) { if (ow % sw != 0u) { return 0.0; } ow = ow / sw; }
  if (oh >= gOH() || ow >= gOW()) { return 0.0; }
  return X[q.x + u32(t.x) + oh * gOW() + ow];
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
  // backwardWeight: X = input, Y = dy; M = Og, N = Cg*KH*KW, K = batch*OH*OW
  return /* wgsl */ `${head}
fn prepA(z: u32, m: u32) -> vec4<u32> { return vec4<u32>(p(26u) + (z * gOg() + m) * gOH() * gOW(), 0u, 0u, 0u); }
${
  core.vecA
    ? 'fn loadA4(z: u32, k: u32, q: vec4<u32>) -> vec4<f32> { return Y[(q.x + u32(KT[k].w)) / 4u]; }'
    : 'fn loadA(z: u32, k: u32, q: vec4<u32>) -> f32 { return Y[q.x + u32(KT[k].w)]; }'
}
fn prepB(z: u32, n: u32) -> vec4<u32> {
  let khw = gKH() * gKW();
  let c = n / khw; let r = n % khw; let kh = r / gKW(); let kw = r % gKW();
  let dh = i32(kh * p(21u)) - i32(p(19u));
  let dw = i32(kw * p(22u)) - i32(p(20u));
  return vec4<u32>(p(25u) + (z * gCg() + c) * gH() * gW(), bitcast<u32>(dh), bitcast<u32>(dw), 0u);
}
fn loadB(z: u32, k: u32, q: vec4<u32>) -> f32 {
  let t = KT[k];
  let ih = t.y + bitcast<i32>(q.y);
  let iw = t.z + bitcast<i32>(q.z);
  if (ih < 0 || iw < 0 || ih >= i32(gH()) || iw >= i32(gW())) { return 0.0; }
  return X[q.x + u32(t.x) + u32(ih) * gW() + u32(iw)];
}
${
  core.vecC
    ? 'fn storeC4(z: u32, m: u32, n: u32, v: vec4<f32>) { Out[(gPart + (z * gOg() + m) * p(1u) + n) / 4u] = v; }'
    : 'fn storeC(z: u32, m: u32, n: u32, v: f32) { Out[gPart + (z * gOg() + m) * p(1u) + n] = v; }'
}`;
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
 * rows of the forward GEMM when Cg*KH*KW is a multiple of 4; dy along (n, oh, ow) in the weight
 * gradient when OH*OW is (4 consecutive k then stay in one image); output stores when 4 consecutive
 * GEMM columns are 4 consecutive, aligned addresses. The vectorised operand (`second`: weight or dy)
 * must start at a multiple of 4; the pixel operand is always read element-wise.
 */
export function convVecAccess(kind: ConvKind, g: Conv2dGeometry, secondOffset: number): VecEligibility {
  const khw = g.KH * g.KW;
  const Cg = g.C / g.groups;
  const ohw = g.OH * g.OW;
  if (kind === 'forward')
    return { a: (Cg * khw) % 4 === 0 && secondOffset % 4 === 0, b: false, c: ohw % 4 === 0 };
  if (kind === 'backwardInput') return { a: false, b: false, c: (g.H * g.W) % 4 === 0 };
  return { a: ohw % 4 === 0 && secondOffset % 4 === 0, b: false, c: (Cg * khw) % 4 === 0 };
}

/**
 * Runs one convolution kernel. `first`/`second` are (x, w) for forward, (dy, w) for backwardInput,
 * (x, dy) for backwardWeight; all contiguous. `ktab` holds {@link convKTable} of (kind, g). `bias`
 * (forward only, [O]) is added in the GEMM epilogue.
 */
export function runConv(
  ctx: GpuContext,
  kind: ConvKind,
  first: GView,
  second: GView,
  g: Conv2dGeometry,
  ktab: GPUBuffer,
  out: WebGPUStorage,
  software: boolean,
  tuning: WebGPUTuning = {},
  bias?: GView,
): void {
  const [M, N, K] = convGemmSize(kind, g);
  if (M === 0 || N === 0) return;
  if (bias && kind !== 'forward') throw new Error(`conv2d ${kind}: a bias epilogue is forward-only`);
  const plan = planGemm(M, N, K, g.groups, software, tuning);
  // weight-gradient operands are contiguous along k = (n, oh, ow); the others along k (weights) and n (pixels)
  const staging: Staging = kind === 'backwardWeight' ? { a: 'k', b: 'k' } : { a: 'k', b: 'n' };
  const core = coreOptions(
    ctx.device.limits.maxComputeWorkgroupStorageSize,
    plan,
    convVecAccess(kind, g, second.offset),
    tuning,
  );
  const opts: ConvOptions = { kernel: 'conv2d', kind, tile: plan.tile, core, bias: !!bias };
  const pipeline = ctx.pipeline(opts, () =>
    gemmSource(plan.tile, prelude(kind, core, !!bias), staging, core),
  );
  withSplitK(ctx, plan, out, (target) => {
    const prm = new Params()
      .u(...coreParams(plan, M, N, K, 0, out.size))
      .u(g.N, g.C, g.H, g.W, g.O, g.KH, g.KW, g.OH, g.OW)
      .u(g.strideH, g.strideW, g.padH, g.padW, g.dilationH, g.dilationW, g.C / g.groups, g.O / g.groups)
      .u(first.offset, second.offset, bias?.offset ?? 0);
    // binding X is the pixel operand (x or dy), Y the other one
    const buffers = [target, first.storage.buffer, second.storage.buffer, ktab];
    ctx.dispatch(
      `conv2d ${kind}${bias ? '+bias' : ''}`,
      pipeline,
      bias ? [...buffers, bias.storage.buffer] : buffers,
      prm.build(),
      gemmGroups(plan, M, N, g.groups),
    );
  });
}
