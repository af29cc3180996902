import { tensor } from '@rectifier/tensor';
import { describe, expect, it } from 'vitest';
import { MeanMeter, ThroughputMeter, TopKMeter } from './meters';
import { topKErrors, topKErrorsFromArrays } from './topk';

describe('topKErrors', () => {
  it('counts rows whose target is not among the k highest scores', async () => {
    // row 0: target 2 is the max (rank 0); row 1: target 0 has rank 2; row 2: target 1 has rank 1
    const logits = tensor([
      [0.1, 0.2, 0.9, 0.0],
      [0.1, 0.5, 0.9, 0.0],
      [0.8, 0.5, 0.1, 0.0],
    ]);
    const target = tensor([2, 0, 1], { dtype: 'int32' });
    const r = await topKErrors(logits, target, [1, 2, 3]);
    expect(r).toEqual({ n: 3, errors: [2, 1, 0] });
  });
  it('counts ties in favour of the target and NaN scores as errors', () => {
    const r = topKErrorsFromArrays([1, 1, 1, Number.NaN, 0, 0], [2, 0], 2, 3, [1, 3]);
    expect(r.errors).toEqual([1, 1]);
  });
  it('rejects mismatched shapes and bad labels with the argument named', async () => {
    await expect(topKErrors(tensor([1, 2]), tensor([0], { dtype: 'int32' }))).rejects.toThrow(
      /logits must be \[N, C\], got \[2\]/,
    );
    await expect(topKErrors(tensor([[1, 2]]), tensor([0, 1], { dtype: 'int32' }))).rejects.toThrow(
      /target must be \[N\] = \[1\]/,
    );
    expect(() => topKErrorsFromArrays([1, 2], [5], 1, 2, [1])).toThrow(
      /target 5 at row 0 is not a class index in \[0, 2\)/,
    );
  });
});

describe('meters', () => {
  it('MeanMeter weights by sample count and round-trips its state', () => {
    const m = new MeanMeter();
    expect(Number.isNaN(m.mean)).toBe(true);
    m.update(1, 3);
    m.update(3, 1);
    expect(m.mean).toBe(1.5);
    const m2 = new MeanMeter();
    m2.loadStateDict(m.stateDict());
    expect(m2.mean).toBe(1.5);
  });
  it('TopKMeter accumulates error rates', () => {
    const t = new TopKMeter([1, 5]);
    t.update({ n: 4, errors: [2, 1] });
    t.update({ n: 4, errors: [0, 0] });
    expect(t.rates).toEqual([0.25, 0.125]);
  });
  it('ThroughputMeter divides samples by the time inside windows', async () => {
    const t = new ThroughputMeter();
    t.start();
    await new Promise((r) => setTimeout(r, 20));
    t.stop(10);
    expect(t.rate).toBeGreaterThan(0);
    expect(t.rate).toBeLessThan(10 / 0.015);
  });
});
