import { type DType, full, type Parameter, prelu, type Tensor } from '@rectifier/tensor';
import { checkInputs, type LayerDefinition } from '../layer-definition';
import { Module } from '../module';
import { checkInt, checkNumber, checkOptions } from '../options';
import { toParameter } from '../param';

/** The paper's initial slope: "We use a_i = 0.25 as the initialization throughout this paper" (§2.1). */
export const DEFAULT_PRELU_INIT = 0.25;

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

/** The spec of a {@link PReLU}: its slope count and initial slope. */
export interface PReLUSpec {
  type: 'prelu';
  numParameters: number;
  init: number;
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
    this.init = checkNumber('PReLU', 'init', opts.init ?? DEFAULT_PRELU_INIT);
    this.weight = toParameter(full([this.numParameters], this.init, { dtype: opts.dtype ?? 'float32' }), {
      weightDecay: false,
    });
  }

  override get typeName(): string {
    return 'PReLU';
  }

  get spec(): PReLUSpec {
    return { type: 'prelu', numParameters: this.numParameters, init: this.init };
  }

  forward(x: Tensor): Tensor {
    checkInputs(preluLayer, this.spec, [x.shape], 'PReLU');
    return prelu(x, this.weight);
  }

  override extraRepr(): string {
    return `numParameters=${this.numParameters}`;
  }
}

/** PReLU in the layer registry; in the variance audit it is a rectifier with its mean current slope. */
export const preluLayer: LayerDefinition<PReLUSpec, PReLU> = {
  type: 'prelu',
  className: 'PReLU',
  fromSpec: (spec, { dtype }) => new PReLU({ numParameters: spec.numParameters, init: spec.init, dtype }),
  parameters: (spec) => spec.numParameters,
  infer(spec, [s], fail) {
    const c = s.length >= 2 ? s[1] : s[0];
    if (spec.numParameters !== 1 && spec.numParameters !== c) {
      fail(`has ${spec.numParameters} slopes but the input has ${c} channels (dim ${s.length >= 2 ? 1 : 0})`);
    }
    return { outputShape: [...s] };
  },
  async audit(m) {
    const a = Array.from(await m.weight.data());
    return { kind: 'activation', negativeSlope: a.reduce((s, v) => s + v, 0) / a.length };
  },
};
