/**
 * The weights of a convolution's backward-input GEMM, rearranged once per call: W [O, Cg, KH, KW]
 * (groups of Og filters) becomes Wt [C, Og, KH, KW] with both taps flipped (Wt[g*Cg + c, o, kh, kw] =
 * W[g*Og + o, c, KH-1-kh, KW-1-kw]). Its rows are then the backward-input GEMM's A rows, contiguous in
 * k = (o, kh, kw), so the GEMM loads them like a forward convolution's weights (16 bytes at a time
 * where aligned) instead of gathering them element by element with strides Cg*KH*KW.
 */
import { type GpuContext, grid } from '../context.js';
import { Params, paramsWgsl } from '../params.js';
import type { GView } from '../storage.js';

export interface ConvWeightOptions {
  readonly kernel: 'convWeightFlipT';
}

const SOURCE = /* wgsl */ `
@group(0) @binding(0) var<storage, read_write> Out: array<f32>;
@group(0) @binding(1) var<storage, read> Src: array<f32>;
${paramsWgsl(2, 8)}
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= p(0u)) { return; }
  let Og = p(2u); let Cg = p(3u); let khw = p(4u);
  let r = i % khw; let t = i / khw; let o = t % Og; let zc = t / Og;
  let z = zc / Cg; let c = zc % Cg;
  Out[i] = Src[p(1u) + ((z * Og + o) * Cg + c) * khw + (khw - 1u - r)];
}`;

/** Writes the flipped, transposed weights of `w` (contiguous [O, Cg, KH, KW], `groups`) into `out`. */
export function runConvWeightFlipT(ctx: GpuContext, w: GView, groups: number, out: GPUBuffer): void {
  const [O, Cg, KH, KW] = w.shape as [number, number, number, number];
  const n = O * Cg * KH * KW;
  if (n === 0) return;
  const opts: ConvWeightOptions = { kernel: 'convWeightFlipT' };
  const prm = new Params().u(n, w.offset, O / groups, Cg, KH * KW, 0, 0, 0);
  ctx.dispatch(
    'conv2d weight flipT',
    ctx.pipeline(opts, () => SOURCE),
    [out, w.storage.buffer],
    prm.build(),
    grid(Math.ceil(n / 256)),
  );
}
