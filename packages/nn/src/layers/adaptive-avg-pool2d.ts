import { adaptiveAvgPool2d, type Tensor } from '@rectifier/tensor';
import { Module } from '../module';
import { checkOptions, pair } from '../options';
import { inferLayer, type LayerSpec } from '../spec';

/** Options of {@link AdaptiveAvgPool2d}. */
export interface AdaptiveAvgPool2dOptions {
  /** output height and width (a number for a square output) */
  outputSize: number | [number, number];
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

  get spec(): Extract<LayerSpec, { type: 'adaptiveAvgPool2d' }> {
    return { type: 'adaptiveAvgPool2d', outputSize: [...this.outputSize] };
  }

  forward(x: Tensor): Tensor {
    inferLayer(this.spec, x.shape, 'AdaptiveAvgPool2d');
    return adaptiveAvgPool2d(x, this.outputSize);
  }

  override extraRepr(): string {
    return `outputSize=[${this.outputSize.join(', ')}]`;
  }
}
