import { describe, expect, it } from 'vitest';
import type { PoolWindows } from '../../../backend.js';
import { seededUniform } from '../../../testing/seeded-uniform.js';
import { avgPool2dBackward, avgPool2dForward, maxPool2dBackward, maxPool2dForward } from './pool2d.js';

type Ctor = Float32ArrayConstructor | Float64ArrayConstructor;

/**
 * Windows of kernel/stride/padding pooling along one axis, the way PyTorch defines them: output
 * size with floor or ceil mode (ceil mode drops a last window that would start in the right padding),
 * windows clipped to the image, and the divisor either the clipped size or, with countIncludePad,
 * the size clipped only to the padded image.
 */
function axisWindows(size: number, k: number, s: number, p: number, ceil: boolean, includePad: boolean) {
  const span = size + 2 * p - k;
  let out = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  if (ceil && (out - 1) * s >= size + p) out--;
  if (out < 1) out = 0; // kernel larger than the padded input: no window (caller skips)
  const start = new Int32Array(out);
  const end = new Int32Array(out);
  const count = new Int32Array(out);
  for (let o = 0; o < out; o++) {
    const a = o * s - p;
    const b = Math.min(a + k, size + p);
    start[o] = Math.max(a, 0);
    end[o] = Math.min(b, size);
    count[o] = includePad ? b - a : end[o] - start[o];
  }
  return { out, start, end, count };
}

/** Adaptive pooling windows: [floor(o * size / out), ceil((o + 1) * size / out)). */
function adaptiveWindows(size: number, out: number) {
  const start = new Int32Array(out);
  const end = new Int32Array(out);
  const count = new Int32Array(out);
  for (let o = 0; o < out; o++) {
    start[o] = Math.floor((o * size) / out);
    end[o] = Math.ceil(((o + 1) * size) / out);
    count[o] = end[o] - start[o];
  }
  return { out, start, end, count };
}

type Axis = ReturnType<typeof axisWindows>;

function windows(N: number, C: number, H: number, W: number, h: Axis, w: Axis): PoolWindows {
  return {
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
}

/** Naive references: list each window's values in row-major order and reduce the list. */
function reference(x: ArrayLike<number>, dy: ArrayLike<number>, p: PoolWindows) {
  const outN = p.N * p.C * p.OH * p.OW;
  const max = new Float64Array(outN);
  const arg = new Int32Array(outN);
  const avg = new Float64Array(outN);
  const dxMax = new Float64Array(p.N * p.C * p.H * p.W);
  const dxAvg = new Float64Array(dxMax.length);
  let o = 0;
  for (let pl = 0; pl < p.N * p.C; pl++) {
    for (let oh = 0; oh < p.OH; oh++) {
      for (let ow = 0; ow < p.OW; ow++, o++) {
        const idx: number[] = [];
        for (let h = p.hStart[oh]; h < p.hEnd[oh]; h++)
          for (let w = p.wStart[ow]; w < p.wEnd[ow]; w++) idx.push(h * p.W + w);
        const vals = idx.map((i) => x[pl * p.H * p.W + i]);
        const nan = vals.findIndex((v) => Number.isNaN(v));
        const pos = nan >= 0 ? nan : vals.indexOf(Math.max(...vals));
        max[o] = vals[pos];
        arg[o] = idx[pos];
        const div = p.hCount[oh] * p.wCount[ow];
        avg[o] = vals.reduce((a, b) => a + b, 0) / div;
        dxMax[pl * p.H * p.W + idx[pos]] += dy[o];
        for (const i of idx) dxAvg[pl * p.H * p.W + i] += dy[o] / div;
      }
    }
  }
  return { max, arg, avg, dxMax, dxAvg };
}

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string) {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const same = Number.isNaN(want[i])
      ? Number.isNaN(got[i])
      : Math.abs(got[i] - want[i]) <= tol * (1 + Math.abs(want[i]));
    if (!same) throw new Error(`${what}[${i}] = ${got[i]}, expected ${want[i]}`);
  }
}

function checkAll(T: Ctor, p: PoolWindows, x: ArrayLike<number>, seed: number) {
  const r = seededUniform(seed);
  const xs = T.from(x);
  const outN = p.N * p.C * p.OH * p.OW;
  const dy = new T(outN).map(() => r() * 2 - 1);
  const ref = reference(xs, dy, p);
  const tol = T === Float32Array ? 1e-6 : 1e-14;
  const y = new T(outN).fill(7);
  const arg = new Int32Array(outN).fill(-1);
  maxPool2dForward(xs, y, arg, p);
  expectClose(y, ref.max, 0, 'max');
  expect(Array.from(arg)).toEqual(Array.from(ref.arg));
  const dx = new T(xs.length).fill(Number.NaN);
  maxPool2dBackward(dy, arg, dx, p);
  expectClose(dx, ref.dxMax, tol, 'dx(max)');
  const ya = new T(outN).fill(Number.NaN);
  avgPool2dForward(xs, ya, p);
  expectClose(ya, ref.avg, tol, 'avg');
  const dxa = new T(xs.length).fill(Number.NaN);
  avgPool2dBackward(dy, dxa, p);
  expectClose(dxa, ref.dxAvg, tol, 'dx(avg)');
}

describe('pooling kernels against naive window reductions', () => {
  it('match on random kernel/stride/padding/ceil-mode windows with many ties', () => {
    const r = seededUniform(5);
    const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)];
    let done = 0;
    for (let t = 0; done < 80 && t < 1000; t++) {
      const N = pick([1, 2]);
      const C = pick([1, 3]);
      const H = pick([1, 3, 7, 8]);
      const W = pick([1, 4, 7, 9]);
      const kh = pick([1, 2, 3]);
      const kw = pick([1, 2, 3]);
      const ph = pick([0, 1]);
      const pw = pick([0, 1]);
      if (2 * ph > kh || 2 * pw > kw) continue; // PyTorch requires pad <= kernel / 2
      const ceil = r() < 0.5;
      const inc = r() < 0.5;
      const h = axisWindows(H, kh, pick([1, 2, 3]), ph, ceil, inc);
      const w = axisWindows(W, kw, pick([1, 2, 3]), pw, ceil, inc);
      if (h.out < 1 || w.out < 1) continue;
      // Values from {0, 1, 2} make ties the rule, not the exception.
      const x = Array.from({ length: N * C * H * W }, () => Math.floor(r() * 3));
      checkAll(t % 2 ? Float32Array : Float64Array, windows(N, C, H, W, h, w), x, t);
      done++;
    }
    expect(done).toBe(80);
  });

  it('match on adaptive (overlapping, uneven) windows', () => {
    const r = seededUniform(6);
    for (const [H, W, OH, OW] of [
      [7, 5, 3, 2],
      [5, 5, 7, 7],
      [17, 9, 4, 1],
      [6, 6, 1, 1],
    ]) {
      const x = Array.from({ length: 2 * H * W }, () => r() * 2 - 1);
      checkAll(Float64Array, windows(1, 2, H, W, adaptiveWindows(H, OH), adaptiveWindows(W, OW)), x, H);
    }
  });

  it('picks the first maximum on ties and the first NaN, and propagates NaN', () => {
    const h = axisWindows(2, 2, 2, 0, false, false);
    const w = axisWindows(4, 2, 2, 0, false, false);
    const p = windows(1, 1, 2, 4, h, w);
    // window 0 = {5, 1, 5, 5} -> first 5 at index 0; window 1 = {2, NaN, NaN, 9} -> first NaN at index 3
    const x = new Float32Array([5, 1, 2, Number.NaN, 5, 5, Number.NaN, 9]);
    const y = new Float32Array(2);
    const arg = new Int32Array(2);
    maxPool2dForward(x, y, arg, p);
    expect(y[0]).toBe(5);
    expect(arg[0]).toBe(0);
    expect(y[1]).toBeNaN();
    expect(arg[1]).toBe(3);
    const ya = new Float32Array(2);
    avgPool2dForward(x, ya, p);
    expect(ya[0]).toBe(4);
    expect(ya[1]).toBeNaN();
  });

  it('selects the first element of an all -Infinity window', () => {
    const p = windows(
      1,
      1,
      2,
      2,
      axisWindows(2, 2, 1, 0, false, false),
      axisWindows(2, 2, 1, 0, false, false),
    );
    const y = new Float64Array(1);
    const arg = new Int32Array(1).fill(-1);
    maxPool2dForward(new Float64Array(4).fill(Number.NEGATIVE_INFINITY), y, arg, p);
    expect(y[0]).toBe(Number.NEGATIVE_INFINITY);
    expect(arg[0]).toBe(0);
  });

  it('rejects an argmax outside the plane and too-short arrays', () => {
    const p = windows(
      1,
      1,
      2,
      2,
      axisWindows(2, 2, 1, 0, false, false),
      axisWindows(2, 2, 1, 0, false, false),
    );
    expect(() => maxPool2dBackward(new Float32Array(1), new Int32Array([4]), new Float32Array(4), p)).toThrow(
      /argmax 4 at output 0 is outside the 2x2 plane/,
    );
    expect(() => avgPool2dForward(new Float32Array(3), new Float32Array(1), p)).toThrow(/x has 3 elements/);
  });
});
