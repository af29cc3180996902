/**
 * The wave-aware GEMM planner on every GEMM of model A's training step (Table 3 of the paper: batch 32,
 * 224x224; conv forward, backward-input and backward-weight of each convolution, and the three fc
 * layers' matmuls), for an H100 profile and for an adapter the table does not know. Pure host logic.
 */
import { describe, expect, test } from 'vitest';
import { type ConvKind, convGemmSize } from './conv2d.js';
import {
  type GemmPlan,
  planGemm,
  planStats,
  residentGroups,
  TILE_16x128,
  TILE_64,
  TILE_128,
} from './gemm-plan.js';
import { gpuProfile, UNKNOWN_UNITS } from './gpu-profile.js';

interface Gemm {
  readonly name: string;
  readonly M: number;
  readonly N: number;
  readonly K: number;
  readonly Z: number;
}

/** Model A at batch 32: conv1 7x7/2 96, then 5 3x3 convs at 56 (256), 28 (512) and 14 (512), fc 4096/4096/1000. */
function modelAGemms(batch = 32): Gemm[] {
  const convs: { name: string; C: number; O: number; H: number; K: number; stride: number; pad: number }[] = [
    { name: 'conv1', C: 3, O: 96, H: 224, K: 7, stride: 2, pad: 3 },
  ];
  const stages: [number, number, number][] = [
    [56, 96, 256],
    [28, 256, 512],
    [14, 512, 512],
  ];
  stages.forEach(([H, cin, c], s) => {
    for (let i = 1; i <= 5; i++)
      convs.push({ name: `conv${s + 2}_${i}`, C: i === 1 ? cin : c, O: c, H, K: 3, stride: 1, pad: 1 });
  });
  const out: Gemm[] = [];
  for (const cv of convs) {
    const OH = Math.floor((cv.H + 2 * cv.pad - cv.K) / cv.stride) + 1;
    const g = {
      N: batch,
      C: cv.C,
      H: cv.H,
      W: cv.H,
      O: cv.O,
      KH: cv.K,
      KW: cv.K,
      OH,
      OW: OH,
      strideH: cv.stride,
      strideW: cv.stride,
      padH: cv.pad,
      padW: cv.pad,
      dilationH: 1,
      dilationW: 1,
      groups: 1,
    };
    for (const kind of ['forward', 'backwardInput', 'backwardWeight'] as ConvKind[]) {
      const [M, N, K] = convGemmSize(kind, g);
      out.push({ name: `${cv.name} ${kind}`, M, N, K, Z: 1 });
    }
  }
  // linear(x, W) = x @ W^T; its gradients dy @ W and x^T @ dy (bmm with one batch)
  const fcs: [string, number, number][] = [
    ['fc1', 63 * 512, 4096],
    ['fc2', 4096, 4096],
    ['fc3', 4096, 1000],
  ];
  for (const [name, fin, fout] of fcs) {
    out.push({ name: `${name} forward`, M: batch, N: fout, K: fin, Z: 1 });
    out.push({ name: `${name} backwardInput`, M: batch, N: fin, K: fout, Z: 1 });
    out.push({ name: `${name} backwardWeight`, M: fin, N: fout, K: batch, Z: 1 });
  }
  return out;
}

const tileName = (p: GemmPlan) => `${p.tile.BM}x${p.tile.BN}`;

function table(gemms: Gemm[], plans: GemmPlan[], gpu: ReturnType<typeof gpuProfile>): string {
  const rows = gemms.map((g, i) => {
    const p = plans[i] as GemmPlan;
    const st = planStats(p, g.M, g.N, g.Z, gpu);
    return [
      g.name.padEnd(24),
      `${g.M}x${g.N}x${g.K}`.padEnd(20),
      tileName(p).padEnd(8),
      String(p.splitK).padStart(3),
      String(st.groups).padStart(7),
      st.waves.toFixed(2).padStart(7),
      `${(100 * st.tailIdle).toFixed(1)}%`.padStart(7),
      `${(100 * st.padding).toFixed(1)}%`.padStart(7),
    ].join(' ');
  });
  const head = [
    'GEMM'.padEnd(24),
    'MxNxK'.padEnd(20),
    'tile'.padEnd(8),
    'spl',
    ' groups',
    '  waves',
    '   tail',
    '    pad',
  ];
  return [`${gpu.name}: ${gpu.computeUnits} units`, head.join(' '), ...rows].join('\n');
}

describe('wave-aware GEMM planner', () => {
  test('adapter profiles: H100/H200 by architecture and name, override, unknown and software adapters', () => {
    expect(gpuProfile({ vendor: 'nvidia', architecture: 'hopper' }).computeUnits).toBe(132);
    expect(gpuProfile('nvidia / hopper / NVIDIA H100 PCIe').computeUnits).toBe(114);
    expect(gpuProfile('nvidia / hopper / NVIDIA H200').computeUnits).toBe(132);
    // browsers may leave the architecture out: the product name still identifies the GPU
    expect(gpuProfile('nvidia / NVIDIA GeForce RTX 4090').computeUnits).toBe(128);
    expect(
      gpuProfile({ vendor: 'nvidia', architecture: 'ampere', description: 'NVIDIA A100-SXM4-80GB' })
        .computeUnits,
    ).toBe(108);
    expect(
      gpuProfile({ vendor: 'amd', architecture: 'cdna-3', description: 'AMD Instinct MI300X' }).computeUnits,
    ).toBe(304);
    expect(
      gpuProfile({ vendor: 'apple', architecture: 'metal-3', description: 'Apple M2 Max' }).computeUnits,
    ).toBe(32);
    expect(gpuProfile({ vendor: 'nvidia', architecture: 'hopper' }, 66).computeUnits).toBe(66);
    expect(gpuProfile('some vendor / new-arch').computeUnits).toBe(UNKNOWN_UNITS);
    expect(gpuProfile('google / swiftshader').software).toBe(true);
    // an explicit unit count plans waves on a software adapter too (dry runs of a GPU's plans)
    expect(gpuProfile('google / swiftshader', 132).software).toBe(false);
    expect(() => gpuProfile('nvidia / hopper', 0)).toThrow(/computeUnits must be a positive integer, got 0/);
    // residency on an H100 SM: two 128x128 workgroups (register bound), three 64x64 ones
    const h100 = gpuProfile({ vendor: 'nvidia', architecture: 'hopper' });
    expect(residentGroups(TILE_128, h100)).toBe(2);
    expect(residentGroups(TILE_64, h100)).toBe(3);
  });

  test("H100: every GEMM of model A's step runs >= 4 waves or whole waves with little padding", () => {
    const h100 = gpuProfile('nvidia / hopper / NVIDIA H100 80GB HBM3');
    expect(h100.computeUnits).toBe(132);
    const gemms = modelAGemms();
    expect(gemms).toHaveLength(16 * 3 + 3 * 3);
    const plans = gemms.map((g) => planGemm(g.M, g.N, g.K, g.Z, h100));
    console.log(table(gemms, plans, h100));
    gemms.forEach((g, i) => {
      const p = plans[i] as GemmPlan;
      const st = planStats(p, g.M, g.N, g.Z, h100);
      const what = `${g.name}: ${tileName(p)} split ${p.splitK}, ${st.waves.toFixed(2)} waves, pad ${st.padding.toFixed(3)}`;
      // >= 4 waves, or whole waves: at most 15% of the last wave's slots idle (the fc3 GEMMs, ~4 us
      // each, cannot do better with K slices of whole BK steps)
      expect(st.waves >= 4 || st.tailIdle <= 0.15, what).toBe(true);
      // at most 1/8 of the tiles' area outside the problem where M is a multiple of 64; 1/4 for the
      // 96-channel GEMMs (no tile has 96 rows); conv1 (3 input channels, 147 = 3x7x7 columns of its
      // weight gradient) is too small to matter
      if (!g.name.startsWith('conv1 '))
        expect(st.padding, what).toBeLessThanOrEqual(g.M % 64 === 0 ? 0.125 : 0.25);
      // slices of at least 4 BK steps, partial sums fixed-order (the split-K sum kernel)
      expect(p.kChunk * (p.splitK - 1), what).toBeLessThan(g.K);
    });
    // the weight gradients of the 3x3 convolutions: 128x128 tiles with K split
    for (const [i, g] of gemms.entries()) {
      if (!/conv[2-4]_\d backwardWeight/.test(g.name)) continue;
      expect((plans[i] as GemmPlan).tile, g.name).toBe(TILE_128);
      expect((plans[i] as GemmPlan).splitK, g.name).toBeGreaterThan(1);
    }
  });

  test('unknown adapter: planned for a mid-range GPU; software adapters keep one slice', () => {
    const unknown = gpuProfile('acme / future-gpu');
    const dw = planGemm(512, 4608, 6272, 1, unknown);
    const st = planStats(dw, 512, 4608, 1, unknown);
    console.log(table([{ name: 'conv4 backwardWeight', M: 512, N: 4608, K: 6272, Z: 1 }], [dw], unknown));
    expect(st.slots).toBe(UNKNOWN_UNITS * residentGroups(dw.tile, unknown));
    expect(st.waves >= 4 || st.tailIdle <= 0.15).toBe(true);
    const sw = gpuProfile('google / swiftshader');
    expect(planGemm(512, 4608, 6272, 1, sw)).toEqual({ tile: TILE_64, splitK: 1, kChunk: 6272 });
    expect(planGemm(8, 4608, 6272, 1, sw).tile).toBe(TILE_16x128);
    // tuning forces the tile and/or the split
    expect(planGemm(512, 4608, 6272, 1, unknown, { gemmTile: '64x64', gemmSplitK: 3 })).toEqual({
      tile: TILE_64,
      splitK: 3,
      kChunk: 2096,
    });
    expect(planGemm(512, 4608, 6272, 1, unknown, { gemmTile: '64x64' }).tile).toBe(TILE_64);
  });
});
