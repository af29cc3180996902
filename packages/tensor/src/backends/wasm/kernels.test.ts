// Every WASM kernel against the JS reference kernels (themselves tested against the definitions), on
// random float32 operands and random geometries: odd sizes, strides, padding, dilation, groups,
// transposed and broadcast GEMM operands; on one thread and on a pool of three (which exercises the
// batch, column, channel and partial-sum splits, also on this 2-core machine).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Conv2dGeometry, PoolWindows } from '../../backend.js';
import { seededUniform } from '../../testing/seeded-uniform.js';
import { conv2dBackwardInput, conv2dBackwardWeight, conv2dForward } from '../cpu/kernels/conv2d.js';
import { gemm } from '../cpu/kernels/gemm.js';
import {
  avgPool2dBackward,
  avgPool2dForward,
  maxPool2dBackward,
  maxPool2dForward,
} from '../cpu/kernels/pool2d.js';
import { hasRelaxedSimd } from './features.js';
import { WasmKernels } from './kernels.js';
import { createWasmRuntime, type SimdFlavour, type WasmRuntime } from './runtime.js';

const rand = (r: () => number, n: number) => new Float32Array(n).map(() => r() * 2 - 1);
const abs = (a: Float32Array) => a.map(Math.abs);

/** |got - want| <= tol * (mag + 1) elementwise, mag = the same computation on absolute values. */
function expectClose(
  got: Float32Array,
  want: Float32Array,
  mag: Float32Array,
  what: string,
  tol = 2e-6,
): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= tol * (mag[i] + 1)))
      throw new Error(`${what}[${i}] = ${got[i]}, expected ${want[i]}`);
  }
}

function geometry(o: {
  N: number;
  C: number;
  H: number;
  W: number;
  O: number;
  KH: number;
  KW: number;
  stride: [number, number];
  pad: [number, number];
  dilation: [number, number];
  groups: number;
}): Conv2dGeometry | null {
  const OH = Math.floor((o.H + 2 * o.pad[0] - o.dilation[0] * (o.KH - 1) - 1) / o.stride[0]) + 1;
  const OW = Math.floor((o.W + 2 * o.pad[1] - o.dilation[1] * (o.KW - 1) - 1) / o.stride[1]) + 1;
  if (OH < 1 || OW < 1) return null;
  return {
    N: o.N,
    C: o.C,
    H: o.H,
    W: o.W,
    O: o.O,
    KH: o.KH,
    KW: o.KW,
    OH,
    OW,
    strideH: o.stride[0],
    strideW: o.stride[1],
    padH: o.pad[0],
    padW: o.pad[1],
    dilationH: o.dilation[0],
    dilationW: o.dilation[1],
    groups: o.groups,
  };
}

function checkConv(k: WasmKernels, g: Conv2dGeometry, seed: number): void {
  const r = seededUniform(seed);
  const R = (g.C / g.groups) * g.KH * g.KW;
  const x = rand(r, g.N * g.C * g.H * g.W);
  const w = rand(r, g.O * R);
  const dy = rand(r, g.N * g.O * g.OH * g.OW);
  const label = JSON.stringify(g);
  const ref = (
    f: (a: Float32Array, b: Float32Array, out: Float32Array, g: Conv2dGeometry) => void,
    a: Float32Array,
    b: Float32Array,
    n: number,
  ) => {
    const want = new Float32Array(n);
    const mag = new Float32Array(n);
    f(a, b, want, g);
    f(abs(a), abs(b), mag, g);
    return [want, mag] as const;
  };
  const y = new Float32Array(dy.length).fill(Number.NaN);
  k.conv2dForward(x, w, y, g);
  expectClose(y, ...ref(conv2dForward, x, w, dy.length), `y ${label}`);
  const dx = new Float32Array(x.length).fill(Number.NaN);
  k.conv2dBackwardInput(dy, w, dx, g);
  expectClose(dx, ...ref(conv2dBackwardInput, dy, w, x.length), `dx ${label}`);
  const dw = new Float32Array(w.length).fill(Number.NaN);
  k.conv2dBackwardWeight(x, dy, dw, g);
  expectClose(dw, ...ref(conv2dBackwardWeight, x, dy, w.length), `dw ${label}`);
}

function axis(size: number, kk: number, s: number, p: number, includePad: boolean) {
  const out = Math.floor((size + 2 * p - kk) / s) + 1;
  const start = new Int32Array(out);
  const end = new Int32Array(out);
  const count = new Int32Array(out);
  for (let o = 0; o < out; o++) {
    const a = o * s - p;
    const b = Math.min(a + kk, size + p);
    start[o] = Math.max(a, 0);
    end[o] = Math.min(b, size);
    count[o] = includePad ? b - a : end[o] - start[o];
  }
  return { out, start, end, count };
}

function checkPool(
  k: WasmKernels,
  N: number,
  C: number,
  H: number,
  W: number,
  kk: number,
  s: number,
  p: number,
  seed: number,
) {
  const r = seededUniform(seed);
  const h = axis(H, kk, s, p, seed % 2 === 0);
  const w = axis(W, kk, s, p, seed % 2 === 0);
  const win: PoolWindows = {
    N,
    C,
    H,
    W,
    OH: h.out,
    OW: w.out,
    hStart: h.start,
    hEnd: h.end,
    wStart: w.start,
    wEnd: w.end,
    hCount: h.count,
    wCount: w.count,
  };
  const x = rand(r, N * C * H * W);
  // Ties and a NaN: the first maximum and the NaN must be chosen exactly like the reference.
  for (let i = 0; i < x.length; i += 7) x[i] = 0.5;
  if (x.length > 20) x[13] = Number.NaN;
  const out = N * C * h.out * w.out;
  const dy = rand(r, out);
  const label = `pool ${JSON.stringify([N, C, H, W, kk, s, p])}`;
  const y = new Float32Array(out),
    yRef = new Float32Array(out);
  const am = new Int32Array(out),
    amRef = new Int32Array(out);
  k.maxPool2dForward(x, y, am, win);
  maxPool2dForward(x, yRef, amRef, win);
  expect(Array.from(am), `argmax ${label}`).toEqual(Array.from(amRef));
  expect(Array.from(y), `max ${label}`).toEqual(Array.from(yRef));
  const dx = new Float32Array(x.length).fill(Number.NaN),
    dxRef = new Float32Array(x.length);
  k.maxPool2dBackward(dy, am, dx, win);
  maxPool2dBackward(dy, amRef, dxRef, win);
  expectClose(dx, dxRef, dxRef.map(Math.abs), `max dx ${label}`);
  const xa = rand(r, x.length);
  k.avgPool2dForward(xa, y, win);
  avgPool2dForward(xa, yRef, win);
  expectClose(y, yRef, new Float32Array(out).fill(1), `avg ${label}`);
  k.avgPool2dBackward(dy, dx, win);
  avgPool2dBackward(dy, dxRef, win);
  expectClose(dx, dxRef, new Float32Array(x.length).fill(1), `avg dx ${label}`);
}

// Both builds where the runtime validates relaxed SIMD (Node 22+, or Node 20 started with
// --experimental-wasm-relaxed-simd), the plain SIMD build otherwise.
const flavours: SimdFlavour[] = hasRelaxedSimd() ? ['simd', 'relaxed'] : ['simd'];
const configs = flavours.flatMap((f) => [1, 3].map((threads) => [f, threads] as const));

for (const [flavour, threads] of configs) {
  describe(`WASM kernels (${flavour}) vs JS reference kernels, ${threads} thread(s)`, () => {
    let rt: WasmRuntime;
    let k: WasmKernels;
    beforeAll(async () => {
      rt = await createWasmRuntime(threads, flavour);
      k = new WasmKernels(rt);
    });
    afterAll(() => rt.dispose());

    it('runs the requested number of threads', () => {
      expect(rt.threads).toBe(threads);
    });

    it('gemm: random sizes, transposes, batch broadcast, beta 0 and 1', () => {
      const r = seededUniform(1);
      const pick = (xs: number[]) => xs[Math.floor(r() * xs.length)];
      for (let t = 0; t < 40; t++) {
        const m = pick([1, 3, 4, 5, 17, 64, 131]);
        const n = pick([1, 7, 8, 9, 33, 130, 300]);
        const kk = pick([0, 1, 2, 5, 255, 256, 257, 600]);
        const ta = r() < 0.5,
          tb = r() < 0.5;
        const a = rand(r, m * kk + 3),
          b = rand(r, kk * n + 5);
        const [ars, acs] = ta ? [1, m] : [kk, 1];
        const [brs, bcs] = tb ? [1, kk] : [n, 1];
        const beta = (t % 3 === 0 ? 1 : 0) as 0 | 1;
        const c0 = rand(r, m * n);
        const want = Float32Array.from(c0),
          mag = Float32Array.from(abs(c0));
        gemm(m, n, kk, a, 3, ars, acs, b, 5, brs, bcs, want, 0, n, beta);
        gemm(m, n, kk, abs(a), 3, ars, acs, abs(b), 5, brs, bcs, mag, 0, n, beta);
        const got = Float32Array.from(c0);
        k.gemm(m, n, kk, a, 3, ars, acs, b, 5, brs, bcs, got, 0, n, beta);
        expectClose(got, want, mag, `gemm ${[m, n, kk, ta, tb, beta]}`);
      }
    });

    it('gemm with ldc > n and a batched, broadcast B', () => {
      const r = seededUniform(2);
      const a = rand(r, 6 * 40),
        b = rand(r, 40 * 10);
      const c = new Float32Array(6 * 13).fill(7),
        want = Float32Array.from(c);
      k.gemm(6, 10, 40, a, 0, 40, 1, b, 0, 10, 1, c, 0, 13, 0);
      gemm(6, 10, 40, a, 0, 40, 1, b, 0, 10, 1, want, 0, 13, 0);
      expectClose(c, want, new Float32Array(c.length).fill(40), 'gemm ldc');
      const batch = 5,
        m = 70,
        n = 90,
        kk = 33;
      const ab = rand(r, batch * m * kk),
        bb = rand(r, kk * n);
      const out = new Float32Array(batch * m * n),
        ref = new Float32Array(batch * m * n);
      k.gemmBatched(batch, m, n, kk, ab, 0, m * kk, kk, 1, bb, 0, 0, n, 1, out, 0, 0);
      for (let i = 0; i < batch; i++)
        gemm(m, n, kk, ab, i * m * kk, kk, 1, bb, 0, n, 1, ref, i * m * n, n, 0);
      expectClose(out, ref, new Float32Array(out.length).fill(kk), 'gemm batched');
    });

    it('conv2d forward and both backward passes: random geometries', () => {
      const r = seededUniform(3);
      const pick = (xs: number[]) => xs[Math.floor(r() * xs.length)];
      let done = 0;
      for (let t = 0; done < 60 && t < 500; t++) {
        const groups = pick([1, 1, 2, 3]);
        const g = geometry({
          N: pick([1, 2, 4]),
          C: groups * pick([1, 2, 5]),
          O: groups * pick([1, 3, 9]),
          H: pick([1, 4, 7, 12]),
          W: pick([1, 5, 8, 13]),
          KH: pick([1, 2, 3]),
          KW: pick([1, 3, 5]),
          stride: [pick([1, 2, 3]), pick([1, 1, 2])],
          pad: [pick([0, 1, 2]), pick([0, 1, 2])],
          dilation: [pick([1, 1, 2]), pick([1, 2])],
          groups,
        });
        if (g === null) continue;
        checkConv(k, g, t);
        done++;
      }
      expect(done).toBe(60);
    });

    it('conv2d: pointwise, depthwise, and sizes that need column chunks and thread splits', () => {
      const base = {
        stride: [1, 1] as [number, number],
        pad: [0, 0] as [number, number],
        dilation: [1, 1] as [number, number],
        groups: 1,
      };
      checkConv(k, geometry({ ...base, N: 3, C: 16, H: 9, W: 11, O: 24, KH: 1, KW: 1 })!, 10);
      checkConv(
        k,
        geometry({ ...base, N: 2, C: 8, H: 9, W: 9, O: 8, KH: 3, KW: 3, pad: [1, 1], groups: 8 })!,
        11,
      );
      // N = 1 < threads: column / channel / weight-column splits; R = 288 and 1024 positions: chunks.
      checkConv(k, geometry({ ...base, N: 1, C: 32, H: 32, W: 32, O: 20, KH: 3, KW: 3, pad: [1, 1] })!, 12);
      checkConv(k, geometry({ ...base, N: 5, C: 12, H: 30, W: 30, O: 16, KH: 3, KW: 3, pad: [1, 1] })!, 13);
      checkConv(k, geometry({ ...base, N: 1, C: 6, H: 20, W: 20, O: 6, KH: 1, KW: 1 })!, 14);
    });

    it('max/avg pooling forward and backward, overlapping windows, ties and NaN', () => {
      checkPool(k, 2, 3, 9, 10, 3, 2, 1, 1);
      checkPool(k, 1, 4, 8, 8, 2, 2, 0, 2);
      checkPool(k, 3, 5, 7, 5, 3, 1, 1, 3);
      checkPool(k, 8, 16, 16, 16, 3, 2, 1, 4);
    });
  });
}
