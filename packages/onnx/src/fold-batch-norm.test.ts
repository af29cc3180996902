// foldBatchNorm merges a BN into the conv before it only where that is exact: the conv output feeds
// the BN alone and the conv's weight is not shared with another call.
import { BatchNorm2d, Conv2d, Module, ReLU, Sequential } from '@rectifier/nn';
import { Generator, noGrad, rand, type Tensor } from '@rectifier/tensor';
import { describe, expect, it } from 'vitest';
import { exportOnnx } from './export';
import { decodeModel } from './test-support/decode';
import { verifyModel } from './test-support/verify';

function randomStats(bn: BatchNorm2d, seed: number): BatchNorm2d {
  const g = new Generator(seed);
  noGrad(() => {
    for (const [t, lo] of [
      [bn.running_mean!, -0.5],
      [bn.running_var!, 0.5],
      [bn.weight!, 0.5],
      [bn.bias!, -0.5],
    ] as const) {
      const r = rand([...t.shape], { generator: g });
      const v = r.add(lo);
      t.assign(v);
      r.dispose();
      v.dispose();
    }
  });
  return bn;
}

/** conv -> bn, where the conv output also feeds a second branch: folding would change that branch. */
class TwoUses extends Module {
  conv = new Conv2d({ inChannels: 3, outChannels: 4, kernelSize: 3, padding: 1 });
  bn = randomStats(new BatchNorm2d({ numFeatures: 4 }), 2);
  forward(x: Tensor): Tensor {
    const h = this.conv.call(x);
    return this.bn.call(h).add(h);
  }
}

const ops = (bytes: Uint8Array, t: string) =>
  decodeModel(bytes).graph.node.filter((n) => n.op_type === t).length;

describe('exportOnnx foldBatchNorm', () => {
  it('folds conv -> BN (bias or not), keeps a BN with no conv before it, matches ORT', async () => {
    const model = new Sequential(
      randomStats(new BatchNorm2d({ numFeatures: 3 }), 1),
      new Conv2d({ inChannels: 3, outChannels: 4, kernelSize: 3 }),
      randomStats(new BatchNorm2d({ numFeatures: 4 }), 3),
      new ReLU(),
      new Conv2d({ inChannels: 4, outChannels: 2, kernelSize: 1, bias: false }),
      randomStats(new BatchNorm2d({ numFeatures: 2 }), 4),
    );
    const options = { inputShape: [1, 3, 6, 5], foldBatchNorm: true };
    const bytes = exportOnnx(model, options);
    expect(ops(bytes, 'BatchNormalization')).toBe(1);
    expect(ops(bytes, 'Conv')).toBe(2);
    for (const c of await verifyModel(model, options, ['node']))
      expect(c.diff).toBeLessThanOrEqual(1e-5 * c.scale);
  });

  it('leaves a BN whose conv output is used elsewhere', async () => {
    const model = new TwoUses();
    const options = { inputShape: [1, 3, 5, 5], foldBatchNorm: true };
    expect(ops(exportOnnx(model, options), 'BatchNormalization')).toBe(1);
    for (const c of await verifyModel(model, options, ['node']))
      expect(c.diff).toBeLessThanOrEqual(1e-5 * c.scale);
    expect(() => exportOnnx(model, { inputShape: [1, 3, 5, 5], foldBatchNorm: 'yes' as never })).toThrow(
      'exportOnnx: foldBatchNorm must be a boolean, got "yes"',
    );
  });

  it('refuses a BN without running statistics, naming it', () => {
    const model = new Sequential(new BatchNorm2d({ numFeatures: 3, trackRunningStats: false }));
    expect(() => exportOnnx(model, { inputShape: [2, 3, 4, 4] })).toThrow(
      "exportOnnx: module '0' (BatchNorm2d) has no running statistics (trackRunningStats: false)",
    );
  });
});
