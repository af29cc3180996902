import type { DType, Generator } from '@rectifier/tensor';
import { AdaptiveAvgPool2d } from './layers/adaptive-avg-pool2d';
import { AdaptiveMaxPool2d } from './layers/adaptive-max-pool2d';
import { AvgPool2d } from './layers/avg-pool2d';
import { Conv2d } from './layers/conv2d';
import { Dropout } from './layers/dropout';
import { Flatten } from './layers/flatten';
import { LeakyReLU } from './layers/leaky-relu';
import { Linear } from './layers/linear';
import { MaxPool2d } from './layers/max-pool2d';
import { PReLU } from './layers/prelu';
import { ReLU } from './layers/relu';
import { SpatialPyramidPooling } from './layers/spp';
import { describe } from './options';
import type { LayerSpec } from './spec';

/** Every built-in layer class (each has a `spec` getter). */
export type BuiltinLayer =
  | Conv2d
  | Linear
  | PReLU
  | ReLU
  | LeakyReLU
  | MaxPool2d
  | AvgPool2d
  | AdaptiveMaxPool2d
  | AdaptiveAvgPool2d
  | SpatialPyramidPooling
  | Dropout
  | Flatten;

/** Options for {@link buildLayer}: the dtype of new parameters and the RNG of default inits and dropout masks. */
export interface BuildOptions {
  dtype?: DType;
  generator?: Generator;
}

/**
 * Makes the layer a {@link LayerSpec} describes (the inverse of `layer.spec`), with the layer's default
 * initialization. `buildLayer(layer.spec)` has the same structure as `layer`, not the same weights.
 *
 * @example
 * const conv = buildLayer({ type: 'conv2d', inChannels: 3, outChannels: 8, kernelSize: [3, 3], stride: [1, 1],
 *   padding: [1, 1], dilation: [1, 1], groups: 1, bias: true });
 */
export function buildLayer(spec: LayerSpec, opts: BuildOptions = {}): BuiltinLayer {
  const { dtype, generator } = opts;
  switch (spec?.type) {
    case 'conv2d': {
      const { type: _t, ...o } = spec;
      return new Conv2d({ ...o, dtype, generator });
    }
    case 'linear': {
      const { type: _t, ...o } = spec;
      return new Linear({ ...o, dtype, generator });
    }
    case 'prelu':
      return new PReLU({ numParameters: spec.numParameters, init: spec.init, dtype });
    case 'relu':
      return new ReLU();
    case 'leakyRelu':
      return new LeakyReLU({ negativeSlope: spec.negativeSlope });
    case 'maxPool2d': {
      const { type: _t, ...o } = spec;
      return new MaxPool2d(o);
    }
    case 'avgPool2d': {
      const { type: _t, ...o } = spec;
      return new AvgPool2d(o);
    }
    case 'adaptiveMaxPool2d':
      return new AdaptiveMaxPool2d({ outputSize: spec.outputSize });
    case 'adaptiveAvgPool2d':
      return new AdaptiveAvgPool2d({ outputSize: spec.outputSize });
    case 'spp':
      return new SpatialPyramidPooling({ levels: spec.levels, mode: spec.mode });
    case 'dropout':
      return new Dropout({ p: spec.p, generator });
    case 'flatten':
      return new Flatten({ startDim: spec.startDim, endDim: spec.endDim });
    default:
      throw new TypeError(
        `buildLayer: unknown layer spec ${describe((spec as { type?: unknown } | undefined)?.type)}`,
      );
  }
}
