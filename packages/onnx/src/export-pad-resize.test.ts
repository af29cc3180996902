// Padding layers (Pad: constant with cropping, reflect, edge) and Upsample (Resize: nearest and
// bilinear, align corners or half-pixel, by scale factor or fixed size) checked in onnxruntime-node
// and -web against Rectifier's forward at batch 1 and a dynamic batch 3, to 1e-4 of the output scale.
import {
  ConstantPad2d,
  Conv2d,
  ReflectionPad2d,
  ReplicationPad2d,
  Sequential,
  Upsample,
  ZeroPad2d,
} from '@rectifier/nn';
import { describe, expect, it } from 'vitest';
import { exportOnnx } from './export';
import { decodeModel } from './test-support/decode';
import { runtimes } from './test-support/ort';
import { verifyModel } from './test-support/verify';

const cases: [string, () => Sequential, number[]][] = [
  [
    'pads',
    () =>
      new Sequential(
        new ReflectionPad2d({ padding: [2, 1, 1, 2] }),
        new Conv2d({ inChannels: 3, outChannels: 4, kernelSize: 3 }),
        new ReplicationPad2d({ padding: [1, 0, 2, 1] }),
        new ConstantPad2d({ padding: [1, -1, 0, 1], value: 0.5 }),
        new ZeroPad2d({ padding: 1 }),
      ),
    [1, 3, 9, 11],
  ],
  [
    'upsamples',
    () =>
      new Sequential(
        new Upsample({ scaleFactor: 2 }),
        new Upsample({ size: [23, 17], mode: 'bilinear' }),
        new Upsample({ scaleFactor: [1.5, 0.75], mode: 'bilinear', alignCorners: true }),
        new Upsample({ size: [10, 12] }),
        new Upsample({ scaleFactor: [0.5, 1.25], mode: 'bilinear' }),
        new Upsample({ size: [7, 13], mode: 'bilinear', alignCorners: true }),
      ),
    [1, 2, 9, 11],
  ],
];

describe.each(cases)('%s', (name, factory, inputShape) => {
  it('ORT node + web match Rectifier at batch 1 and dynamic batch 3', async () => {
    const model = factory();
    const results = [
      ...(await verifyModel(model, { inputShape }, runtimes)),
      ...(await verifyModel(model, { inputShape, dynamicBatch: true }, runtimes, { batch: 3 })),
    ];
    for (const c of results) {
      expect(c.scale).toBeGreaterThan(0);
      expect(c.diff, `${c.runtime} batch ${c.batch}`).toBeLessThanOrEqual(1e-4 * c.scale);
    }
    const ops = decodeModel(exportOnnx(model, { inputShape })).graph.node.map((n) => n.op_type);
    expect(ops.filter((o) => o === (name === 'pads' ? 'Pad' : 'Resize'))).toHaveLength(
      name === 'pads' ? 4 : 6,
    );
  });
});
