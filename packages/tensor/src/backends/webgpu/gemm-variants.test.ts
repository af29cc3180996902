/**
 * The GEMM core's optional fast paths: which problems may use 16-byte operand accesses (pure host
 * logic), and every pipelining / vector-access / tile combination computing the same matmuls and
 * convolutions (bias epilogue included) as naive float64 loops, on 4-aligned problems where the vector
 * paths are taken and on offset views where they must not be.
 */
import { describe, expect, test } from 'vitest';
import type { View } from '../../backend.js';
import type { WebGPUTuning } from './device.js';
import { testWebGPU } from './gpu-env.js';
import { convVecAccess } from './kernels/conv2d.js';
import { coreOptions, planGemm, TILE_16x128, TILE_64, TILE_128 } from './kernels/gemm-plan.js';
import { vec4SharedBytes } from './kernels/gemm-vec4.js';
import { gpuProfile } from './kernels/gpu-profile.js';
import { matmulVecAccess } from './kernels/matmul.js';
import type { WebGPUStorage } from './storage.js';
import { createWebGPUBackend } from './webgpu-backend.js';
import {
  convGradRef,
  convRef,
  data,
  firstMismatch,
  geometry,
  matmulRef,
} from './webgpu-reference.test-util.js';

const contiguous = (shape: number[]) => shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));

describe('GEMM fast-path eligibility', () => {
  const v = (shape: number[], strides = contiguous(shape), offset = 0) => ({ shape, strides, offset });
  const kn = { a: 'k', b: 'n' } as const;

  test('matmul: 16-byte A/B/C accesses only for unit-stride, 4-aligned operands', () => {
    expect(matmulVecAccess(v([2, 64, 36]), v([2, 36, 68]), kn)).toEqual({ a: true, b: true, c: true });
    // K = 45: A rows are not 4-aligned; N = 33: neither B rows nor C rows are
    expect(matmulVecAccess(v([1, 8, 45]), v([1, 45, 33]), kn)).toEqual({ a: false, b: false, c: false });
    // offset 2 breaks alignment of A; a broadcast batch (stride 0) of B is fine
    expect(matmulVecAccess(v([1, 8, 36], [0, 36, 1], 2), v([3, 36, 8], [0, 8, 1]), kn)).toEqual({
      a: false,
      b: true,
      c: true,
    });
    // transposed operands are staged along m / k: no vector loads, C still vectorised
    const at = v([1, 8, 36], [288, 1, 8]);
    const bt = v([1, 36, 8], [288, 1, 36]);
    expect(matmulVecAccess(at, bt, { a: 'm', b: 'k' })).toEqual({ a: false, b: false, c: true });
  });

  test('convolution: weight rows, dy runs and output runs of 4', () => {
    const g = geometry({ N: 2, C: 8, H: 8, W: 8, O: 12, KH: 3, KW: 3, padH: 1, padW: 1 });
    expect(convVecAccess('forward', g, 0)).toEqual({ a: true, b: false, c: true });
    expect(convVecAccess('forward', g, 2)).toEqual({ a: false, b: false, c: true });
    expect(convVecAccess('backwardInput', g, 0)).toEqual({ a: true, b: false, c: true });
    expect(convVecAccess('backwardWeight', g, 0)).toEqual({ a: true, b: false, c: true });
    // 7x7 maps (49 pixels) and C*KH*KW = 3*7*7 = 147 allow none of the runs
    const odd = geometry({ N: 1, C: 3, H: 7, W: 7, O: 4, KH: 7, KW: 7, padH: 3, padW: 3 });
    expect(convVecAccess('forward', odd, 0)).toEqual({ a: false, b: false, c: false });
    expect(convVecAccess('backwardWeight', odd, 0)).toEqual({ a: false, b: false, c: false });
    // pixels 4 at a time: 1x1 kernels with unit row stride, aligned rows, padding and offset only
    const pw = geometry({ N: 1, C: 4, H: 4, W: 8, O: 8, KH: 1, KW: 1, padW: 4 });
    expect(convVecAccess('forward', pw, 0, 0).b).toBe(true);
    expect(convVecAccess('forward', pw, 0, 2).b).toBe(false);
    expect(convVecAccess('forward', { ...pw, padW: 1, OW: 10 }, 0, 0).b).toBe(false);
    expect(convVecAccess('forward', g, 0, 0).b).toBe(false);
  });

  test('pipelining falls back to one shared buffer when two do not fit the workgroup memory', () => {
    const plan128 = { tile: TILE_128, splitK: 1, kChunk: 8 };
    const all = { a: true, b: true, c: true };
    expect(vec4SharedBytes(TILE_128, 'double')).toBe(2 * 8 * (132 + 132) * 4);
    expect(coreOptions(32768, plan128, all).pipeline).toBe('double');
    expect(coreOptions(16384, plan128, all).pipeline).toBe('prefetch');
    expect(coreOptions(32768, plan128, all, { gemmPipeline: 'none', gemmVectorAccess: false })).toEqual({
      vecA: false,
      vecB: false,
      vecC: false,
      pipeline: 'none',
    });
    // scalar register blocks (16x128 tiles) have neither fast path
    expect(coreOptions(32768, { tile: TILE_16x128, splitK: 1, kChunk: 16 }, all)).toEqual({
      vecA: false,
      vecB: false,
      vecC: false,
      pipeline: 'none',
    });
    expect(planGemm(64, 64, 64, 1, gpuProfile('google / swiftshader')).tile).toBe(TILE_64);
  });

  test('hardware adapters: 128x128 tiles where they fill whole waves, K split for weight gradients', () => {
    const h100 = gpuProfile({ vendor: 'nvidia', architecture: 'hopper' });
    // the benchmark's conv forward (M = 256 channels, N = 32 x 56 x 56 pixels) and matmul 4096^3
    expect(planGemm(256, 32 * 56 * 56, 2304, 1, h100).tile).toBe(TILE_128);
    expect(planGemm(4096, 4096, 4096, 1, h100).tile).toBe(TILE_128);
    // software adapters: 64x64, no split
    expect(planGemm(4096, 4096, 4096, 1, gpuProfile('google / swiftshader'))).toEqual({
      tile: TILE_64,
      splitK: 1,
      kChunk: 4096,
    });
    // a weight gradient (M = 256, N = 2304, K = batch x pixels): 128x128 tiles and K split into
    // whole waves of 2 x 132 workgroups
    const dw = planGemm(256, 2304, 32 * 56 * 56, 1, h100);
    expect(dw.tile).toBe(TILE_128);
    expect((2 * 18 * dw.splitK) % 264).toBe(0);
  });
});

const { backend: probe, reason } = await testWebGPU();
if (!probe) test.skip(`GEMM variant tests skipped: ${reason}`, () => {});

function view(
  storage: WebGPUStorage,
  shape: number[],
  strides = contiguous(shape),
  offset = 0,
): View<WebGPUStorage> {
  return { storage, dtype: storage.dtype, shape, strides, offset };
}

const variants: [string, WebGPUTuning][] = [
  ['64x64 double-buffered', { gemmTile: '64x64', gemmPipeline: 'double' }],
  ['64x64 prefetch', { gemmTile: '64x64', gemmPipeline: 'prefetch' }],
  ['64x64 plain scalar', { gemmTile: '64x64', gemmPipeline: 'none', gemmVectorAccess: false }],
  ['128x128 double-buffered, split K', { gemmTile: '128x128', gemmPipeline: 'double', gemmSplitK: 3 }],
  ['128x128 prefetch', { gemmTile: '128x128', gemmPipeline: 'prefetch' }],
];

describe.skipIf(!probe)('GEMM variants on WebGPU', () => {
  // compile-bound (a dozen pipelines per variant on SwiftShader): generous timeout for busy machines
  test.each(variants)(
    '%s: matmul and conv kernels match float64 loops',
    { timeout: 240_000 },
    async (_, tuning) => {
      const b = await createWebGPUBackend({ tuning });
      try {
        const up = (a: Float32Array) => b.fromArray(a, 'float32');
        const read = async (s: WebGPUStorage) => Array.from(await b.read(view(s, [s.size])));
        // aligned: vector loads of A and B, vector stores of C; K spans several slices plus a tail
        const [B, M, K, N] = [2, 70, 44, 68];
        const a = data(B * M * K, 1);
        const bb = data(B * K * N, 2);
        const want = matmulRef(a, bb, B, M, K, N);
        const got = await read(b.matmul(view(up(a), [B, M, K]), view(up(bb), [B, K, N])));
        expect(firstMismatch(got, want, 1e-4, 1e-5)).toBe(-1);
        // the same operands at offsets 4 (aligned, vector path) and 1 (element-wise path)
        for (const off of [4, 1]) {
          const pa = new Float32Array(a.length + off);
          pa.set(a, off);
          const pb = new Float32Array(bb.length + off);
          pb.set(bb, off);
          const sa = view(up(pa), [B, M, K], contiguous([B, M, K]), off);
          const sb = view(up(pb), [B, K, N], contiguous([B, K, N]), off);
          expect(firstMismatch(await read(b.matmul(sa, sb)), want, 1e-4, 1e-5), `offset ${off}`).toBe(-1);
        }
        // K shorter than one slice (a single, partial slice: nothing to prefetch) and K = 0 (zeros)
        for (const k of [4, 0]) {
          const sa = data(40 * k, 7);
          const sb = data(k * 36, 8);
          const out = await read(b.matmul(view(up(sa), [1, 40, k]), view(up(sb), [1, k, 36])));
          expect(firstMismatch(out, matmulRef(sa, sb, 1, 40, k, 36), 1e-4, 1e-5), `K = ${k}`).toBe(-1);
        }
        // convolution with 4-aligned runs everywhere (vector weight/dy loads and output stores) and bias
        const g = geometry({ N: 2, C: 8, H: 8, W: 8, O: 12, KH: 3, KW: 3, padH: 1, padW: 1 });
        const x = data(g.N * g.C * g.H * g.W, 3);
        const w = data(g.O * g.C * g.KH * g.KW, 4);
        const bias = data(g.O, 5);
        const dy = data(g.N * g.O * g.OH * g.OW, 6);
        const xv = view(up(x), [g.N, g.C, g.H, g.W]);
        const wv = view(up(w), [g.O, g.C, g.KH, g.KW]);
        const dyv = view(up(dy), [g.N, g.O, g.OH, g.OW]);
        const y = convRef(x, w, g);
        const ohw = g.OH * g.OW;
        const yb = y.map((v, i) => v + (bias[Math.floor(i / ohw) % g.O] as number));
        const ref = convGradRef(x, w, dy, g);
        expect(firstMismatch(await read(b.conv2d(xv, wv, g)), y, 1e-4, 1e-5)).toBe(-1);
        const fused = b.conv2dBias(xv, wv, view(up(bias), [g.O]), g);
        expect(firstMismatch(await read(fused), yb, 1e-4, 1e-5)).toBe(-1);
        expect(firstMismatch(await read(b.conv2dBackwardInput(dyv, wv, g)), ref.dx, 1e-4, 1e-5)).toBe(-1);
        expect(firstMismatch(await read(b.conv2dBackwardWeight(xv, dyv, g)), ref.dw, 1e-4, 1e-5)).toBe(-1);
        // a bias that is a strided view (every other element of a longer buffer) is honoured
        const wide = new Float32Array(2 * g.O);
        bias.forEach((v, i) => {
          wide[2 * i + 1] = v;
        });
        const strided = b.conv2dBias(xv, wv, view(up(wide), [g.O], [2], 1), g);
        expect(firstMismatch(await read(strided), yb, 1e-4, 1e-5)).toBe(-1);
        // a 1x1 convolution reads its pixels 4 at a time (padding 4 along rows: whole groups of padding;
        // its input gradient runs as a forward convolution with padding -4, cropping)
        const p1 = geometry({ N: 1, C: 4, H: 4, W: 8, O: 8, KH: 1, KW: 1, padH: 1, padW: 4 });
        expect(convVecAccess('forward', p1, 0, 0).b).toBe(true);
        const x1 = data(p1.N * p1.C * p1.H * p1.W, 51);
        const w1 = data(p1.O * p1.C, 52);
        const dy1 = data(p1.N * p1.O * p1.OH * p1.OW, 53);
        const x1v = view(up(x1), [p1.N, p1.C, p1.H, p1.W]);
        const w1v = view(up(w1), [p1.O, p1.C, 1, 1]);
        const dy1v = view(up(dy1), [p1.N, p1.O, p1.OH, p1.OW]);
        const ref1 = convGradRef(x1, w1, dy1, p1);
        expect(firstMismatch(await read(b.conv2d(x1v, w1v, p1)), convRef(x1, w1, p1), 1e-4, 1e-5)).toBe(-1);
        expect(firstMismatch(await read(b.conv2dBackwardInput(dy1v, w1v, p1)), ref1.dx, 1e-4, 1e-5)).toBe(-1);
        expect(firstMismatch(await read(b.conv2dBackwardWeight(x1v, dy1v, p1)), ref1.dw, 1e-4, 1e-5)).toBe(
          -1,
        );
      } finally {
        b.destroy();
      }
    },
  );
});

describe.skipIf(!probe)('convolution loaders on WebGPU', () => {
  // stride 1 backward inputs run as forward convolutions of dy with flipped, transposed weights
  // (padding dil*(K-1) - pad, negative when the padding exceeds the kernel's reach); strided ones
  // gather. Operands at offset 1 take the element-wise paths and the transposition's source offset.
  const cases = [
    geometry({ N: 2, C: 3, H: 5, W: 7, O: 4, KH: 3, KW: 2, padH: 2, padW: 1, dilationH: 2, groups: 1 }),
    geometry({ N: 1, C: 4, H: 4, W: 5, O: 2, KH: 3, KW: 3, padH: 3, padW: 1, groups: 2 }),
    geometry({ N: 2, C: 2, H: 7, W: 6, O: 3, KH: 2, KW: 3, strideH: 2, strideW: 1, padW: 1 }),
  ];
  test.each(cases.map((g, i) => [i, g] as const))(
    'case %i: all three kernels, operands at offset 1',
    async (_, g) => {
      const b = probe as NonNullable<typeof probe>;
      const up = (a: Float32Array) => b.fromArray(a, 'float32');
      const read = async (s: WebGPUStorage) => Array.from(await b.read(view(s, [s.size])));
      const at1 = (a: Float32Array, shape: number[]) => {
        const pa = new Float32Array(a.length + 1);
        pa.set(a, 1);
        return view(up(pa), shape, contiguous(shape), 1);
      };
      const x = data(g.N * g.C * g.H * g.W, 41);
      const w = data(g.O * (g.C / g.groups) * g.KH * g.KW, 42);
      const dy = data(g.N * g.O * g.OH * g.OW, 43);
      const xv = at1(x, [g.N, g.C, g.H, g.W]);
      const wv = at1(w, [g.O, g.C / g.groups, g.KH, g.KW]);
      const dyv = at1(dy, [g.N, g.O, g.OH, g.OW]);
      const ref = convGradRef(x, w, dy, g);
      expect(firstMismatch(await read(b.conv2d(xv, wv, g)), convRef(x, w, g), 1e-4, 1e-5)).toBe(-1);
      expect(firstMismatch(await read(b.conv2dBackwardInput(dyv, wv, g)), ref.dx, 1e-4, 1e-5)).toBe(-1);
      expect(firstMismatch(await read(b.conv2dBackwardWeight(xv, dyv, g)), ref.dw, 1e-4, 1e-5)).toBe(-1);
    },
  );
});
