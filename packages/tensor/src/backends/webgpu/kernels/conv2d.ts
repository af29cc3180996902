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
import { Params, paramsWgsl } from '../params.js';
import type { GView, WebGPUStorage } from '../storage.js';
import { chooseTile, gemmGroups, gemmSource, type Tile } from './gemm-core.js';

export type ConvKind = 'forward' | 'backwardInput' | 'backwardWeight';

export interface ConvOptions {
  readonly kernel: 'conv2d';
  readonly kind: ConvKind;
  readonly tile: Tile;
}

// Params: 0 M, 1 N, 2 K, 3 zBase, 4 N(batch), 5 C, 6 H, 7 W, 8 O, 9 KH, 10 KW, 11 OH, 12 OW,
// 13 strideH, 14 strideW, 15 padH, 16 padW, 17 dilH, 18 dilW, 19 Cg, 20 Og, 21 xOff, 22 wOff (or dyOff)
const GEOM = /* wgsl */ `
fn gN() -> u32 { return p(4u); } fn gC() -> u32 { return p(5u); } fn gH() -> u32 { return p(6u); }
fn gW() -> u32 { return p(7u); } fn gO() -> u32 { return p(8u); } fn gKH() -> u32 { return p(9u); }
fn gKW() -> u32 { return p(10u); } fn gOH() -> u32 { return p(11u); } fn gOW() -> u32 { return p(12u); }
fn gCg() -> u32 { return p(19u); } fn gOg() -> u32 { return p(20u); }
// input pixel read by output (oh, ow) at kernel tap (kh, kw), or -1 when it falls in the padding
fn inPix(oh: u32, ow: u32, kh: u32, kw: u32) -> vec2<i32> {
  let ih = i32(oh * p(13u) + kh * p(17u)) - i32(p(15u));
  let iw = i32(ow * p(14u) + kw * p(18u)) - i32(p(16u));
  if (ih < 0 || iw < 0 || ih >= i32(gH()) || iw >= i32(gW())) { return vec2<i32>(-1, -1); }
  return vec2<i32>(ih, iw);
}`;

function prelude(kind: ConvKind): string {
  const head = /* wgsl */ `
@group(0) @binding(0) var<storage, read_write> Out: array<f32>;
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read> Y: array<f32>;
${paramsWgsl(3, 24)}
${GEOM}`;
  if (kind === 'forward') {
    // X = input, Y = weight
    return /* wgsl */ `${head}
fn loadA(z: u32, m: u32, k: u32) -> f32 { return Y[p(22u) + (z * gOg() + m) * p(2u) + k]; }
fn loadB(z: u32, k: u32, n: u32) -> f32 {
  let khw = gKH() * gKW();
  let c = k / khw; let r = k % khw; let kh = r / gKW(); let kw = r % gKW();
  let ohw = gOH() * gOW();
  let b = n / ohw; let s = n % ohw; let oh = s / gOW(); let ow = s % gOW();
  let pix = inPix(oh, ow, kh, kw);
  if (pix.x < 0) { return 0.0; }
  return X[p(21u) + ((b * gC() + z * gCg() + c) * gH() + u32(pix.x)) * gW() + u32(pix.y)];
}
fn storeC(z: u32, m: u32, n: u32, v: f32) {
  let ohw = gOH() * gOW();
  let b = n / ohw; let s = n % ohw;
  Out[(b * gO() + z * gOg() + m) * ohw + s] = v;
}`;
  }
  if (kind === 'backwardInput') {
    // X = dy, Y = weight; M = Cg, N = batch*H*W, K = Og*KH*KW
    return /* wgsl */ `${head}
fn loadA(z: u32, m: u32, k: u32) -> f32 {
  let khw = gKH() * gKW();
  let o = k / khw; let r = k % khw;
  return Y[p(22u) + ((z * gOg() + o) * gCg() + m) * khw + r];
}
fn loadB(z: u32, k: u32, n: u32) -> f32 {
  let khw = gKH() * gKW();
  let o = k / khw; let r = k % khw; let kh = r / gKW(); let kw = r % gKW();
  let hw = gH() * gW();
  let b = n / hw; let s = n % hw; let ih = s / gW(); let iw = s % gW();
  let th = i32(ih + p(15u)) - i32(kh * p(17u));
  let tw = i32(iw + p(16u)) - i32(kw * p(18u));
  if (th < 0 || tw < 0) { return 0.0; }
  let sh = p(13u); let sw = p(14u);
  if (u32(th) % sh != 0u || u32(tw) % sw != 0u) { return 0.0; }
  let oh = u32(th) / sh; let ow = u32(tw) / sw;
  if (oh >= gOH() || ow >= gOW()) { return 0.0; }
  return X[p(21u) + ((b * gO() + z * gOg() + o) * gOH() + oh) * gOW() + ow];
}
fn storeC(z: u32, m: u32, n: u32, v: f32) {
  let hw = gH() * gW();
  let b = n / hw; let s = n % hw;
  Out[(b * gC() + z * gCg() + m) * hw + s] = v;
}`;
  }
  // backwardWeight: X = input, Y = dy; M = Og, N = Cg*KH*KW, K = batch*OH*OW
  return /* wgsl */ `${head}
fn loadA(z: u32, m: u32, k: u32) -> f32 {
  let ohw = gOH() * gOW();
  let b = k / ohw; let s = k % ohw;
  return Y[p(22u) + (b * gO() + z * gOg() + m) * ohw + s];
}
fn loadB(z: u32, k: u32, n: u32) -> f32 {
  let khw = gKH() * gKW();
  let c = n / khw; let r = n % khw; let kh = r / gKW(); let kw = r % gKW();
  let ohw = gOH() * gOW();
  let b = k / ohw; let s = k % ohw; let oh = s / gOW(); let ow = s % gOW();
  let pix = inPix(oh, ow, kh, kw);
  if (pix.x < 0) { return 0.0; }
  return X[p(21u) + ((b * gC() + z * gCg() + c) * gH() + u32(pix.x)) * gW() + u32(pix.y)];
}
fn storeC(z: u32, m: u32, n: u32, v: f32) { Out[(z * gOg() + m) * p(1u) + n] = v; }`;
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
 * Runs one convolution kernel. `first`/`second` are (x, w) for forward, (dy, w) for backwardInput,
 * (x, dy) for backwardWeight; all contiguous.
 */
export function runConv(
  ctx: GpuContext,
  kind: ConvKind,
  first: GView,
  second: GView,
  g: Conv2dGeometry,
  out: WebGPUStorage,
  software: boolean,
): void {
  const [M, N, K] = convGemmSize(kind, g);
  if (M === 0 || N === 0) return;
  const tile = chooseTile(M, N, software);
  const opts: ConvOptions = { kernel: 'conv2d', kind, tile };
  const pipeline = ctx.pipeline(opts, () => gemmSource(tile, prelude(kind)));
  const prm = new Params()
    .u(M, N, K, 0, g.N, g.C, g.H, g.W, g.O, g.KH, g.KW, g.OH, g.OW)
    .u(g.strideH, g.strideW, g.padH, g.padW, g.dilationH, g.dilationW, g.C / g.groups, g.O / g.groups)
    .u(first.offset, second.offset);
  // binding X is the pixel operand (x or dy), Y the other one
  ctx.dispatch(`conv2d ${kind}`, pipeline, [out.buffer, first.storage.buffer, second.storage.buffer], prm.build(), gemmGroups(tile, M, N, g.groups));
}
