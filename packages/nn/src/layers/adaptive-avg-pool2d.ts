import { adaptiveAvgPool2d, type Tensor } from '@rectifier/tensor';
import { checkInputs, type LayerDefinition, need4d } from '../layer-definition';
import { Module } from '../module';
import { checkOptions, pair } from '../options';

/** Options of {@link AdaptiveAvgPool2d}. */
export interface AdaptiveAvgPool2dOptions {
  /** output height and width (a number for a square output) */
  outputSize: number | [number, number];
}

/** The spec of an {@link AdaptiveAvgPool2d}. */
export interface AdaptiveAvgPool2dSpec {
  type: 'adaptiveAvgPool2d';
  outputSize: [number, number];
}

/**
 * Adaptive average pooling to a fixed output size (PyTorch's rule): output bin i along an axis of
 * length a with n bins covers [floor(i·a/n), ceil((i+1)·a/n)). Works for any input size >= 1.
 *
 * @example
 * new AdaptiveAvgPool2d({ outputSize: 6 }).call(x); // [N, C, H, W] -> [N, C, 6, 6]
 */
export class AdaptiveAvgPool2d extends Module {
  readonly outputSize: [number, number];

  constructor(opts: AdaptiveAvgPool2dOptions) {
    super();
    checkOptions('AdaptiveAvgPool2d', opts, ['outputSize']);
    if (opts === undefined) throw new TypeError('AdaptiveAvgPool2d: options { outputSize } are required');
    this.outputSize = pair('AdaptiveAvgPool2d', 'outputSize', opts.outputSize, 1);
  }

  override get typeName(): string {
    return 'AdaptiveAvgPool2d';
  }

  get spec(): AdaptiveAvgPool2dSpec {
    return { type: 'adaptiveAvgPool2d', outputSize: [...this.outputSize] };
  }

  forward(x: Tensor): Tensor {
    checkInputs(adaptiveAvgPool2dLayer, this.spec, [x.shape], 'AdaptiveAvgPool2d');
    return adaptiveAvgPool2d(x, this.outputSize);
  }

  override extraRepr(): string {
    return `outputSize=[${this.outputSize.join(', ')}]`;
  }
}

/** AdaptiveAvgPool2d in the layer registry. */
export const adaptiveAvgPool2dLayer: LayerDefinition<AdaptiveAvgPool2dSpec, AdaptiveAvgPool2d> = {
  type: 'adaptiveAvgPool2d',
  className: 'AdaptiveAvgPool2d',
  fromSpec: (spec) => new AdaptiveAvgPool2d({ outputSize: spec.outputSize }),
  infer(spec, [s], fail) {
    need4d(s, fail);
    if (s[2] < 1 || s[3] < 1) fail('the map is empty');
    return { outputShape: [s[0], s[1], ...spec.outputSize] };
  },
  audit: () => ({ kind: 'pool' }),
};
