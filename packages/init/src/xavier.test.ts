import { Generator } from '@rectifier/tensor';
import { describe, expect, it } from 'vitest';
import { kaimingStd } from './kaiming';
import { sampleMoments, standardErrors } from './stats.test-helper';
import { xavierNormal, xavierStd, xavierUniform } from './xavier';

describe('xavier', () => {
  it('std = gain * sqrt(2 / (fanIn + fanOut)); explicit fans override the shape', () => {
    expect(xavierStd([300, 100])).toBeCloseTo(Math.sqrt(2 / 400), 15);
    expect(xavierStd([64, 32, 3, 3], { gain: 2 })).toBeCloseTo(2 * Math.sqrt(2 / (9 * 96)), 15);
    expect(xavierStd([5], { fans: { fanIn: 10, fanOut: 30 } })).toBeCloseTo(Math.sqrt(2 / 40), 15);
  });

  it('equals the paper\'s one-sided "Xavier" sqrt(1/n̂) when fanIn == fanOut', () => {
    const s = [256, 256, 2, 2];
    expect(xavierStd(s)).toBeCloseTo(kaimingStd(s, { nonlinearity: 'linear', mode: 'fan_out' }), 15);
  });

  for (const [name, fn, kurt] of [
    ['xavierNormal', xavierNormal, 0],
    ['xavierUniform', xavierUniform, -1.2],
  ] as const) {
    it(`${name}: sample mean and std within 5 standard errors (gain 1 and 5/3)`, async () => {
      for (const gain of [1, 5 / 3]) {
        const t = fn([200, 100], { gain, generator: new Generator(21) });
        const sigma = gain * Math.sqrt(2 / 300);
        const m = await sampleMoments(t);
        const se = standardErrors(sigma, m.n, kurt);
        expect(Math.abs(m.mean)).toBeLessThan(5 * se.mean);
        expect(Math.abs(m.std - sigma)).toBeLessThan(5 * se.std);
        if (kurt !== 0)
          expect(Math.max(-m.min, m.max)).toBeLessThanOrEqual(Math.sqrt(3) * sigma * (1 + 1e-6));
        t.dispose();
      }
    });
  }

  it('rejects unknown options, non-finite gain and incomplete fans', () => {
    expect(() => xavierNormal([2, 2], { gian: 2 } as never)).toThrow(/xavierNormal: unknown option 'gian'/);
    expect(() => xavierNormal([2, 2], { gain: Number.POSITIVE_INFINITY })).toThrow(
      /gain must be a finite number/,
    );
    expect(() => xavierNormal([2], { fans: { fanIn: 3 } as never })).toThrow(
      /fans.fanOut must be a finite number/,
    );
  });
});
