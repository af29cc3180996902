import { formatVarianceAudit, varianceAudit } from '@rectifier/init';
import { Generator, randn } from '@rectifier/tensor';
import { describe, expect, it } from 'vitest';
import { toAuditModel } from './audit';
import { model30 } from './models/factories';
import { Module } from './module';

describe("toAuditModel: the paper's 30-layer net in the variance audit", () => {
  it('adapts a Sequential; He vs "Xavier" differ by 1/sqrt(2) per conv layer', async () => {
    const opts = {
      width: 1 / 16,
      numClasses: 10,
      inputSize: 96,
      activation: 'relu',
      fcInit: 'same-as-conv',
    } as const;
    const he = model30({ ...opts, seed: 1 }).eval();
    const xa = model30({ ...opts, init: 'xavier', seed: 1 }).eval();
    const model = await toAuditModel(he);
    expect(model.layers.filter((l) => l.kind === 'conv')).toHaveLength(27);
    expect(model.layers.filter((l) => l.kind === 'linear').map((l) => l.name)).toEqual(['fc1', 'fc2', 'fc3']);
    expect(model.layers.filter((l) => l.kind === 'pool').map((l) => l.name)).toEqual([
      'pool1',
      'pool2',
      'spp',
    ]);
    const x = randn([2, 3, 96, 96], { generator: new Generator(2) });
    const a = await varianceAudit(model, x, { generator: new Generator(3) });
    const b = await varianceAudit(await toAuditModel(xa), x, { generator: new Generator(3) });
    expect(a.rows.map((r) => r.name).slice(0, 3)).toEqual(['conv1', 'conv2_1', 'conv2_2']);
    // ReLU, max pooling and SPP are positively homogeneous: scaling every conv by 1/sqrt(2) scales
    // the l-th conv response by (1/sqrt(2))^l exactly
    for (let l = 0; l < 27; l++) {
      expect(b.rows[l].forwardStd / a.rows[l].forwardStd).toBeCloseTo(Math.SQRT1_2 ** (l + 1), 5);
    }
    expect(formatVarianceAudit(a)).toMatch(/conv3_22/);
  });

  it('PReLU activations enter with their mean slope; custom modules are rejected', async () => {
    const net = model30({ width: 1 / 16, numClasses: 10, inputSize: 96, extraLayers: 2, seed: 4 });
    const m = await toAuditModel(net);
    const act = m.layers.find((l) => l.name === 'conv1_prelu');
    expect(act?.kind).toBe('activation');
    expect(act?.negativeSlope).toBeCloseTo(0.25, 7);
    class Custom extends Module {
      forward(x: import('@rectifier/tensor').Tensor) {
        return x;
      }
    }
    await expect(toAuditModel(new Custom())).rejects.toThrow(/'' \(Custom\) is not a registered layer/);
  });
});
