// The native backend through the Backend contract, against the CPU backend: strided, transposed and
// batch-broadcast matmul views, conv2d (bias, groups, stride, dilation, a window that stops short of
// the input's end) and pooling on offset views, the elementwise loops and fused SGD bit for bit,
// float64 fallback, and option validation.

import {
  type Conv2dGeometry,
  CpuStorage,
  contiguousStrides,
  cpuBackend,
  type PoolWindows,
  type SgdHyper,
  type Storage,
  type View,
} from '@rectifier/tensor';
import { seededUniform } from '@rectifier/tensor/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { createNativeBackend, type NativeBackend } from './backend.js';

function view(
  data: Float32Array | Float64Array,
  shape: number[],
  strides = contiguousStrides(shape),
  offset = 0,
): View {
  const dtype = data instanceof Float64Array ? 'float64' : 'float32';
  return { storage: cpuBackend.fromArray(data, dtype), dtype, shape, strides, offset };
}
const random = (n: number, r: () => number) => new Float32Array(n).map(() => r() - 0.5);
const data = (s: Storage) => (s as CpuStorage).data;
const bits = (s: Storage) => Array.from(new Uint32Array(new Float32Array(data(s)).buffer));

function expectNear(got: ArrayLike<number>, want: ArrayLike<number>, tol: number): void {
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++)
    worst = Math.max(worst, Math.abs(got[i] - want[i]) / (1 + Math.abs(want[i])));
  expect(worst).toBeLessThan(tol);
}

function geometry(
  o: Partial<Conv2dGeometry> & Pick<Conv2dGeometry, 'N' | 'C' | 'H' | 'W' | 'O'>,
): Conv2dGeometry {
  const g = {
    KH: 3,
    KW: 3,
    strideH: 1,
    strideW: 1,
    padH: 1,
    padW: 1,
    dilationH: 1,
    dilationW: 1,
    groups: 1,
    ...o,
  };
  const out = (n: number, k: number, s: number, p: number, d: number) =>
    Math.floor((n + 2 * p - d * (k - 1) - 1) / s) + 1;
  return {
    ...g,
    OH: out(g.H, g.KH, g.strideH, g.padH, g.dilationH),
    OW: out(g.W, g.KW, g.strideW, g.padW, g.dilationW),
  };
}

describe('createNativeBackend', () => {
  let native: NativeBackend;
  beforeAll(async () => {
    native = await createNativeBackend({ threads: 2 });
  });

  it('reports its configuration', () => {
    expect(native.name).toBe('native');
    expect(native.threads).toBe(2);
    expect(native.onednn.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(native.description).toBe(
      `native (oneDNN ${native.onednn.version}, ${native.onednn.isa}, 2 threads)`,
    );
  });

  it('rejects a bad thread count with a one-line error', async () => {
    await expect(createNativeBackend({ threads: 0 })).rejects.toThrow(
      'createNativeBackend: threads must be a positive integer, got 0',
    );
    await expect(createNativeBackend({ threads: 1.5 })).rejects.toThrow(/positive integer, got 1.5/);
  });

  it('matmul on transposed, offset and batch-broadcast views matches the CPU backend', () => {
    const r = seededUniform(5);
    const [B, M, K, N] = [3, 37, 70, 45];
    // a: [B, M, K] stored as [B, K, M] (transposed matrices) at offset 7; b broadcast over the batch.
    const av = view(random(7 + B * M * K, r), [B, M, K], [M * K, 1, M], 7);
    const bv = view(random(K * N, r), [B, K, N], [0, N, 1]);
    expectNear(data(native.matmul(av, bv)), data(cpuBackend.matmul(av, bv)), 1e-5);
    // a broadcast, b transposed
    const a2 = view(random(M * K, r), [B, M, K], [0, K, 1]);
    const b2 = view(random(B * K * N, r), [B, K, N], [K * N, 1, K]);
    expectNear(data(native.matmul(a2, b2)), data(cpuBackend.matmul(a2, b2)), 1e-5);
    // vectors (M = 1, N = 1) and a layout oneDNN's GEMM does not take (no unit stride: JS kernel)
    const a3 = view(random(2 * K, r), [1, 1, K], [K, K, 2]);
    const b3 = view(random(K, r), [1, K, 1], [K, 1, 1]);
    expectNear(data(native.matmul(a3, b3)), data(cpuBackend.matmul(a3, b3)), 1e-5);
    const a4 = view(random(M * K, r), [1, M, K]);
    expectNear(data(native.matmul(a4, b3)), data(cpuBackend.matmul(a4, b3)), 1e-5);
  });

  const convCases: [string, Conv2dGeometry][] = [
    ['3x3 pad 1', geometry({ N: 2, C: 5, H: 9, W: 8, O: 7 })],
    ['stride 2, groups 2', geometry({ N: 3, C: 4, H: 11, W: 9, O: 6, strideH: 2, strideW: 2, groups: 2 })],
    [
      'dilation 2, asymmetric kernel',
      geometry({ N: 1, C: 3, H: 10, W: 12, O: 4, KW: 2, dilationH: 2, dilationW: 2 }),
    ],
    // H = 8, k 3, stride 2, no padding: the last window ends before the last row (negative right pad)
    [
      'window short of the end',
      geometry({ N: 2, C: 3, H: 8, W: 8, O: 5, strideH: 2, strideW: 2, padH: 0, padW: 0 }),
    ],
    ['depthwise', geometry({ N: 2, C: 6, H: 7, W: 7, O: 6, groups: 6 })],
    ['1x1', geometry({ N: 2, C: 8, H: 5, W: 5, O: 3, KH: 1, KW: 1, padH: 0, padW: 0 })],
  ];
  for (const [name, g] of convCases) {
    it(`conv2d forward (with and without bias) and both backward passes, ${name}, match the CPU backend`, () => {
      const r = seededUniform(6);
      const cg = g.C / g.groups;
      const x = view(random(5 + g.N * g.C * g.H * g.W, r), [g.N, g.C, g.H, g.W], undefined, 5);
      const w = view(random(3 + g.O * cg * g.KH * g.KW, r), [g.O, cg, g.KH, g.KW], undefined, 3);
      const bias = view(random(g.O, r), [g.O]);
      const dy = view(random(g.N * g.O * g.OH * g.OW, r), [g.N, g.O, g.OH, g.OW]);
      const y = data(cpuBackend.conv2d(x, w, g));
      expectNear(data(native.conv2d(x, w, g)), y, 1e-5);
      const b = data(bias.storage);
      const plane = g.OH * g.OW;
      const yb = Float32Array.from(y, (v, i) => v + b[Math.floor(i / plane) % g.O]);
      expectNear(data(native.conv2dBias!(x, w, bias, g)), yb, 1e-5);
      expectNear(
        data(native.conv2dBackwardInput(dy, w, g)),
        data(cpuBackend.conv2dBackwardInput(dy, w, g)),
        1e-5,
      );
      expectNear(
        data(native.conv2dBackwardWeight(x, dy, g)),
        data(cpuBackend.conv2dBackwardWeight(x, dy, g)),
        1e-4,
      );
    });
  }

  it('float64 convolutions and matmuls run the CPU backend exactly', () => {
    const r = seededUniform(8);
    const g = geometry({ N: 1, C: 2, H: 5, W: 5, O: 3 });
    const x = view(Float64Array.from(random(50, r)), [1, 2, 5, 5]);
    const w = view(Float64Array.from(random(54, r)), [3, 2, 3, 3]);
    expect(Array.from(data(native.conv2d(x, w, g)))).toEqual(Array.from(data(cpuBackend.conv2d(x, w, g))));
    const a = view(Float64Array.from(random(12, r)), [1, 3, 4]);
    const b = view(Float64Array.from(random(8, r)), [1, 4, 2]);
    expect(Array.from(data(native.matmul(a, b)))).toEqual(Array.from(data(cpuBackend.matmul(a, b))));
  });

  for (const [k, stride] of [
    [3, 2],
    [2, 2],
  ]) {
    it(`max and average pooling, ${k}x${k} stride ${stride} (NaN selected, ties), match the CPU backend bit for bit`, () => {
      const r = seededUniform(9);
      const [N, C, H, W] = [2, 3, 9, 8];
      const xs = random(2 + N * C * H * W, r);
      xs[2 + 17] = Number.NaN;
      xs[2 + 100] = xs[2 + 101] = 2; // a tie inside one window: the first one wins
      const x = view(xs, [N, C, H, W], undefined, 2);
      const win = (n: number) => {
        const out = Math.floor((n - k) / stride) + 1;
        const st = Int32Array.from({ length: out }, (_, i) => i * stride);
        return { out, st, en: st.map((v) => v + k), ct: new Int32Array(out).fill(k) };
      };
      const h = win(H);
      const wv = win(W);
      const p: PoolWindows = {
        N,
        C,
        H,
        W,
        OH: h.out,
        OW: wv.out,
        hStart: h.st,
        hEnd: h.en,
        wStart: wv.st,
        wEnd: wv.en,
        hCount: h.ct,
        wCount: wv.ct,
      };
      const mn = native.maxPool2d(x, p);
      const mc = cpuBackend.maxPool2d(x, p);
      expect(Array.from(data(mn.argmax))).toEqual(Array.from(data(mc.argmax)));
      expect(bits(mn.values)).toEqual(bits(mc.values));
      const dy = view(random(N * C * h.out * wv.out, r), [N, C, h.out, wv.out]);
      const am: View = {
        storage: mn.argmax,
        dtype: 'int32',
        shape: dy.shape,
        strides: dy.strides,
        offset: 0,
      };
      expect(bits(native.maxPool2dBackward(dy, am, p))).toEqual(
        bits(cpuBackend.maxPool2dBackward(dy, am, p)),
      );
      expect(bits(native.avgPool2d(x, p))).toEqual(bits(cpuBackend.avgPool2d(x, p)));
      expect(bits(native.avgPool2dBackward(dy, p))).toEqual(bits(cpuBackend.avgPool2dBackward(dy, p)));
    });
  }

  it('maxPool2dBackward rejects an argmax outside the plane', () => {
    const p: PoolWindows = {
      N: 1,
      C: 1,
      H: 2,
      W: 2,
      OH: 1,
      OW: 1,
      hStart: Int32Array.of(0),
      hEnd: Int32Array.of(2),
      wStart: Int32Array.of(0),
      wEnd: Int32Array.of(2),
      hCount: Int32Array.of(2),
      wCount: Int32Array.of(2),
    };
    const dy = view(Float32Array.of(1), [1, 1, 1, 1]);
    const am: View = {
      storage: cpuBackend.fromArray(Int32Array.of(4), 'int32'),
      dtype: 'int32',
      shape: [1, 1, 1, 1],
      strides: [1, 1, 1, 1],
      offset: 0,
    };
    expect(() => native.maxPool2dBackward(dy, am, p)).toThrow(
      'argmax 4 at output 0 is outside the 2x2 plane',
    );
  });

  it('the elementwise loops equal the CPU backend bit for bit (full, per-channel, per-row and scalar operands)', () => {
    const r = seededUniform(10);
    const shape = [4, 8, 16, 16];
    const n = 4 * 8 * 256;
    const xs = random(n, r);
    xs[3] = 0;
    xs[4] = -0;
    xs[5] = Number.NaN;
    const x = view(xs, shape);
    const dy = view(random(n, r), shape);
    const ch = view(random(8, r), shape, [0, 1, 0, 0]);
    const sc = view(Float32Array.of(0.3), shape, [0, 0, 0, 0]);
    // per row: a mean's gradient [4, 8, 1, 1] broadcast over the image, at an offset
    const row = view(random(3 + 32, r), shape, [8, 1, 0, 0], 3);
    expect(bits(native.unary('relu', x))).toEqual(bits(cpuBackend.unary('relu', x)));
    for (const op of ['add', 'sub', 'mul', 'div', 'prelu', 'reluGrad', 'preluSlopeGrad'] as const) {
      for (const b of [dy, ch, sc, row]) {
        expect(bits(native.binary(op, x, b, 'float32'))).toEqual(
          bits(cpuBackend.binary(op, x, b, 'float32')),
        );
      }
      expect(bits(native.binary(op, sc, x, 'float32'))).toEqual(
        bits(cpuBackend.binary(op, sc, x, 'float32')),
      );
    }
    expect(bits(native.ternary('preluInputGrad', x, dy, ch, 'float32'))).toEqual(
      bits(cpuBackend.ternary('preluInputGrad', x, dy, ch, 'float32')),
    );
    // per-row and per-channel operands together (PReLU's input gradient behind a mean)
    expect(bits(native.ternary('preluInputGrad', x, row, ch, 'float32'))).toEqual(
      bits(cpuBackend.ternary('preluInputGrad', x, row, ch, 'float32')),
    );
    // [N, 1, H, W] broadcast over channels is neither: the JS loops run it, with the same result
    const mid = view(random(4 * 256, r), shape, [256, 0, 16, 1]);
    expect(bits(native.binary('add', x, mid, 'float32'))).toEqual(
      bits(cpuBackend.binary('add', x, mid, 'float32')),
    );
  });

  it('bias-gradient and pooling sums match the CPU backend', () => {
    const r = seededUniform(11);
    const x = view(random(8 * 16 * 32 * 32, r), [8, 16, 32, 32]);
    expectNear(data(native.reduce('sum', x, [0, 2, 3])), data(cpuBackend.reduce('sum', x, [0, 2, 3])), 1e-6);
    expectNear(data(native.reduce('sum', x, [2, 3])), data(cpuBackend.reduce('sum', x, [2, 3])), 1e-6);
  });

  it('sgdStep equals the CPU backend bit for bit (plain, momentum, nesterov, weight decay) and honours skipIf', () => {
    const r = seededUniform(12);
    const n = 50_000;
    const hyper: SgdHyper[] = [
      { lr: 0.1, momentum: 0, weightDecay: 0, nesterov: false },
      { lr: 0.01, momentum: 0.9, weightDecay: 5e-4, nesterov: false },
      { lr: 0.03, momentum: 0.9, weightDecay: 1e-4, nesterov: true },
    ];
    const make = () => {
      const rr = seededUniform(13);
      return hyper.map(() => ({
        p: view(random(n, rr), [n]),
        g: view(random(n, rr), [n]),
        m: view(random(n, rr), [n]),
      }));
    };
    const a = make();
    const b = make();
    native.sgdStep!(
      a.map((t) => t.p),
      a.map((t) => t.g),
      a.map((t, i) => (i === 0 ? null : t.m)),
      hyper,
    );
    cpuBackend.sgdStep!(
      b.map((t) => t.p),
      b.map((t) => t.g),
      b.map((t, i) => (i === 0 ? null : t.m)),
      hyper,
    );
    for (let i = 0; i < hyper.length; i++) {
      expect(bits(a[i].p.storage)).toEqual(bits(b[i].p.storage));
      expect(bits(a[i].m.storage)).toEqual(bits(b[i].m.storage));
    }
    const before = bits(a[0].p.storage);
    native.sgdStep!([a[0].p], [a[0].g], [null], [hyper[0]], view(Float32Array.of(1), [1]));
    expect(bits(a[0].p.storage)).toEqual(before);
    void r;
  });

  it('sumSquares equals the CPU backend and flags non-finite tensors', () => {
    const r = seededUniform(14);
    const xs = [
      view(random(10_000, r), [10_000]),
      view(Float32Array.of(1, Number.POSITIVE_INFINITY, 2), [3]),
    ];
    expect(bits(native.sumSquares!(xs))).toEqual(bits(cpuBackend.sumSquares!(xs)));
    expect(Array.from(data(native.sumSquares!(xs))).slice(2)).toEqual([0, 1, 1]);
  });

  it('keeps the CPU backend storage type, so tensors move freely between cpu, wasm and native', () => {
    const s = native.fill(10, 'float32', 1);
    expect(s).toBeInstanceOf(CpuStorage);
    const x = view(random(64 * 64, seededUniform(1)), [64, 64]);
    expect(native.unary('relu', x)).toBeInstanceOf(CpuStorage);
  });
});
