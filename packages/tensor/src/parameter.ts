import { DTypeError, fmt } from './errors.js';
import { Tensor } from './tensor.js';

/**
 * A trainable leaf tensor (requiresGrad = true) that shares storage with `data`. Like TF.js
 * variables, parameters are never disposed by `tidy`; dispose them explicitly.
 * `weightDecay` tells optimizers whether to decay it (false for PReLU slopes, following He et al. 2015).
 *
 * @example
 * const w = new Parameter(randn([16, 3, 3, 3]));
 * const a = new Parameter(full([16], 0.25), { weightDecay: false });
 */
export class Parameter extends Tensor {
  weightDecay: boolean;

  constructor(data: Tensor, opts: { weightDecay?: boolean } = {}) {
    if (!(data instanceof Tensor)) throw new TypeError('Parameter: data must be a Tensor');
    data.assertAlive('Parameter');
    if (data.dtype === 'int32') throw new DTypeError('Parameter: data must be a float tensor, got int32');
    super({
      ref: data._ref,
      shape: data.shape,
      strides: data.strides,
      offset: data.offset,
      dtype: data.dtype,
      scoped: false,
    });
    this.weightDecay = opts.weightDecay ?? true;
    this.requiresGrad = true;
  }

  override toString(): string {
    return `Parameter(shape=${fmt(this.shape)}, dtype=${this.dtype})`;
  }
}
