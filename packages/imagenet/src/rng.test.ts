import { describe, expect, it } from 'vitest';
import { hash32, SampleRandom } from './rng.js';

describe('SampleRandom', () => {
  it('is a pure function of (seed, epoch, index, stream)', () => {
    const a = new SampleRandom(7, 3, 11);
    const b = new SampleRandom(7, 3, 11);
    const xa = Array.from({ length: 20 }, () => a.nextUint32());
    expect(Array.from({ length: 20 }, () => b.nextUint32())).toEqual(xa);
    for (const other of [
      new SampleRandom(8, 3, 11),
      new SampleRandom(7, 4, 11),
      new SampleRandom(7, 3, 12),
      new SampleRandom(7, 3, 11, 1),
    ])
      expect(Array.from({ length: 20 }, () => other.nextUint32())).not.toEqual(xa);
  });

  it('uniform() has mean 1/2 and variance 1/12 within 5 standard errors', () => {
    const n = 200_000;
    const r = new SampleRandom(1);
    let s = 0;
    let s2 = 0;
    let lo = 1;
    let hi = 0;
    for (let i = 0; i < n; i++) {
      const u = r.uniform();
      lo = Math.min(lo, u);
      hi = Math.max(hi, u);
      s += u;
      s2 += u * u;
    }
    expect(lo >= 0 && hi < 1).toBe(true);
    const mean = s / n;
    expect(Math.abs(mean - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / n));
    expect(Math.abs(s2 / n - mean * mean - 1 / 12)).toBeLessThan(5 * Math.sqrt(1 / 180 / n));
  });

  it('normal() has mean 0, variance 1 and kurtosis 3 within tolerance', () => {
    const n = 200_000;
    const r = new SampleRandom(2, 0, 5);
    let s = 0;
    let s2 = 0;
    let s4 = 0;
    for (let i = 0; i < n; i++) {
      const z = r.normal();
      s += z;
      s2 += z * z;
      s4 += z ** 4;
    }
    expect(Math.abs(s / n)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(s2 / n - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    expect(Math.abs(s4 / n - 3)).toBeLessThan(5 * Math.sqrt(96 / n));
  });

  it('int() is uniform over [low, high) (chi-square, 6 dof, p > 1e-4)', () => {
    const r = new SampleRandom(3);
    const counts = new Array(7).fill(0);
    const n = 70_000;
    for (let i = 0; i < n; i++) counts[r.int(10, 17) - 10]++;
    const chi = counts.reduce((a, c) => a + (c - n / 7) ** 2 / (n / 7), 0);
    expect(chi).toBeLessThan(27.9); // chi2(6) 0.9999 quantile
    expect(() => r.int(3, 3)).toThrow(/low < high/);
  });

  it('consecutive sample indices give uncorrelated first draws', () => {
    const n = 50_000;
    let sxy = 0;
    for (let i = 0; i < n; i++)
      sxy += (new SampleRandom(0, 0, i).uniform() - 0.5) * (new SampleRandom(0, 0, i + 1).uniform() - 0.5);
    expect(Math.abs(sxy / n) / (1 / 12)).toBeLessThan(5 / Math.sqrt(n));
    expect(hash32(0)).not.toBe(hash32(1));
  });
});
