import { describe, expect, it } from 'vitest';
import type { Conv2dGeometry } from '../../../backend.js';
import { seededUniform } from '../../../testing/seeded-uniform.js';
import { conv2dBackwardInput, conv2dBackwardWeight, conv2dForward } from './conv2d.js';

type Ctor = Float32ArrayConstructor | Float64ArrayConstructor;

interface Opts {
  N: number;
  C: number;
  H: number;
  W: number;
  O: number;
  KH: number;
  KW: number;
  stride?: [number, number];
  pad?: [number, number];
  dilation?: [number, number];
  groups?: number;
}

/** Geometry with PyTorch's output size formula; null when the output would be empty. */
function geometry(o: Opts): Conv2dGeometry | null {
  const [strideH, strideW] = o.stride ?? [1, 1];
  const [padH, padW] = o.pad ?? [0, 0];
  const [dilationH, dilationW] = o.dilation ?? [1, 1];
  const OH = Math.floor((o.H + 2 * padH - dilationH * (o.KH - 1) - 1) / strideH) + 1;
  const OW = Math.floor((o.W + 2 * padW - dilationW * (o.KW - 1) - 1) / strideW) + 1;
  if (OH < 1 || OW < 1) return null;
  return { ...o, OH, OW, strideH, strideW, padH, padW, dilationH, dilationW, groups: o.groups ?? 1 };
}

/**
 * Calls visit(xIndex, wIndex, yIndex) for every (input, weight, output) triple that the convolution
 * multiplies together, straight from the definition
 *   y[n, o, oh, ow] = sum_{c in group(o), kh, kw} w[o, c, kh, kw] * x[n, c, oh*s - p + kh*d, ow*s - p + kw*d].
 * All three naive references are this one loop, read in different directions.
 */
function eachTap(g: Conv2dGeometry, visit: (xi: number, wi: number, yi: number) => void): void {
  const cg = g.C / g.groups;
  const og = g.O / g.groups;
  for (let n = 0; n < g.N; n++)
    for (let o = 0; o < g.O; o++)
      for (let oh = 0; oh < g.OH; oh++)
        for (let ow = 0; ow < g.OW; ow++)
          for (let c = 0; c < cg; c++)
            for (let kh = 0; kh < g.KH; kh++)
              for (let kw = 0; kw < g.KW; kw++) {
                const ih = oh * g.strideH - g.padH + kh * g.dilationH;
                const iw = ow * g.strideW - g.padW + kw * g.dilationW;
                if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) continue;
                const cin = Math.floor(o / og) * cg + c;
                visit(
                  ((n * g.C + cin) * g.H + ih) * g.W + iw,
                  ((o * cg + c) * g.KH + kh) * g.KW + kw,
                  ((n * g.O + o) * g.OH + oh) * g.OW + ow,
                );
              }
}

function expectClose(
  got: ArrayLike<number>,
  want: Float64Array,
  mag: Float64Array,
  tol: number,
  what: string,
) {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= tol * (mag[i] + 1))) {
      throw new Error(`${what}[${i}] = ${got[i]}, expected ${want[i]}`);
    }
  }
}

function checkAll(T: Ctor, g: Conv2dGeometry, seed: number): void {
  const r = seededUniform(seed);
  const cg = g.C / g.groups;
  const x = new T(g.N * g.C * g.H * g.W).map(() => r() * 2 - 1);
  const w = new T(g.O * cg * g.KH * g.KW).map(() => r() * 2 - 1);
  const dy = new T(g.N * g.O * g.OH * g.OW).map(() => r() * 2 - 1);
  const tol = T === Float32Array ? 3e-6 : 1e-13;
  const label = JSON.stringify(g);

  const yRef = new Float64Array(dy.length);
  const yMag = new Float64Array(dy.length);
  const dxRef = new Float64Array(x.length);
  const dxMag = new Float64Array(x.length);
  const dwRef = new Float64Array(w.length);
  const dwMag = new Float64Array(w.length);
  eachTap(g, (xi, wi, yi) => {
    yRef[yi] += x[xi] * w[wi];
    yMag[yi] += Math.abs(x[xi] * w[wi]);
    dxRef[xi] += w[wi] * dy[yi];
    dxMag[xi] += Math.abs(w[wi] * dy[yi]);
    dwRef[wi] += x[xi] * dy[yi];
    dwMag[wi] += Math.abs(x[xi] * dy[yi]);
  });

  // Outputs start as NaN: the kernels must overwrite every element, not accumulate.
  const y = new T(dy.length).fill(Number.NaN);
  conv2dForward(x, w, y, g);
  expectClose(y, yRef, yMag, tol, `y ${label}`);
  const dx = new T(x.length).fill(Number.NaN);
  conv2dBackwardInput(dy, w, dx, g);
  expectClose(dx, dxRef, dxMag, tol, `dx ${label}`);
  const dw = new T(w.length).fill(Number.NaN);
  conv2dBackwardWeight(x, dy, dw, g);
  expectClose(dw, dwRef, dwMag, tol, `dw ${label}`);
}

describe('conv2d kernels against the definition', () => {
  it('cover random geometries: stride 1-3, padding 0-2, dilation 1-2, groups 1/2/4, odd sizes', () => {
    const r = seededUniform(42);
    const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)];
    let done = 0;
    for (let t = 0; done < 120 && t < 1000; t++) {
      const groups = pick([1, 1, 2, 4]);
      const g = geometry({
        N: pick([1, 2]),
        C: groups * pick([1, 2, 3]),
        O: groups * pick([1, 2, 3, 5]),
        H: pick([1, 3, 7, 9]),
        W: pick([1, 3, 7, 10]),
        KH: pick([1, 2, 3]),
        KW: pick([1, 2, 3, 5]),
        stride: [pick([1, 2, 3]), pick([1, 2, 3])],
        pad: [pick([0, 1, 2]), pick([0, 1, 2])],
        dilation: [pick([1, 2]), pick([1, 2])],
        groups,
      });
      if (g === null) continue;
      checkAll(t % 3 === 0 ? Float32Array : Float64Array, g, t);
      done++;
    }
    expect(done).toBe(120);
  });

  const named: [string, Opts][] = [
    ['1x1 pointwise', { N: 2, C: 5, H: 7, W: 3, O: 6, KH: 1, KW: 1 }],
    ['1x1 pointwise grouped', { N: 1, C: 4, H: 3, W: 3, O: 6, KH: 1, KW: 1, groups: 2 }],
    ['1x1 with stride 2', { N: 1, C: 3, H: 7, W: 7, O: 2, KH: 1, KW: 1, stride: [2, 2] }],
    ['1x1 with padding', { N: 1, C: 3, H: 3, W: 3, O: 2, KH: 1, KW: 1, pad: [1, 1] }],
    ['depthwise 3x3 same', { N: 2, C: 4, H: 7, W: 9, O: 4, KH: 3, KW: 3, pad: [1, 1], groups: 4 }],
    [
      'depthwise strided dilated',
      {
        N: 1,
        C: 3,
        H: 9,
        W: 8,
        O: 3,
        KH: 3,
        KW: 2,
        stride: [2, 3],
        pad: [2, 1],
        dilation: [2, 2],
        groups: 3,
      },
    ],
    ['depthwise multiplier 2', { N: 1, C: 2, H: 5, W: 5, O: 4, KH: 3, KW: 3, pad: [1, 1], groups: 2 }],
    ['non-square 1x3', { N: 1, C: 2, H: 4, W: 9, O: 3, KH: 1, KW: 3, pad: [0, 1] }],
    ['non-square 5x2', { N: 1, C: 2, H: 11, W: 4, O: 3, KH: 5, KW: 2, stride: [2, 1], pad: [2, 0] }],
    ['kernel larger than the image', { N: 1, C: 1, H: 2, W: 2, O: 2, KH: 5, KW: 5, pad: [2, 2] }],
    ['VGG-like 3x3 same', { N: 2, C: 8, H: 17, W: 17, O: 16, KH: 3, KW: 3, pad: [1, 1] }],
    ['7x7 stride 2 stem', { N: 1, C: 3, H: 33, W: 33, O: 4, KH: 7, KW: 7, stride: [2, 2], pad: [3, 3] }],
  ];
  for (const [name, o] of named) {
    it(name, () => {
      const g = geometry(o);
      expect(g).not.toBeNull();
      checkAll(Float64Array, g!, 7);
      checkAll(Float32Array, g!, 8);
    });
  }

  it('splits large column matrices into bands of output rows', () => {
    // K = 64 * 9 = 576 rows, 66 x 66 outputs: the column matrix exceeds the 2^20-element budget.
    const g = geometry({ N: 1, C: 64, H: 66, W: 66, O: 2, KH: 3, KW: 3, pad: [1, 1] })!;
    checkAll(Float32Array, g, 9);
  });

  it('rejects groups that do not divide the channels and too-short arrays', () => {
    const g = geometry({ N: 1, C: 3, H: 3, W: 3, O: 2, KH: 1, KW: 1, groups: 2 })!;
    const a = new Float32Array(100);
    expect(() => conv2dForward(a, a, a, g)).toThrow(/groups=2 must divide C=3/);
    const g2 = geometry({ N: 1, C: 2, H: 3, W: 3, O: 2, KH: 3, KW: 3 })!;
    expect(() => conv2dForward(new Float32Array(5), a, a, g2)).toThrow(/x has 5 elements, geometry needs 18/);
  });
});
