import { describe, expect, it } from 'vitest';
import {
  hwcToChw,
  IMAGENET_EIGVAL,
  IMAGENET_EIGVEC,
  IMAGENET_MEAN,
  IMAGENET_MEAN_255,
  IMAGENET_STD,
  lightingOffset,
} from './pixels.js';
import { SampleRandom } from './rng.js';

describe('lightingOffset', () => {
  it('has covariance 255^2 V diag((0.1 * eigval)^2) V^T (checked per channel variance and RG covariance)', () => {
    const n = 40_000;
    const sum = [0, 0, 0];
    const sq = [0, 0, 0];
    let rg = 0;
    for (let i = 0; i < n; i++) {
      const o = lightingOffset(new SampleRandom(4, 0, i), 0.1);
      for (let c = 0; c < 3; c++) {
        sum[c] += o[c];
        sq[c] += o[c] * o[c];
      }
      rg += o[0] * o[1];
    }
    const cov = (a: number, b: number) =>
      255 ** 2 *
      [0, 1, 2].reduce(
        (s, k) => s + IMAGENET_EIGVEC[a][k] * IMAGENET_EIGVEC[b][k] * (0.1 * IMAGENET_EIGVAL[k]) ** 2,
        0,
      );
    for (let c = 0; c < 3; c++) {
      const v = cov(c, c);
      expect(Math.abs(sum[c] / n)).toBeLessThan(5 * Math.sqrt(v / n));
      // sample variance of a Gaussian has std v*sqrt(2/n)
      expect(Math.abs(sq[c] / n - v)).toBeLessThan(5 * v * Math.sqrt(2 / n));
    }
    const c01 = cov(0, 1);
    expect(Math.abs(rg / n - c01)).toBeLessThan(5 * Math.sqrt((cov(0, 0) * cov(1, 1) + c01 ** 2) / n));
    expect(lightingOffset(new SampleRandom(0), 0)).toEqual([0, 0, 0]);
  });
});

describe('lightingOffset formula and constants', () => {
  it('adds 255 * eigvec @ (alpha * eigval) with the published ImageNet PCA (fb.resnet.torch Lighting)', () => {
    // published values (shared/data/README.md), rows R, G, B; columns are the components
    const V = [
      [-0.5675, 0.7192, 0.4009],
      [-0.5808, -0.0045, -0.814],
      [-0.5836, -0.6948, 0.4203],
    ];
    const L = [0.2175, 0.0188, 0.0045];
    expect(IMAGENET_EIGVEC).toEqual(V);
    expect(IMAGENET_EIGVAL).toEqual(L);
    expect([IMAGENET_MEAN, IMAGENET_STD]).toEqual([
      [0.485, 0.456, 0.406],
      [0.229, 0.224, 0.225],
    ]);
    const draws = [1.3, -0.7, 2.1]; // stand-ins for the three N(0, 1) draws, alpha = 0.1 * draw
    let k = 0;
    const rng = { normal: () => draws[k++] } as unknown as SampleRandom;
    const got = lightingOffset(rng, 0.1);
    for (let c = 0; c < 3; c++) {
      let want = 0;
      for (let j = 0; j < 3; j++) want += V[c][j] * 0.1 * draws[j] * L[j];
      expect(got[c]).toBeCloseTo(255 * want, 10);
    }
  });
});

describe('hwcToChw', () => {
  const w = 3;
  const h = 2;
  const src = Uint8Array.from({ length: w * h * 3 }, (_, i) => (i * 37) % 256);
  const at = (x: number, y: number, c: number) => src[(y * w + x) * 3 + c];

  it('transposes, flips, adds lighting, subtracts per-channel mean and divides by std', () => {
    const out = new Float32Array(2 + 3 * w * h);
    const light = [1.5, -2, 0.25];
    const norm = { scale: 1 / 255, mean: [0.4, 0.5, 0.6], std: [0.2, 0.25, 0.5] };
    hwcToChw(src, w, h, out, 2, true, light, norm);
    for (let c = 0; c < 3; c++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          const p = at(w - 1 - x, y, c);
          const want = ((p + light[c]) / 255 - norm.mean[c]) / norm.std[c];
          expect(out[2 + c * w * h + y * w + x]).toBeCloseTo(want, 5);
        }
    expect(out[0]).toBe(0);
  });

  it('subtracts a per-pixel mean image and checks its size', () => {
    const mean = { data: Float32Array.from({ length: 3 * w * h }, (_, i) => i), width: w, height: h };
    const out = new Float32Array(3 * w * h);
    hwcToChw(src, w, h, out, 0, false, [0, 0, 0], { mean });
    expect(out[1 * w * h + 1 * w + 2]).toBe(at(2, 1, 1) - (1 * w * h + 1 * w + 2));
    expect(() => hwcToChw(src, w, h, out, 0, false, [0, 0, 0], { mean: { ...mean, width: 2 } })).toThrow(
      /mean image is 2x2/,
    );
  });

  it('paper preset keeps [0,255] units minus the ImageNet mean', () => {
    const out = new Float32Array(3 * w * h);
    hwcToChw(src, w, h, out, 0, false, [0, 0, 0], { mean: IMAGENET_MEAN_255 });
    expect(out[0]).toBeCloseTo(at(0, 0, 0) - 123.675, 4);
  });
});
