import { describe, expect, it } from 'vitest';
import { PAPER_TABLE1 } from './prelu-vs-relu';
import { slopePattern, slopePatternVerdict } from './slope-pattern';

const paper = (col: 'shared' | 'channelWise') =>
  Object.fromEntries(PAPER_TABLE1.map((r) => [r.layer, r[col]]));

describe("the paper's Table 1 pattern", () => {
  it("holds on the paper's own slopes, both columns", () => {
    for (const col of ['shared', 'channelWise'] as const) {
      const checks = slopePattern(paper(col));
      expect(checks.map((c) => [c.id, c.holds])).toEqual([
        ['conv1-large', true],
        ['smaller-deeper', true],
        ['larger-at-stage-end', true],
      ]);
    }
    // channel-shared: conv2_x mean (0.103 + 0.099 + 0.228 + 0.561) / 4, conv3_x mean 0.619 / 6, fc 0.047
    expect(slopePattern(paper('shared'))[1].detail).toBe('conv2_x 0.248, conv3_x 0.103, fc 0.047');
  });
  it('fails each check on slopes that break it', () => {
    const flat = Object.fromEntries(PAPER_TABLE1.map((r) => [r.layer, 0.25]));
    expect(slopePattern(flat).map((c) => c.holds)).toEqual([false, false, false]);
    // the paper's values with the fc slopes risen above conv3_x and conv3_6 dropped: only conv1 holds
    const risen = { ...paper('shared'), fc1: 0.39, fc2: 0.54, conv3_6: 0.05 };
    expect(slopePattern(risen).map((c) => c.holds)).toEqual([true, false, false]);
    expect(() => slopePattern({ conv1: 0.5 })).toThrow(/no slope for conv2_1/);
  });
  it('verdict: on the mean and in how many seeds', () => {
    const p = paper('shared');
    const risen = { ...p, fc1: 0.39, fc2: 0.54 };
    const all = slopePatternVerdict(p, [p, p, p]);
    expect(all.verdict).toBe('appears');
    expect(all.seedsHolding).toEqual({ 'conv1-large': 3, 'smaller-deeper': 3, 'larger-at-stage-end': 3 });
    const part = slopePatternVerdict(p, [p, risen, p]);
    expect(part.verdict).toBe('partly');
    expect(part.seedsHolding['smaller-deeper']).toBe(2);
    expect(part.summary).toMatch(/appears only in part: .*smaller-deeper yes on the mean \(2\/3 seeds\)/);
    const flat = Object.fromEntries(PAPER_TABLE1.map((r) => [r.layer, 0.25]));
    expect(slopePatternVerdict(flat, [flat]).verdict).toBe('does not appear');
  });
});
