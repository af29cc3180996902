// The zoo's ResNets (torchvision's layout, BatchNorm, residual adds, a ReLU module called twice per
// block) exported through the forward trace and checked in onnxruntime-node and -web against
// Rectifier's eval-mode forward at batch 1 and a dynamic batch 3, to 1e-4 of the output scale. BN
// statistics and affine parameters are randomised first, so a BN lowered on the wrong axis or with
// the wrong epsilon cannot pass as the identity of a fresh model.
import { BatchNorm2d, type Module, type ResNet, resnet18, resnet34, resnet50 } from '@rectifier/nn';
import { Generator, noGrad, rand } from '@rectifier/tensor';
import { afterAll, describe, expect, it } from 'vitest';
import { exportOnnx } from './export';
import { decodeModel } from './test-support/decode';
import { runtimes } from './test-support/ort';
import { type Comparison, verifyModel } from './test-support/verify';

/** BN running mean in [-0.5, 0.5), variance in [0.5, 2.5), weight in [0.5, 1.5), bias in [-0.5, 0.5). */
function randomizeBatchNorm(model: Module<any, any>): void {
  const gen = new Generator(11);
  const set = (t: { shape: readonly number[]; assign(v: unknown): unknown }, lo: number, width: number) => {
    const r = rand([...t.shape], { generator: gen });
    const v = r.mul(width).add(lo);
    t.assign(v);
    r.dispose();
    v.dispose();
  };
  noGrad(() => {
    for (const m of model.modules()) {
      if (!(m instanceof BatchNorm2d)) continue;
      set(m.running_mean!, -0.5, 1);
      set(m.running_var!, 0.5, 2);
      set(m.weight!, 0.5, 1);
      set(m.bias!, -0.5, 1);
    }
  });
}

const table: string[] = [];
afterAll(() => {
  console.log(['model | runtime | batch | max abs diff | output scale | diff/scale', ...table].join('\n'));
});

const zoo: [string, () => ResNet, number[]][] = [
  ['resnet18 (relu)', () => resnet18({ numClasses: 10, seed: 1 }), [1, 3, 64, 48]],
  ['resnet18 (prelu)', () => resnet18({ numClasses: 10, activation: 'prelu', seed: 2 }), [1, 3, 48, 64]],
  ['resnet34 (relu)', () => resnet34({ numClasses: 10, seed: 4 }), [1, 3, 32, 32]],
  ['resnet50 (relu)', () => resnet50({ numClasses: 10, seed: 3 }), [1, 3, 32, 32]],
];

describe.each(zoo)('%s', (name, factory, inputShape) => {
  it('ORT node + web match Rectifier at batch 1 and dynamic batch 3', async () => {
    const model = factory();
    randomizeBatchNorm(model);
    const results: Comparison[] = [
      ...(await verifyModel(model, { inputShape }, runtimes)),
      ...(await verifyModel(model, { inputShape, dynamicBatch: true }, runtimes, { batch: 3 })),
    ];
    for (const c of results) {
      table.push(
        `${name} | ${c.runtime} | ${c.batch}${c.dynamic ? ' (dynamic)' : ''} | ${c.diff.toExponential(2)} | ${c.scale.toExponential(2)} | ${(c.diff / c.scale).toExponential(2)}`,
      );
      expect(c.dims).toEqual([c.batch, 10]);
      expect(c.scale).toBeGreaterThan(0);
      expect(c.diff, `${c.runtime} batch ${c.batch}`).toBeLessThanOrEqual(1e-4 * c.scale);
    }
    // structure: torchvision's names as initializers, one BatchNormalization per BN, one Add per block
    const m = decodeModel(exportOnnx(model, { inputShape }));
    const init = new Set(m.graph.initializer.map((t) => t.name));
    for (const key of [
      'conv1.weight',
      'bn1.running_mean',
      'bn1.running_var',
      'layer2.0.downsample.0.weight',
      'fc.bias',
    ])
      expect(init.has(key), key).toBe(true);
    const ops = (t: string) => m.graph.node.filter((n) => n.op_type === t).length;
    const bns = model.modules().filter((x) => x instanceof BatchNorm2d).length;
    expect(ops('BatchNormalization')).toBe(bns);
    // one Add per residual block: 2+2+2+2 (resnet18), 3+4+6+3 (resnet34 and resnet50)
    expect(ops('Add')).toBe(name.startsWith('resnet18') ? 8 : 16);

    // foldBatchNorm: every BN follows a conv, so none is left; the convs gain torchvision-style biases
    const foldedOptions = { inputShape, dynamicBatch: true, foldBatchNorm: true };
    const folded = await verifyModel(model, foldedOptions, ['node'], { batch: 2 });
    for (const c of folded) expect(c.diff, `folded, batch ${c.batch}`).toBeLessThanOrEqual(1e-4 * c.scale);
    const f = decodeModel(exportOnnx(model, foldedOptions));
    expect(f.graph.node.filter((n) => n.op_type === 'BatchNormalization')).toHaveLength(0);
    const fInit = new Set(f.graph.initializer.map((t) => t.name));
    expect(fInit.has('conv1.bias') && fInit.has('layer2.0.downsample.0.bias')).toBe(true);
    expect(fInit.has('bn1.running_mean')).toBe(false);
    table.push(
      `${name} | node, BN folded | ${folded.map((c) => (c.diff / c.scale).toExponential(2)).join(', ')}`,
    );
    model.dispose();
  });
});
