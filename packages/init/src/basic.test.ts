import { Generator, Parameter, zeros as tzeros } from '@rectifier/tensor';
import { describe, expect, it } from 'vitest';
import { constant, constant_, normal, normal_, ones, ones_, uniform, uniform_, zeros, zeros_ } from './basic';
import { sampleMoments, standardErrors } from './stats.test-helper';

describe('normal / uniform', () => {
  it('normal(shape, { mean, std }): moments within 5 standard errors; plain (not truncated) tails', async () => {
    const t = normal([50_000], { mean: 3, std: 0.01, generator: new Generator(1) });
    const m = await sampleMoments(t);
    const se = standardErrors(0.01, m.n, 0);
    expect(Math.abs(m.mean - 3)).toBeLessThan(5 * se.mean);
    expect(Math.abs(m.std - 0.01)).toBeLessThan(5 * se.std);
    // a truncated normal at 2 std would never exceed 2 sigma; 50k plain draws exceed it ~2,300 times
    expect(Math.max(m.max - 3, 3 - m.min)).toBeGreaterThan(0.03);
  });

  it('uniform(shape, { a, b }): bounds and moments', async () => {
    const t = uniform([40_000], { a: -2, b: 6, generator: new Generator(2) });
    const m = await sampleMoments(t);
    const sigma = 8 / Math.sqrt(12);
    const se = standardErrors(sigma, m.n, -1.2);
    expect(m.min).toBeGreaterThanOrEqual(-2);
    expect(m.max).toBeLessThan(6);
    expect(Math.abs(m.mean - 2)).toBeLessThan(5 * se.mean);
    expect(Math.abs(m.std - sigma)).toBeLessThan(5 * se.std);
  });

  it('defaults: N(0, 1) and U[0, 1); 0 is honoured (std 0 gives the mean exactly)', async () => {
    expect(Array.from(await normal([3], { mean: 2, std: 0 }).data())).toEqual([2, 2, 2]);
    const u = await sampleMoments(uniform([10_000], { generator: new Generator(3) }));
    expect(u.min).toBeGreaterThanOrEqual(0);
    expect(u.max).toBeLessThan(1);
    const seU = standardErrors(1 / Math.sqrt(12), u.n, -1.2);
    expect(Math.abs(u.mean - 0.5)).toBeLessThan(5 * seU.mean);
    expect(Math.abs(u.std - 1 / Math.sqrt(12))).toBeLessThan(5 * seU.std);
    const z = await sampleMoments(normal([10_000], { generator: new Generator(8) }));
    const seZ = standardErrors(1, z.n, 0);
    expect(Math.abs(z.mean)).toBeLessThan(5 * seZ.mean);
    expect(Math.abs(z.std - 1)).toBeLessThan(5 * seZ.std);
  });

  it('in place forms keep the tensor and its dtype', async () => {
    const p = new Parameter(tzeros([1000], { dtype: 'float64' }));
    expect(normal_(p, { std: 2, generator: new Generator(4) })).toBe(p);
    expect(p.dtype).toBe('float64');
    const m2 = await sampleMoments(p);
    expect(Math.abs(m2.std - 2)).toBeLessThan(5 * standardErrors(2, m2.n, 0).std);
    uniform_(p, { a: 5, b: 6 });
    const m = await sampleMoments(p);
    expect(m.min).toBeGreaterThanOrEqual(5);
  });

  it('rejects bad arguments with the function name', () => {
    expect(() => normal([2], { std: -1 })).toThrow(/normal: std must be >= 0/);
    expect(() => normal([2], { sd: 1 } as never)).toThrow(/normal: unknown option 'sd'/);
    expect(() => uniform([2], { a: 3, b: 1 })).toThrow(
      /uniform: lower bound 3 must not exceed upper bound 1/,
    );
    expect(() => uniform([-2])).toThrow(/uniform: shape must be an array of non-negative integers/);
  });
});

describe('constant / zeros / ones', () => {
  it('fills with the value', async () => {
    expect(Array.from(await constant([2, 2], 0.25).data())).toEqual([0.25, 0.25, 0.25, 0.25]);
    expect(Array.from(await zeros([3]).data())).toEqual([0, 0, 0]);
    expect(Array.from(await ones([2], { dtype: 'float64' }).data())).toEqual([1, 1]);
    const p = new Parameter(tzeros([4]));
    constant_(p, 0.25);
    expect(Array.from(await p.data())).toEqual([0.25, 0.25, 0.25, 0.25]);
    ones_(p);
    expect(Array.from(await p.data())).toEqual([1, 1, 1, 1]);
    zeros_(p);
    expect(Array.from(await p.data())).toEqual([0, 0, 0, 0]);
    expect(() => constant([2], Number.NaN)).toThrow(/constant: value must be a finite number/);
  });
});
