import { Generator, Parameter, zeros as tzeros } from '@rectifier/tensor';
import { describe, expect, it } from 'vitest';
import type { FanMode } from './fans';
import { kaimingNormal, kaimingNormal_, kaimingStd, kaimingUniform, kaimingUniform_ } from './kaiming';
import { sampleMoments, standardErrors } from './stats.test-helper';

// [100, 50, 2, 2]: 20,000 draws, fanIn = 200, fanOut = 400
const shape = [100, 50, 2, 2];
const fans = { fan_in: 200, fan_out: 400 };
const cases: {
  nonlinearity: 'relu' | 'leaky_relu' | 'prelu' | 'linear' | 'tanh';
  a?: number;
  gain: number;
}[] = [
  { nonlinearity: 'relu', gain: Math.SQRT2 },
  { nonlinearity: 'leaky_relu', gain: Math.SQRT2 }, // PyTorch's kaiming default a = 0
  { nonlinearity: 'leaky_relu', a: 0.2, gain: Math.sqrt(2 / 1.04) },
  { nonlinearity: 'prelu', gain: Math.sqrt(2 / 1.0625) }, // Eq. 15 with the paper's a = 0.25
  { nonlinearity: 'prelu', a: 0.6, gain: Math.sqrt(2 / 1.36) },
  { nonlinearity: 'linear', gain: 1 },
  { nonlinearity: 'tanh', gain: 5 / 3 },
];

describe('kaimingStd', () => {
  it("reproduces the paper's Eq. 14 stds for VGG model B (0.059, 0.042, 0.029, 0.021)", () => {
    const std = (d: number) => kaimingStd([d, d, 3, 3], { mode: 'fan_out', nonlinearity: 'relu' });
    expect(std(64)).toBeCloseTo(0.059, 3);
    expect(std(128)).toBeCloseTo(0.042, 3);
    expect(std(256)).toBeCloseTo(0.029, 3);
    expect(std(512)).toBeCloseTo(0.021, 3);
  });

  it('Eq. 10 uses n = k²c, Eq. 14 uses n̂ = k²d', () => {
    expect(kaimingStd([64, 3, 7, 7], { nonlinearity: 'relu' })).toBeCloseTo(Math.sqrt(2 / 147), 15);
    expect(kaimingStd([64, 3, 7, 7], { mode: 'fan_out', nonlinearity: 'relu' })).toBeCloseTo(
      Math.sqrt(2 / 3136),
      15,
    );
    expect(kaimingStd([7], { fans: { fanIn: 8 }, nonlinearity: 'relu' })).toBeCloseTo(0.5, 15);
  });

  it('rejects unknown options naming the key', () => {
    expect(() => kaimingStd([2, 2], { mdoe: 'fan_out' } as never)).toThrow(
      /kaimingStd: unknown option 'mdoe'/,
    );
    expect(() => kaimingNormal([2, 2], { nonlinearity: 'swish' as never })).toThrow(
      /unsupported nonlinearity 'swish'/,
    );
    expect(() => kaimingNormal([3], {})).toThrow(/fewer than 2 dimensions/);
  });
});

describe('kaimingNormal / kaimingUniform statistics (tolerance: 5 standard errors)', () => {
  for (const mode of ['fan_in', 'fan_out'] as FanMode[]) {
    for (const c of cases) {
      const label = `${mode}, ${c.nonlinearity}${c.a === undefined ? '' : ` a=${c.a}`}`;
      const sigma = c.gain / Math.sqrt(fans[mode]);
      it(`normal: ${label}`, async () => {
        const t = kaimingNormal(shape, {
          mode,
          nonlinearity: c.nonlinearity,
          a: c.a,
          generator: new Generator(11),
        });
        expect(t.shape).toEqual(shape);
        expect(t.dtype).toBe('float32');
        const m = await sampleMoments(t);
        const se = standardErrors(sigma, m.n, 0);
        expect(Math.abs(m.mean)).toBeLessThan(5 * se.mean);
        expect(Math.abs(m.std - sigma)).toBeLessThan(5 * se.std);
        t.dispose();
      });
      it(`uniform: ${label}`, async () => {
        const t = kaimingUniform(shape, {
          mode,
          nonlinearity: c.nonlinearity,
          a: c.a,
          generator: new Generator(12),
        });
        const m = await sampleMoments(t);
        const se = standardErrors(sigma, m.n, -1.2);
        const bound = Math.sqrt(3) * sigma;
        expect(m.min).toBeGreaterThanOrEqual(-bound * (1 + 1e-6));
        expect(m.max).toBeLessThanOrEqual(bound * (1 + 1e-6));
        expect(Math.abs(m.mean)).toBeLessThan(5 * se.mean);
        expect(Math.abs(m.std - sigma)).toBeLessThan(5 * se.std);
        t.dispose();
      });
    }
  }
});

describe('seeding, dtype and in-place forms', () => {
  it('the same seed gives the same draws; a different seed does not', async () => {
    const a = await kaimingNormal([8, 4], { generator: new Generator(5) }).data();
    const b = await kaimingNormal([8, 4], { generator: new Generator(5) }).data();
    const c = await kaimingNormal([8, 4], { generator: new Generator(6) }).data();
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });

  it('in place: fills a Parameter (requiresGrad) without recording a graph, keeps dtype, matches the shape form', async () => {
    const p = new Parameter(tzeros([64, 32, 3, 3], { dtype: 'float64' }));
    const out = kaimingNormal_(p, { mode: 'fan_out', nonlinearity: 'relu', generator: new Generator(3) });
    expect(out).toBe(p);
    expect(p.dtype).toBe('float64');
    expect(p.requiresGrad).toBe(true);
    expect(p.isLeaf).toBe(true);
    const ref = kaimingNormal([64, 32, 3, 3], {
      mode: 'fan_out',
      nonlinearity: 'relu',
      generator: new Generator(3),
      dtype: 'float64',
    });
    expect(Array.from(await p.data())).toEqual(Array.from(await ref.data()));
    const m = await sampleMoments(p);
    const sigma = Math.sqrt(2 / (64 * 9));
    expect(Math.abs(m.std - sigma)).toBeLessThan(5 * standardErrors(sigma, m.n, 0).std);
    kaimingUniform_(p, { generator: new Generator(4) });
    const u = await sampleMoments(p);
    expect(u.max).toBeLessThanOrEqual(Math.sqrt(6 / (32 * 9)) * (1 + 1e-12));
  });

  it('in place rejects int32 tensors', () => {
    expect(() => kaimingNormal_(tzeros([4, 4], { dtype: 'int32' }))).toThrow(
      /dtype must be 'float32' or 'float64', got 'int32'/,
    );
  });
});
