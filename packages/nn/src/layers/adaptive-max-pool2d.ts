import { adaptiveMaxPool2d, type Tensor } from '@rectifier/tensor';
import { checkInputs, type LayerDefinition, need4d } from '../layer-definition';
import { Module } from '../module';
import { checkOptions, pair } from '../options';

/** Options of {@link AdaptiveMaxPool2d}. */
export interface AdaptiveMaxPool2dOptions {
  /** output height and width (a number for a square output) */
  outputSize: number | [number, number];
}

/** The spec of an {@link AdaptiveMaxPool2d}. */
export interface AdaptiveMaxPool2dSpec {
  type: 'adaptiveMaxPool2d';
  outputSize: [number, number];
}

/**
 * Adaptive max pooling to a fixed output size (PyTorch's rule): output bin i along an axis of
 * length a with n bins covers [floor(i·a/n), ceil((i+1)·a/n)). Works for any input size >= 1.
 *
 * @example
 * new AdaptiveMaxPool2d({ outputSize: 6 }).call(x); // [N, C, H, W] -> [N, C, 6, 6]
 */
export class AdaptiveMaxPool2d extends Module {
  readonly outputSize: [number, number];

  constructor(opts: AdaptiveMaxPool2dOptions) {
    super();
    checkOptions('AdaptiveMaxPool2d', opts, ['outputSize']);
    if (opts === undefined) throw new TypeError('AdaptiveMaxPool2d: options { outputSize } are required');
    this.outputSize = pair('AdaptiveMaxPool2d', 'outputSize', opts.outputSize, 1);
  }

  override get typeName(): string {
    return 'AdaptiveMaxPool2d';
  }

  get spec(): AdaptiveMaxPool2dSpec {
    return { type: 'adaptiveMaxPool2d', outputSize: [...this.outputSize] };
  }

  forward(x: Tensor): Tensor {
    checkInputs(adaptiveMaxPool2dLayer, this.spec, [x.shape], 'AdaptiveMaxPool2d');
    return adaptiveMaxPool2d(x, this.outputSize);
  }

  override extraRepr(): string {
    return `outputSize=[${this.outputSize.join(', ')}]`;
  }
}

/** AdaptiveMaxPool2d in the layer registry. */
export const adaptiveMaxPool2dLayer: LayerDefinition<AdaptiveMaxPool2dSpec, AdaptiveMaxPool2d> = {
  type: 'adaptiveMaxPool2d',
  className: 'AdaptiveMaxPool2d',
  fromSpec: (spec) => new AdaptiveMaxPool2d({ outputSize: spec.outputSize }),
  infer(spec, [s], fail) {
    need4d(s, fail);
    if (s[2] < 1 || s[3] < 1) fail('the map is empty');
    return { outputShape: [s[0], s[1], ...spec.outputSize] };
  },
  audit: () => ({ kind: 'pool' }),
};
