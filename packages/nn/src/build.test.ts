import { describe, expect, it } from 'vitest';
import { buildLayer } from './build';
import { AdaptiveAvgPool2d } from './layers/adaptive-avg-pool2d';
import { AdaptiveMaxPool2d } from './layers/adaptive-max-pool2d';
import { Add } from './layers/add';
import { AvgPool2d } from './layers/avg-pool2d';
import { Concat } from './layers/concat';
import { Conv2d } from './layers/conv2d';
import { Dropout } from './layers/dropout';
import { Flatten } from './layers/flatten';
import { Identity } from './layers/identity';
import { LeakyReLU } from './layers/leaky-relu';
import { Linear } from './layers/linear';
import { MaxPool2d } from './layers/max-pool2d';
import { PReLU } from './layers/prelu';
import { ReLU } from './layers/relu';
import { SpatialPyramidPooling } from './layers/spp';

describe('buildLayer', () => {
  it('is the inverse of layer.spec for every built-in layer (specs are JSON-serialisable)', () => {
    const layers = [
      new Conv2d({
        inChannels: 4,
        outChannels: 8,
        kernelSize: [3, 1],
        stride: 2,
        padding: [1, 0],
        dilation: 1,
        groups: 2,
        bias: false,
      }),
      new Linear({ inFeatures: 3, outFeatures: 5 }),
      new PReLU({ numParameters: 7, init: 0.1 }),
      new ReLU(),
      new LeakyReLU({ negativeSlope: 0.3 }),
      new MaxPool2d({ kernelSize: 3, stride: 2, padding: 1, ceilMode: true }),
      new AvgPool2d({ kernelSize: 2, countIncludePad: false }),
      new AdaptiveMaxPool2d({ outputSize: [2, 3] }),
      new AdaptiveAvgPool2d({ outputSize: 1 }),
      new SpatialPyramidPooling({ levels: [4, 2, 1], mode: 'avg' }),
      new Dropout({ p: 0.3 }),
      new Flatten({ startDim: 2 }),
      new Identity(),
      new Add(),
      new Concat({ dim: -1 }),
    ];
    for (const l of layers) {
      const spec = JSON.parse(JSON.stringify(l.spec));
      const rebuilt = buildLayer(spec);
      expect(rebuilt.constructor).toBe(l.constructor);
      expect(rebuilt.spec).toEqual(l.spec);
      expect(rebuilt.toString()).toBe(l.toString());
    }
  });

  it('dtype reaches the parameters; unknown specs throw', () => {
    const conv = buildLayer(
      { type: 'linear', inFeatures: 2, outFeatures: 2, bias: true },
      { dtype: 'float64' },
    ) as Linear;
    expect(conv.weight.dtype).toBe('float64');
    expect(() => buildLayer({ type: 'groupNorm' } as never)).toThrow(/unknown layer spec 'groupNorm'/);
  });
});
