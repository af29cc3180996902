import { type DType, full, type Parameter, prelu, type Tensor } from '@rectifier/tensor';
import { Module } from '../module';
import { checkInt, checkNumber, checkOptions } from '../options';
import { toParameter } from '../param';
import { inferLayer, type LayerSpec } from '../spec';

/** Options of {@link PReLU}. */
export interface PReLUOptions {
  /**
   * 1 (default, channel-shared: one a per layer, as PyTorch's default) or C, the number of channels
   * (channel-wise, the paper's choice for its large models).
   */
  numParameters?: number;
  /** initial slope, default 0.25 ("We use a_i = 0.25 as the initialization throughout this paper") */
  init?: number;
  /** default 'float32' */
  dtype?: DType;
}

/**
 * Parametric ReLU (He et al. 2015, Eq. 1): f(y_i) = y_i if y_i > 0, a_i·y_i if y_i <= 0, with one
 * learnable a_i per channel (channel dim 1; dim 0 for a 1-D input) or one a shared by all channels.
 *
 * `weight` has shape [numParameters] ([1] when shared; PyTorch's layout), initialised to `init`. It is a
 * `Parameter` with `weightDecay = false`: optimizers skip weight decay on it by default, because "a
 * weight decay tends to push a_i to zero, and thus biases PReLU toward ReLU" (§2.1). The slopes are
 * never clamped (they may become negative or exceed 1). Gradients: ∂f/∂y = a at y <= 0 (so at 0 too),
 * ∂f/∂a = y for y <= 0 (Eqs. 2-3).
 *
 * @example
 * const act = new PReLU({ numParameters: 64 }); // channel-wise, after a 64-filter conv
 * act.toString(); // 'PReLU(numParameters=64)'
 */
export class PReLU extends Module {
  weight: Parameter;
  readonly numParameters: number;
  readonly init: number;

  constructor(opts: PReLUOptions = {}) {
    super();
    checkOptions('PReLU', opts, ['numParameters', 'init', 'dtype']);
    this.numParameters = checkInt('PReLU', 'numParameters', opts.numParameters ?? 1);
    this.init = checkNumber('PReLU', 'init', opts.init ?? 0.25);
    this.weight = toParameter(full([this.numParameters], this.init, { dtype: opts.dtype ?? 'float32' }), {
      weightDecay: false,
    });
  }

  override get typeName(): string {
    return 'PReLU';
  }

  get spec(): Extract<LayerSpec, { type: 'prelu' }> {
    return { type: 'prelu', numParameters: this.numParameters, init: this.init };
  }

  forward(x: Tensor): Tensor {
    inferLayer(this.spec, x.shape, 'PReLU');
    return prelu(x, this.weight);
  }

  override extraRepr(): string {
    return `numParameters=${this.numParameters}`;
  }
}
