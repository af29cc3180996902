// Every supported layer and option, exported from real @rectifier/nn modules and compared with
// Rectifier's own eval-mode forward pass in onnxruntime-node and onnxruntime-web, at batch 1 and at
// batch 3 through a dynamic-batch export. Tolerance: max |diff| <= 1e-4 x max |output|.
import {
  AdaptiveAvgPool2d,
  AdaptiveMaxPool2d,
  AvgPool2d,
  Conv2d,
  Dropout,
  Flatten,
  LeakyReLU,
  Linear,
  MaxPool2d,
  type Module,
  PReLU,
  ReLU,
  Sequential,
  SpatialPyramidPooling,
} from '@rectifier/nn';
import { Generator, noGrad, rand } from '@rectifier/tensor';
import { describe, expect, it } from 'vitest';
import { exportOnnx } from './export';
import { attributes, decodeModel } from './test-support/decode';
import { runtimes } from './test-support/ort';
import { verifyModel } from './test-support/verify';

const gen = new Generator(2015);

/** Distinct per-channel slopes in [-0.5, 1.5): a slope broadcast on the wrong axis cannot hide. */
function randomizeSlopes(model: Module<any, any>): void {
  noGrad(() => {
    for (const [name, p] of model.namedParameters()) {
      if (!name.endsWith('weight') || p.ndim !== 1) continue;
      const r = rand(p.shape, { generator: gen });
      const v = r.mul(2).sub(0.5);
      p.assign(v);
      r.dispose();
      v.dispose();
    }
  });
}

async function expectMatches(
  model: Module<any, any>,
  inputShape: number[],
  extra: { softmax?: boolean; opset?: number } = {},
) {
  randomizeSlopes(model);
  const fixed = await verifyModel(model, { inputShape, ...extra }, runtimes);
  const dynamic = await verifyModel(model, { inputShape, dynamicBatch: true, ...extra }, runtimes, {
    batch: 3,
  });
  for (const c of [...fixed, ...dynamic]) {
    expect(c.scale, `${c.runtime} batch ${c.batch}: output is all zeros`).toBeGreaterThan(0);
    expect(c.diff, `${c.runtime} batch ${c.batch}: diff ${c.diff} vs scale ${c.scale}`).toBeLessThanOrEqual(
      1e-4 * c.scale,
    );
  }
  return [...fixed, ...dynamic];
}

describe('layer coverage against Rectifier forward (node + web, batch 1 and dynamic batch 3)', () => {
  it('Conv2d with bias, stride, asymmetric padding, dilation and groups; channel-wise PReLU [C,1,1]', async () => {
    const model = new Sequential(
      new Conv2d({
        inChannels: 4,
        outChannels: 6,
        kernelSize: [3, 2],
        stride: [2, 1],
        padding: [1, 2],
        dilation: [2, 1],
        groups: 2,
      }),
      new PReLU({ numParameters: 6 }),
      new Conv2d({ inChannels: 6, outChannels: 5, kernelSize: 1, bias: false }),
      new PReLU({ numParameters: 1, init: 0.1 }),
    );
    await expectMatches(model, [1, 4, 9, 7]);
  });

  it('MaxPool2d (padding, ceil mode) and LeakyReLU', async () => {
    const model = new Sequential(
      new Conv2d({ inChannels: 3, outChannels: 4, kernelSize: 3, padding: 1 }),
      new LeakyReLU({ negativeSlope: 0.2 }),
      new MaxPool2d({ kernelSize: 3, stride: 2, padding: 1, ceilMode: true }),
      new MaxPool2d({ kernelSize: 2, ceilMode: true }),
    );
    await expectMatches(model, [1, 3, 13, 10]);
  });

  it('AvgPool2d with ceil mode, countIncludePad true and false', async () => {
    const model = new Sequential(
      new Conv2d({ inChannels: 2, outChannels: 3, kernelSize: 3 }),
      new AvgPool2d({ kernelSize: 3, stride: 2, padding: 1, ceilMode: true, countIncludePad: true }),
      new ReLU(),
      new AvgPool2d({ kernelSize: 2, stride: 2, padding: 1, ceilMode: true, countIncludePad: false }),
    );
    await expectMatches(model, [1, 2, 12, 9]);
  });

  it('ceil mode whose last window would start in the right padding (dropped, as in PyTorch)', async () => {
    // 5x7 map, kernel 2, stride 2, padding 1: ceil((5 + 2 - 2) / 2) + 1 = 4 windows, but the 4th would
    // start at row 6 - 1 = 5 >= 5 (in the padding), so PyTorch gives 3x4; kernel 1 stride 3 on 5x7: 2x3
    const pools = [
      new MaxPool2d({ kernelSize: 2, stride: 2, padding: 1, ceilMode: true }),
      new AvgPool2d({ kernelSize: 2, stride: 2, padding: 1, ceilMode: true, countIncludePad: true }),
      new AvgPool2d({ kernelSize: 2, stride: 2, padding: 1, ceilMode: true, countIncludePad: false }),
      new MaxPool2d({ kernelSize: 1, stride: 3, ceilMode: true }),
    ];
    const dims = [
      [3, 4],
      [3, 4],
      [3, 4],
      [2, 3],
    ];
    for (const [i, pool] of pools.entries()) {
      const model = new Sequential(new Conv2d({ inChannels: 2, outChannels: 3, kernelSize: 1 }), pool);
      for (const c of await expectMatches(model, [1, 2, 5, 7])) expect(c.dims.slice(2)).toEqual(dims[i]);
      const nodes = decodeModel(exportOnnx(model, { inputShape: [1, 2, 5, 7] })).graph.node;
      const last = nodes[nodes.length - 1];
      // written without ceil_mode (explicit end padding), which every runtime sizes alike
      expect(attributes(last).ceil_mode, pool.toString()).toBe(0);
      expect(
        nodes.some((n) => n.op_type === 'Pad'),
        pool.toString(),
      ).toBe(i === 1);
    }
  });

  it('adaptive max and avg pooling with irregular bins (exact Slice/ReduceMax/ReduceMean)', async () => {
    const model = new Sequential(
      new Conv2d({ inChannels: 3, outChannels: 4, kernelSize: 1 }),
      new AdaptiveMaxPool2d({ outputSize: [4, 7] }),
      new AdaptiveAvgPool2d({ outputSize: [3, 4] }),
      new Flatten(),
    );
    await expectMatches(model, [1, 3, 6, 11]);
  });

  it('global average pooling head (AdaptiveAvgPool2d(1) -> Flatten -> Linear), as in the CLI quickstart net', async () => {
    const model = new Sequential(
      new Conv2d({ inChannels: 1, outChannels: 4, kernelSize: 3, padding: 1 }),
      new PReLU({ numParameters: 4 }),
      new MaxPool2d({ kernelSize: 2 }),
      new AdaptiveAvgPool2d({ outputSize: 1 }),
      new Flatten(),
      new Linear({ inFeatures: 4, outFeatures: 10 }),
    );
    await expectMatches(model, [1, 1, 28, 28]);
  });

  it('SPP max and avg on a non-square map, then Linear, PReLU [C], Dropout, Linear, Softmax head', async () => {
    for (const mode of ['max', 'avg'] as const) {
      const model = new Sequential({
        features: new Sequential(
          new Conv2d({ inChannels: 3, outChannels: 5, kernelSize: 3, padding: 1 }),
          new PReLU({ numParameters: 5 }),
        ),
        spp: new SpatialPyramidPooling({ levels: [4, 2, 1], mode }),
        classifier: new Sequential(
          new Linear({ inFeatures: 5 * 21, outFeatures: 12 }),
          new PReLU({ numParameters: 12 }),
          new Dropout({ p: 0.5 }),
          new Linear({ inFeatures: 12, outFeatures: 6, bias: false }),
        ),
      });
      await expectMatches(model, [1, 3, 9, 13]);
      await expectMatches(model, [1, 3, 9, 13], { softmax: true });
    }
  });

  it('Flatten of inner dims and Linear on a rank-3 input (MatMul + Add)', async () => {
    const model = new Sequential(
      new Conv2d({ inChannels: 2, outChannels: 3, kernelSize: 1 }),
      new Flatten({ startDim: 2 }),
      new Linear({ inFeatures: 20, outFeatures: 4 }),
      new PReLU({ numParameters: 3 }),
      new Flatten(),
    );
    await expectMatches(model, [1, 2, 4, 5]);
  });

  it.each([13, 18, 21])('opset %i (ReduceMax axes attribute vs input)', async (opset) => {
    const model = new Sequential(
      new AdaptiveMaxPool2d({ outputSize: 4 }),
      new Flatten(),
      new Linear({ inFeatures: 32, outFeatures: 3 }),
    );
    await expectMatches(model, [1, 2, 6, 10], { opset });
  });
});
