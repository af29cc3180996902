import { conv2d, Generator, linear, randn, relu } from '@rectifier/tensor';
import { describe, expect, it } from 'vitest';
import { type AuditLayer, type VarianceAuditResult, varianceAudit } from './audit';
import { formatVarianceAudit } from './audit-format';
import { kaimingNormal } from './kaiming';

/**
 * A 30-layer plain rectifier net like the paper's Fig. 3 model, shrunk: 27 conv layers (2x2, 32
 * filters, no padding, so the 32x32 input ends at 5x5) and 3 fc layers (800 -> 64 -> 64 -> 10), ReLU
 * after every layer but the last, biases 0. `gain` sqrt(2) is He (Eq. 10 / 14); gain 1 is the paper's
 * "Xavier" (n Var[w] = 1). The same seed draws the same N(0, 1) numbers for both, scaled differently.
 */
function plainNet(gain: number, mode: 'fan_in' | 'fan_out', seed: number): AuditLayer[] {
  const g = new Generator(seed);
  const nonlinearity = gain === 1 ? 'linear' : 'relu';
  const layers: AuditLayer[] = [];
  const act = (name: string): AuditLayer => ({
    name,
    kind: 'activation',
    negativeSlope: 0,
    forward: (x) => relu(x),
  });
  for (let i = 0; i < 27; i++) {
    const w = kaimingNormal([32, i === 0 ? 3 : 32, 2, 2], { nonlinearity, mode, generator: g });
    layers.push({ name: `conv${i + 1}`, kind: 'conv', weight: w, forward: (x) => conv2d(x, w) });
    layers.push(act(`relu${i + 1}`));
  }
  layers.push({ name: 'flatten', kind: 'other', forward: (x) => x.flatten(1) });
  const dims = [800, 64, 64, 10];
  for (let j = 0; j < 3; j++) {
    const w = kaimingNormal([dims[j + 1], dims[j]], { nonlinearity, mode, generator: g });
    layers.push({ name: `fc${j + 1}`, kind: 'linear', weight: w, forward: (x) => linear(x, w) });
    if (j < 2) layers.push(act(`relu_fc${j + 1}`));
  }
  return layers;
}

const seeds = [1, 2, 3, 4, 5, 6];
const audit = (gain: number, mode: 'fan_in' | 'fan_out', seed: number) =>
  varianceAudit(
    { layers: plainNet(gain, mode, seed) },
    randn([2, 3, 32, 32], { generator: new Generator(100 + seed) }),
    {
      generator: new Generator(200 + seed),
    },
  );
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * Mean over conv2..conv27 and over the nets of each layer's realised variance factor (forward:
 * Var[y_l] / Var[y_l-1]; backward: Var[Δx_l] / Var[Δx_l+1]) and of its ratio to the predicted factor.
 */
function factors(
  audits: VarianceAuditResult[],
  dir: 'forward' | 'backward',
): { realised: number; relative: number } {
  const realised: number[] = [];
  const relative: number[] = [];
  for (const a of audits) {
    for (let l = 1; l < 27; l++) {
      const r =
        dir === 'forward'
          ? (a.rows[l].forwardStd / a.rows[l - 1].forwardStd) ** 2
          : (a.rows[l - 1].backwardStd / a.rows[l].backwardStd) ** 2;
      realised.push(r);
      relative.push(r / (dir === 'forward' ? a.rows[l].forwardFactor : a.rows[l - 1].backwardFactor));
    }
  }
  return { realised: mean(realised), relative: mean(relative) };
}

/*
 * Eqs. 8-9 and 12-13 hold in expectation over the weights. In a narrow net each layer's realised factor
 * is noisy (deep ReLU nets make positions ever more correlated, so a layer effectively sees few input
 * directions), and the product over 26 layers is a random walk whose log drifts (Jensen). So the checks
 * average the per-layer factors over 26 layers x 6 independently initialised nets (156 draws), and the
 * end-to-end ratio gets a loose band; the He/"Xavier" contrast is exact by positive homogeneity.
 */
describe('varianceAudit on a 30-layer plain ReLU net', () => {
  it('He init (Eq. 10) keeps the forward variance about constant; "Xavier" shrinks the std by 1/sqrt(2) per layer', async () => {
    const he = await Promise.all(seeds.map((s) => audit(Math.SQRT2, 'fan_in', s)));
    const xa = await Promise.all(seeds.map((s) => audit(1, 'fan_in', s)));
    expect(he[0].rows).toHaveLength(30);
    // He: each layer's realised variance factor Var[y_l] / Var[y_l-1] averages the predicted
    // ½ n Var[w] ≈ 1 (Eq. 8), so the forward variance stays constant in expectation (Eq. 9)
    const he_f = factors(he, 'forward');
    expect(he_f.realised).toBeGreaterThan(0.85);
    expect(he_f.realised).toBeLessThan(1.15);
    expect(he_f.relative).toBeGreaterThan(0.85);
    expect(he_f.relative).toBeLessThan(1.15);
    const heRatio =
      mean(he.map((a) => a.rows[26].forwardStd ** 2)) / mean(he.map((a) => a.rows[0].forwardStd ** 2));
    expect(heRatio).toBeGreaterThan(1 / 8);
    expect(heRatio).toBeLessThan(8);
    // "Xavier": the factor is ½
    const xa_f = factors(xa, 'forward');
    expect(xa_f.realised).toBeGreaterThan(0.5 * 0.85);
    expect(xa_f.realised).toBeLessThan(0.5 * 1.15);
    // "Xavier": each factor is ½ n Var[w] = ½, so the std shrinks by 1/sqrt(2) per layer. The ReLU net
    // is positively homogeneous, so with the same draws the ratio to He is exactly (1/sqrt(2))^(l-1).
    for (const [k, a] of xa.entries()) {
      for (let l = 1; l < 27; l++) {
        const rel =
          a.rows[l].forwardStd / a.rows[0].forwardStd / (he[k].rows[l].forwardStd / he[k].rows[0].forwardStd);
        expect(rel).toBeCloseTo(Math.SQRT1_2 ** l, 4 + Math.floor(l * 0.15));
      }
      expect(a.rows[26].forwardStd / a.rows[0].forwardStd).toBeLessThan(2 ** -10);
      expect(a.rows[5].forwardFactor).toBeCloseTo(0.5, 1);
    }
    expect(formatVarianceAudit(he[0])).toMatch(/conv27/);
  });

  it('He fan-out (Eq. 14): backward variances follow Eq. 13; "Xavier" gradients diminish by 1/sqrt(2) per layer', async () => {
    const he = await Promise.all(seeds.map((s) => audit(Math.SQRT2, 'fan_out', s)));
    const xa = await Promise.all(seeds.map((s) => audit(1, 'fan_out', s)));
    // the unpadded 2x2 convs lose ((s-1)/s)² of the gradient variance at the map borders (mapRatio,
    // part of the predicted factor); with it, the backward factor averages ½ n̂ Var[w] · mapRatio
    const he_b = factors(he, 'backward');
    expect(he_b.relative).toBeGreaterThan(0.85);
    expect(he_b.relative).toBeLessThan(1.15);
    let border = 1;
    for (let l = 1; l < 26; l++) border *= he[0].rows[l].mapRatio;
    expect(border).toBeCloseTo((6 / 31) ** 2, 10); // maps 31x31 -> 6x6
    for (const [k, a] of xa.entries()) {
      const rel =
        a.rows[1].backwardStd /
        a.rows[26].backwardStd /
        (he[k].rows[1].backwardStd / he[k].rows[26].backwardStd);
      expect(rel).toBeCloseTo(Math.SQRT1_2 ** 25, 6);
      expect(a.rows[1].backwardStd / a.rows[26].backwardStd).toBeLessThan(2 ** -10);
    }
  });

  it('rejects malformed models', async () => {
    await expect(varianceAudit({ layers: [] }, randn([1, 3, 8, 8]))).rejects.toThrow(
      /no conv or linear layer/,
    );
    await expect(
      varianceAudit({ layers: [{ name: 'c', kind: 'conv', forward: (x) => x }] }, randn([1, 3, 8, 8])),
    ).rejects.toThrow(/conv layer 'c' needs a weight/);
    await expect(varianceAudit({} as never, randn([1, 3, 8, 8]))).rejects.toThrow(/model must be \{ layers/);
    await expect(varianceAudit({ layers: [] }, randn([1, 3, 8, 8]), { seed: 1 } as never)).rejects.toThrow(
      /unknown option 'seed'/,
    );
  });
});
