/**
 * Batched matmul C[b] = A[b] B[b] for 3-D strided views (stride 0 broadcasts a batch), on the tiled
 * GEMM core; strides and offsets are uniforms, so transposed operands need no copy.
 */
import type { GpuContext } from '../context.js';
import type { WebGPUTuning } from '../device.js';
import { Params, paramsWgsl } from '../params.js';
import type { GView, WebGPUStorage } from '../storage.js';
import { gemmSource, type Staging } from './gemm-core.js';
import { coreParams, gemmGroups, planGemm, type Tile, withSplitK } from './gemm-plan.js';

export interface MatmulOptions {
  readonly kernel: 'matmul';
  readonly tile: Tile;
  readonly staging: Staging;
}

const PRELUDE = /* wgsl */ `
@group(0) @binding(0) var<storage, read_write> C: array<f32>;
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> B: array<f32>;
${paramsWgsl(3, 16)}
fn prepA(z: u32, m: u32) -> vec4<u32> { return vec4<u32>(p(8u) + z * p(9u) + m * p(10u), 0u, 0u, 0u); }
fn loadA(z: u32, k: u32, q: vec4<u32>) -> f32 { return A[q.x + k * p(11u)]; }
fn prepB(z: u32, n: u32) -> vec4<u32> { return vec4<u32>(p(12u) + z * p(13u) + n * p(15u), 0u, 0u, 0u); }
fn loadB(z: u32, k: u32, q: vec4<u32>) -> f32 { return B[q.x + k * p(14u)]; }
fn storeC(z: u32, m: u32, n: u32, v: f32) { C[gPart + (z * p(0u) + m) * p(1u) + n] = v; }`;

const MAX_Z = 65535;

/** out [B, M, N] (contiguous) = a [B, M, K] @ b [B, K, N]. */
export function runMatmul(
  ctx: GpuContext,
  a: GView,
  b: GView,
  out: WebGPUStorage,
  software: boolean,
  tuning: WebGPUTuning = {},
): void {
  const [B, M, K] = a.shape as [number, number, number];
  const N = b.shape[2] as number;
  if (B === 0 || M === 0 || N === 0) return;
  const plan = planGemm(M, N, K, B, software, tuning);
  // walk each operand along its contiguous axis so that global loads coalesce (a transposed weight in
  // linear() is contiguous in k, not n)
  const staging: Staging = {
    a: a.strides[2] !== 1 && a.strides[1] === 1 ? 'm' : 'k',
    b: b.strides[2] !== 1 && b.strides[1] === 1 ? 'k' : 'n',
  };
  const opts: MatmulOptions = { kernel: 'matmul', tile: plan.tile, staging };
  const pipeline = ctx.pipeline(opts, () => gemmSource(plan.tile, PRELUDE, staging));
  const zPerDispatch = Math.floor(MAX_Z / plan.splitK);
  withSplitK(ctx, plan, out, (target) => {
    for (let z0 = 0; z0 < B; z0 += zPerDispatch) {
      const zc = Math.min(zPerDispatch, B - z0);
      const prm = new Params()
        .u(...coreParams(plan, M, N, K, z0, out.size))
        .u(a.offset, a.strides[0] as number, a.strides[1] as number, a.strides[2] as number)
        .u(b.offset, b.strides[0] as number, b.strides[1] as number, b.strides[2] as number);
      ctx.dispatch(
        'matmul',
        pipeline,
        [target, a.storage.buffer, b.storage.buffer],
        prm.build(),
        gemmGroups(plan, M, N, zc),
      );
    }
  });
}
