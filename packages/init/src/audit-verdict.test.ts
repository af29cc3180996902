import { conv2d, Generator, linear, maxPool2d, randn, relu, type Tensor } from '@rectifier/tensor';
import { describe, expect, it } from 'vitest';
import { type AuditLayer, varianceAudit } from './audit';
import { auditVerdict } from './audit-verdict';
import { kaimingNormal } from './kaiming';

/**
 * A deep net whose map geometry matters, like the paper's 30-layer model on small maps: a 3x3 stride-2
 * conv, a 2x2 max pool, then 2x2 convs with padding 1, 0, 1, 0, ... on a 7x7 map (each padded layer
 * grows the map by one with zero borders, the next shrinks it back), a max pool and an fc head.
 */
function geometryNet(gain: number, seed: number, depth = 16): AuditLayer[] {
  const g = new Generator(seed);
  const nonlinearity = gain === 1 ? 'linear' : 'relu';
  const layers: AuditLayer[] = [];
  const conv = (name: string, cin: number, cout: number, k: number, stride: number, padding: number) => {
    const w = kaimingNormal([cout, cin, k, k], { nonlinearity, mode: 'fan_out', generator: g });
    const geometry = {
      kernelSize: [k, k] as const,
      stride: [stride, stride] as const,
      padding: [padding, padding] as const,
      dilation: [1, 1] as const,
    };
    layers.push({
      name,
      kind: 'conv',
      weight: w,
      geometry,
      forward: (x) => conv2d(x, w, undefined, { stride, padding }),
    });
    layers.push({ name: `${name}.relu`, kind: 'activation', negativeSlope: 0, forward: (x) => relu(x) });
  };
  const pool = (name: string) =>
    layers.push({ name, kind: 'pool', forward: (x: Tensor) => maxPool2d(x, { kernelSize: 2, stride: 2 }) });
  conv('conv1', 3, 32, 3, 2, 1); // 28 -> 14
  pool('pool1'); // 14 -> 7
  for (let i = 0; i < depth; i++) conv(`conv2_${i + 1}`, 32, 32, 2, 1, i % 2 === 0 ? 1 : 0);
  pool('pool2'); // 7 -> 3
  layers.push({ name: 'flatten', kind: 'other', forward: (x) => x.flatten(1) });
  const w = kaimingNormal([10, 32 * 3 * 3], { nonlinearity, mode: 'fan_out', generator: g });
  layers.push({ name: 'fc', kind: 'linear', weight: w, forward: (x) => linear(x, w) });
  return layers;
}

const audit = (gain: number, seed: number) =>
  varianceAudit(
    { layers: geometryNet(gain, seed) },
    randn([4, 3, 28, 28], { generator: new Generator(50 + seed) }),
    {
      generator: new Generator(90 + seed),
    },
  );
const geomean = (xs: number[]) => Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length);

describe('auditVerdict', () => {
  it('says He fan-out keeps the gradient and the paper\'s "Xavier" shrinks it by about 2^-(L-1)/2', async () => {
    const he = auditVerdict(await audit(Math.SQRT2, 1));
    const xa = auditVerdict(await audit(1, 1));
    expect(he.layers).toBe(18);
    expect(he.backwardSignal).toBe('keeps');
    expect(he.initBackwardGain).toBeGreaterThan(0.7);
    expect(he.initBackwardGain).toBeLessThan(1.4);
    expect(xa.backwardSignal).toBe('shrinks');
    expect(Math.log2(xa.initBackwardGain)).toBeCloseTo(-(18 - 1) / 2, 0);
    expect(xa.lines.join('\n')).toMatch(/shrinks the gradient.*stalls \(paper, Fig\. 3\)/);
    expect(he.lines.join('\n')).toMatch(/keeps the gradient/);
  });

  it('explains the end-to-end gradient ratio: the geometry share is the same for both inits and the prediction matches', async () => {
    const runs = await Promise.all([1, 2, 3].map((s) => audit(Math.SQRT2, s)));
    const verdicts = runs.map(auditVerdict);
    // Strides, borders and pooling shrink the gradient far below what Eq. 13 alone predicts ...
    for (const v of verdicts) expect(v.measuredBackwardRatio / v.initBackwardGain).toBeLessThan(0.3);
    // ... and counting them brings the prediction to the measurement.
    const agreement = geomean(verdicts.map((v) => v.measuredBackwardRatio / v.predictedBackwardRatio));
    expect(agreement).toBeGreaterThan(0.75);
    expect(agreement).toBeLessThan(1.33);
    const xa = auditVerdict(await audit(1, 1));
    expect(xa.geometryBackwardGain / verdicts[0].geometryBackwardGain).toBeGreaterThan(0.5);
    expect(xa.geometryBackwardGain / verdicts[0].geometryBackwardGain).toBeLessThan(2);
  });

  it('counts the taps that fall on zero padding: a padded 2x2 conv on a 7x7 map sees (7/8)^2 of them', async () => {
    const a = await audit(Math.SQRT2, 1);
    const padded = a.rows.find((r) => r.name === 'conv2_1');
    const unpadded = a.rows.find((r) => r.name === 'conv2_2');
    expect(padded?.tapFraction).toBeCloseTo((7 / 8) ** 2, 10);
    expect(unpadded?.tapFraction).toBe(1);
    expect(unpadded?.mapRatio).toBeCloseTo((7 / 8) ** 2, 10);
  });
});
