// The WASM backend through the Backend contract, against the CPU backend: strided and broadcast
// matmul views, conv2d and pooling with offset views, float64 fallback, and option validation.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Conv2dGeometry, PoolWindows, View } from '../../backend.js';
import { BINARY, TERNARY, UNARY } from '../../elementwise-semantics.js';
import { seededUniform } from '../../testing/seeded-uniform.js';
import { cpuBackend } from '../cpu/index.js';
import type { CpuStorage } from '../cpu/storage.js';
import { createWasmBackend, type WasmBackend } from './backend.js';

function view(data: Float32Array | Float64Array, shape: number[], strides: number[], offset = 0): View {
  const dtype = data instanceof Float64Array ? 'float64' : 'float32';
  return { storage: cpuBackend.fromArray(data, dtype), dtype, shape, strides, offset };
}

function expectNear(got: ArrayLike<number>, want: ArrayLike<number>, tol: number): void {
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++)
    worst = Math.max(worst, Math.abs(got[i] - want[i]) / (1 + Math.abs(want[i])));
  expect(worst).toBeLessThan(tol);
}

const data = (s: CpuStorage | unknown) => (s as CpuStorage).data;

describe('createWasmBackend', () => {
  let wasm: WasmBackend;
  beforeAll(async () => {
    wasm = await createWasmBackend({ threads: 2 });
  });
  afterAll(() => wasm.close());

  it('reports its configuration', () => {
    expect(wasm.name).toBe('wasm');
    expect(wasm.threads).toBe(2);
    expect(['simd', 'relaxed']).toContain(wasm.simd);
  });

  it('matmul on transposed, offset and batch-broadcast views matches the CPU backend', () => {
    const r = seededUniform(5);
    const B = 3,
      M = 37,
      K = 70,
      N = 45;
    const a = new Float32Array(7 + M * K * B).map(() => r() - 0.5);
    const b = new Float32Array(K * N).map(() => r() - 0.5);
    // a: [B, M, K] stored as [B, K, M] (transposed inner matrices), offset 7; b broadcast over the batch.
    const av = view(a, [B, M, K], [M * K, 1, M], 7);
    const bv = view(b, [B, K, N], [0, N, 1]);
    expectNear(data(wasm.matmul(av, bv)), data(cpuBackend.matmul(av, bv)), 1e-5);
  });

  it('conv2d forward/backward and pooling on offset views match the CPU backend', () => {
    const r = seededUniform(6);
    const g: Conv2dGeometry = {
      N: 3,
      C: 4,
      H: 11,
      W: 9,
      O: 6,
      KH: 3,
      KW: 3,
      OH: 6,
      OW: 5,
      strideH: 2,
      strideW: 2,
      padH: 1,
      padW: 1,
      dilationH: 1,
      dilationW: 1,
      groups: 2,
    };
    const xs = new Float32Array(5 + g.N * g.C * g.H * g.W).map(() => r() - 0.5);
    const ws = new Float32Array(g.O * 2 * 9).map(() => r() - 0.5);
    const dys = new Float32Array(g.N * g.O * g.OH * g.OW).map(() => r() - 0.5);
    const x = view(xs, [g.N, g.C, g.H, g.W], [g.C * g.H * g.W, g.H * g.W, g.W, 1], 5);
    const w = view(ws, [g.O, 2, 3, 3], [18, 9, 3, 1]);
    const dy = view(dys, [g.N, g.O, g.OH, g.OW], [g.O * g.OH * g.OW, g.OH * g.OW, g.OW, 1]);
    expectNear(data(wasm.conv2d(x, w, g)), data(cpuBackend.conv2d(x, w, g)), 1e-5);
    expectNear(
      data(wasm.conv2dBackwardInput(dy, w, g)),
      data(cpuBackend.conv2dBackwardInput(dy, w, g)),
      1e-5,
    );
    expectNear(
      data(wasm.conv2dBackwardWeight(x, dy, g)),
      data(cpuBackend.conv2dBackwardWeight(x, dy, g)),
      1e-5,
    );

    const win = (n: number, k: number, s: number) => {
      const out = Math.floor((n - k) / s) + 1;
      const st = Int32Array.from({ length: out }, (_, i) => i * s);
      return { out, st, en: st.map((v) => v + k), ct: new Int32Array(out).fill(k) };
    };
    const h = win(g.H, 3, 2),
      wv = win(g.W, 3, 2);
    const p: PoolWindows = {
      N: g.N,
      C: g.C,
      H: g.H,
      W: g.W,
      OH: h.out,
      OW: wv.out,
      hStart: h.st,
      hEnd: h.en,
      wStart: wv.st,
      wEnd: wv.en,
      hCount: h.ct,
      wCount: wv.ct,
    };
    const mw = wasm.maxPool2d(x, p),
      mc = cpuBackend.maxPool2d(x, p);
    expect(Array.from(data(mw.argmax))).toEqual(Array.from(data(mc.argmax)));
    expectNear(data(mw.values), data(mc.values), 1e-7);
    const pdy = view(
      new Float32Array(g.N * g.C * h.out * wv.out).map(() => r()),
      [g.N, g.C, h.out, wv.out],
      [g.C * h.out * wv.out, h.out * wv.out, wv.out, 1],
    );
    const am: View = {
      storage: mw.argmax,
      dtype: 'int32',
      shape: pdy.shape,
      strides: pdy.strides,
      offset: 0,
    };
    expectNear(
      data(wasm.maxPool2dBackward(pdy, am, p)),
      data(cpuBackend.maxPool2dBackward(pdy, am, p)),
      1e-6,
    );
    expectNear(data(wasm.avgPool2d(x, p)), data(cpuBackend.avgPool2d(x, p)), 1e-6);
    expectNear(data(wasm.avgPool2dBackward(pdy, p)), data(cpuBackend.avgPool2dBackward(pdy, p)), 1e-6);
  });

  it('elementwise ops match the elementwise table bit for bit: full, per-channel, scalar and fallback layouts', () => {
    const r = seededUniform(8);
    const [N, C, H, W] = [3, 5, 17, 19];
    const n = N * C * H * W;
    const special = [0, -0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e-40];
    const fill = (len: number) =>
      new Float32Array(len).map((_, i) => (i % 11 === 0 ? special[i % special.length] : r() * 4 - 2));
    const full = (d: Float32Array, off = 0) => view(d, [N, C, H, W], [C * H * W, H * W, W, 1], off);
    const xa = fill(n + 3),
      xb = fill(n),
      xc = fill(n);
    const chan = view(fill(C + 2), [N, C, H, W], [0, 1, 0, 0], 2);
    const scalar = view(new Float32Array([0.25]), [N, C, H, W], [0, 0, 0, 0]);
    const transposed = view(xb, [N, C, H, W], [C * H * W, H * W, 1, H]);
    // Expected values straight from the elementwise table (the spec every backend follows), on
    // contiguous copies of the views, rounded to float32 like a Float32Array store.
    const flat = (v: View) => Float64Array.from(data(cpuBackend.copy(v)));
    // zeroSign: whether +0 and -0 must match; false for the transposed layout, which the WASM
    // backend hands to the CPU backend's JS loops (their branch-free prelu may turn a*(-0) into -0).
    const expectTable = (got: unknown, fn: (...xs: number[]) => number, views: View[], zeroSign = true) => {
      const g = data(got);
      const xs = views.map(flat);
      for (let i = 0; i < g.length; i++) {
        const w = Math.fround(fn(...xs.map((x) => x[i])));
        const ok = zeroSign ? Object.is(g[i], w) : g[i] === w;
        if (!ok && !(Number.isNaN(g[i]) && Number.isNaN(w))) {
          throw new Error(`[${i}] ${g[i]} vs ${w} from ${xs.map((x) => x[i]).join(', ')}`);
        }
      }
    };
    const a = full(xa, 3);
    const binaryOps = ['add', 'sub', 'mul', 'div', 'prelu', 'reluGrad', 'preluSlopeGrad', 'maximum'] as const;
    for (const b of [full(xb), chan, scalar, transposed]) {
      const wasmLayout = b !== transposed;
      for (const op of binaryOps)
        expectTable(wasm.binary(op, a, b, 'float32'), BINARY[op].js, [a, b], wasmLayout);
      const c = full(xc);
      expectTable(
        wasm.ternary('preluInputGrad', a, c, b, 'float32'),
        TERNARY.preluInputGrad.js,
        [a, c, b],
        wasmLayout,
      );
    }
    expectTable(wasm.binary('add', chan, a, 'float32'), BINARY.add.js, [chan, a]);
    expectTable(wasm.unary('relu', a), UNARY.relu.js, [a]);
    expectTable(wasm.unary('exp', a), UNARY.exp.js, [a]);
  });

  it('sum reductions over trailing (and leading) axes match the CPU backend', () => {
    const r = seededUniform(10);
    const [N, C, H, W] = [6, 7, 23, 29];
    const x = view(
      new Float32Array(N * C * H * W + 1).map(() => r() * 2 - 1),
      [N, C, H, W],
      [C * H * W, H * W, W, 1],
      1,
    );
    for (const axes of [[0, 2, 3], [2, 3], [3], [0, 1, 2, 3], [1], [0, 2]]) {
      const got = data(wasm.reduce('sum', x, axes));
      const want = data(cpuBackend.reduce('sum', x, axes));
      expect(got.length).toBe(want.length);
      for (let i = 0; i < want.length; i++)
        expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(want[i])));
    }
  });

  it('float64 runs the JS kernels exactly', () => {
    const r = seededUniform(7);
    const a = new Float64Array(20 * 30).map(() => r());
    const b = new Float64Array(30 * 10).map(() => r());
    const av = view(a, [1, 20, 30], [0, 30, 1]);
    const bv = view(b, [1, 30, 10], [0, 10, 1]);
    const got = wasm.matmul(av, bv);
    expect(got.dtype).toBe('float64');
    expect(Array.from(data(got))).toEqual(Array.from(data(cpuBackend.matmul(av, bv))));
  });

  it('falls back to the JS kernels when a call needs more than maxMemoryMB', async () => {
    const small = await createWasmBackend({ threads: 2, maxMemoryMB: 4 });
    try {
      const r = seededUniform(9);
      // 2 x 1.5M floats = 12 MB of operands: more than the 4 MiB kernel memory.
      const a = view(
        new Float32Array(1000 * 1500).map(() => r() - 0.5),
        [1, 1000, 1500],
        [0, 1500, 1],
      );
      const b = view(
        new Float32Array(1500 * 1000).map(() => r() - 0.5),
        [1, 1500, 1000],
        [0, 1000, 1],
      );
      expect(Array.from(data(small.matmul(a, b)).slice(0, 2000))).toEqual(
        Array.from(data(cpuBackend.matmul(a, b)).slice(0, 2000)),
      );
      // Small calls still run in WebAssembly (float32 rounding differs from the JS kernels).
      const c = view(
        new Float32Array(64 * 64).map(() => r() - 0.5),
        [1, 64, 64],
        [0, 64, 1],
      );
      expectNear(data(small.matmul(c, c)), data(cpuBackend.matmul(c, c)), 1e-5);
    } finally {
      small.close();
    }
  });

  it('rejects bad options with a clear error', async () => {
    await expect(createWasmBackend({ maxMemoryMB: 1 })).rejects.toThrow(/maxMemoryMB must be a number >= 4/);
    await expect(createWasmBackend({ threads: 0 })).rejects.toThrow(/threads must be a positive integer/);
    await expect(createWasmBackend({ simd: 'avx' as 'simd' })).rejects.toThrow(/simd must be/);
  });
});
