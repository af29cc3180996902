import { describe, expect, it } from 'vitest';
import { compareArms, curveBand, describeComparison, seedStats, seedStatsOrNull } from './seed-stats';

describe('seedStats', () => {
  it('gives the mean, the sample sd (n - 1), the range and each value', () => {
    const s = seedStats([1, 2, 3, 4]);
    expect(s.n).toBe(4);
    expect(s.mean).toBe(2.5);
    // squared deviations 2.25 + 0.25 + 0.25 + 2.25 = 5, over n - 1 = 3
    expect(s.sd).toBeCloseTo(Math.sqrt(5 / 3), 12);
    expect([s.min, s.max]).toEqual([1, 4]);
    expect(s.values).toEqual([1, 2, 3, 4]);
    expect(seedStats([0.1496]).sd).toBe(0);
  });
  it('refuses an empty or non-finite list; the OrNull form gives null for a missing value', () => {
    expect(() => seedStats([])).toThrow(/no values/);
    expect(() => seedStats([1, Number.NaN])).toThrow(/non-finite/);
    expect(seedStatsOrNull([0.2, undefined])).toBeNull();
    expect(seedStatsOrNull([0.2, 0.4])?.mean).toBeCloseTo(0.3, 12);
  });
});

describe('curveBand', () => {
  it('averages curves point by point with sd and range, cut to the shortest curve', () => {
    const band = curveBand([
      [
        [0, 0.9],
        [1, 0.5],
        [2, 0.3],
      ],
      [
        [0, 0.9],
        [1, 0.3],
      ],
    ]);
    expect(band).toHaveLength(2);
    expect(band[0]).toEqual({ x: 0, mean: 0.9, sd: 0, min: 0.9, max: 0.9 });
    expect(band[1].mean).toBeCloseTo(0.4, 12);
    expect(band[1].sd).toBeCloseTo(Math.sqrt(0.02), 12);
    expect([band[1].min, band[1].max]).toEqual([0.3, 0.5]);
  });
});

describe('compareArms', () => {
  it('a gap of 3 pooled sds in every seed holds beyond the spread', () => {
    // means 0.12 and 0.15, both sds 0.01: pooled sd 0.01, t = 0.03 / (0.01 sqrt(2/3))
    const c = compareArms('prelu', [0.12, 0.13, 0.11], 'relu', [0.15, 0.16, 0.14]);
    expect(c.gap).toBeCloseTo(0.03, 12);
    expect(c.pooledSd).toBeCloseTo(0.01, 12);
    expect(c.gapInSd).toBeCloseTo(3, 9);
    expect(c.t).toBeCloseTo(3 / Math.sqrt(2 / 3), 9);
    expect([c.seedsAgreeing, c.seeds, c.holds]).toEqual([3, 3, true]);
    expect(describeComparison(c, (v) => `${(100 * v).toFixed(2)} points`)).toBe(
      'relu - prelu: 3.00 points = 3.0 pooled sd (pooled sd 1.00 points); prelu lower in 3/3 seeds: holds beyond the spread',
    );
  });
  it('a gap smaller than twice the pooled sd, or one seed disagreeing, stays within the spread', () => {
    // means 0.13 and 0.14; sds 0.0265 and 0.01: pooled sd 0.02, gap 0.5 sd
    const c = compareArms('prelu', [0.12, 0.16, 0.11], 'relu', [0.13, 0.15, 0.14]);
    expect(c.pooledSd).toBeCloseTo(0.02, 12);
    expect(c.gapInSd).toBeCloseTo(0.5, 9);
    expect(c.seedsAgreeing).toBe(2);
    expect(c.holds).toBe(false);
    expect(describeComparison(c, String)).toMatch(/within the spread/);
    // a large gap in sds but one seed reversed: not established either
    const d = compareArms('a', [0.1, 0.11, 0.3], 'b', [0.5, 0.51, 0.29]);
    expect(d.gapInSd as number).toBeGreaterThan(2);
    expect(d.holds).toBe(false);
    expect(describeComparison(compareArms('a', [0.2, 0.2], 'b', [0.1, 0.1]), String)).toMatch(/reversed$/);
    expect(describeComparison(compareArms('a', [0.2, 0.1], 'b', [0.1, 0.2]), String)).toMatch(
      /no difference$/,
    );
  });
  it('one seed per arm has no spread to compare with; identical seeds with a gap hold', () => {
    const one = compareArms('prelu', [0.1264], 'relu', [0.1496]);
    expect(Number.isNaN(one.pooledSd)).toBe(true);
    expect([one.gapInSd, one.t, one.holds]).toEqual([null, null, false]);
    expect(describeComparison(one, String)).toMatch(
      /no spread with one seed; .*: not established \(one seed\)$/,
    );
    const flat = compareArms('he', [0.2, 0.2, 0.2], 'xavier', [0.9, 0.9, 0.9]);
    expect([flat.pooledSd, flat.gapInSd, flat.holds]).toEqual([0, null, true]);
  });
});
