/**
 * Batched matmul C[b] = A[b] B[b] for 3-D strided views (stride 0 broadcasts a batch), on the tiled
 * GEMM core; strides and offsets are uniforms, so transposed operands need no copy.
 */
import type { GpuContext } from '../context.js';
import type { WebGPUTuning } from '../device.js';
import { Params, paramsWgsl } from '../params.js';
import type { GView, WebGPUStorage } from '../storage.js';
import { type GemmCoreOptions, gemmSource, type Staging } from './gemm-core.js';
import {
  aligned4,
  coreOptions,
  coreParams,
  gemmGroups,
  planGemm,
  type Tile,
  type VecEligibility,
  withSplitK,
} from './gemm-plan.js';
import type { GpuProfile } from './gpu-profile.js';

export interface MatmulOptions {
  readonly kernel: 'matmul';
  readonly tile: Tile;
  readonly staging: Staging;
  readonly core: GemmCoreOptions;
}

// Params 8-15: a offset, a batch/row/col strides, b offset, b batch/row/col strides. A vectorised
// operand is bound as array<vec4<f32>> (its offset and strides are multiples of 4, checked on the host).
function prelude(core: GemmCoreOptions): string {
  const bind = (i: number, name: string, vec: boolean, access = 'read') =>
    `@group(0) @binding(${i}) var<storage, ${access}> ${name}: array<${vec ? 'vec4<f32>' : 'f32'}>;`;
  return /* wgsl */ `
${bind(0, 'C', core.vecC, 'read_write')}
${bind(1, 'A', core.vecA)}
${bind(2, 'B', core.vecB)}
${paramsWgsl(3, 16)}
fn prepA(z: u32, m: u32) -> vec4<u32> { return vec4<u32>(p(8u) + z * p(9u) + m * p(10u), 0u, 0u, 0u); }
fn prepB(z: u32, n: u32) -> vec4<u32> { return vec4<u32>(p(12u) + z * p(13u) + n * p(15u), 0u, 0u, 0u); }
${
  core.vecA
    ? 'fn loadA4(z: u32, k: u32, q: vec4<u32>) -> vec4<f32> { return A[(q.x + k) / 4u]; }'
    : 'fn loadA(z: u32, k: u32, q: vec4<u32>) -> f32 { return A[q.x + k * p(11u)]; }'
}
${
  core.vecB
    ? 'fn loadB4(z: u32, k: u32, q: vec4<u32>) -> vec4<f32> { return B[(q.x + k * p(14u)) / 4u]; }'
    : 'fn loadB(z: u32, k: u32, q: vec4<u32>) -> f32 { return B[q.x + k * p(14u)]; }'
}
${
  core.vecC
    ? 'fn storeC4(z: u32, m: u32, n: u32, v: vec4<f32>) { C[(gPart + (z * p(0u) + m) * p(1u) + n) / 4u] = v; }'
    : 'fn storeC(z: u32, m: u32, n: u32, v: f32) { C[gPart + (z * p(0u) + m) * p(1u) + n] = v; }'
}`;
}

const MAX_Z = 65535;

/**
 * Which matmul operands allow 16-byte accesses: A along k and B along n when unit-stride there, with
 * offset and the other strides multiples of 4 (then K resp. N is a multiple of 4 and no vector
 * straddles a row or is misaligned); C, contiguous [B, M, N], when N is a multiple of 4.
 */
export function matmulVecAccess(a: GViewShape, b: GViewShape, staging: Staging): VecEligibility {
  const [, , K] = a.shape as [number, number, number];
  const N = b.shape[2] as number;
  const [sa0, sa1, sa2] = a.strides as [number, number, number];
  const [sb0, sb1, sb2] = b.strides as [number, number, number];
  return {
    a: staging.a === 'k' && sa2 === 1 && K % 4 === 0 && aligned4(a.offset, sa0, sa1),
    b: staging.b === 'n' && sb2 === 1 && N % 4 === 0 && aligned4(b.offset, sb0, sb1),
    c: N % 4 === 0,
  };
}

type GViewShape = Pick<GView, 'shape' | 'strides' | 'offset'>;

/** out [B, M, N] (contiguous) = a [B, M, K] @ b [B, K, N]. */
export function runMatmul(
  ctx: GpuContext,
  a: GView,
  b: GView,
  out: WebGPUStorage,
  gpu: GpuProfile,
  tuning: WebGPUTuning = {},
): void {
  const [B, M, K] = a.shape as [number, number, number];
  const N = b.shape[2] as number;
  if (B === 0 || M === 0 || N === 0) return;
  const plan = planGemm(M, N, K, B, gpu, tuning);
  // walk each operand along its contiguous axis so that global loads coalesce (a transposed weight in
  // linear() is contiguous in k, not n)
  const staging: Staging = {
    a: a.strides[2] !== 1 && a.strides[1] === 1 ? 'm' : 'k',
    b: b.strides[2] !== 1 && b.strides[1] === 1 ? 'k' : 'n',
  };
  const core = coreOptions(
    ctx.device.limits.maxComputeWorkgroupStorageSize,
    plan,
    matmulVecAccess(a, b, staging),
    tuning,
  );
  const opts: MatmulOptions = { kernel: 'matmul', tile: plan.tile, staging, core };
  const pipeline = ctx.pipeline(opts, () => gemmSource(plan.tile, prelude(core), staging, core));
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
