import { uniform } from '@rectifier/init';
import { type DType, type Generator, linear, type Parameter, type Tensor } from '@rectifier/tensor';
import { checkInputs, type LayerDefinition } from '../layer-definition';
import { Module } from '../module';
import { checkBool, checkInt, checkOptions } from '../options';
import { toParameter } from '../param';

/** Options of {@link Linear}. */
export interface LinearOptions {
  inFeatures: number;
  outFeatures: number;
  /** default true */
  bias?: boolean;
  /** default 'float32' */
  dtype?: DType;
  /** RNG for the default initialization */
  generator?: Generator;
}

/** The spec of a {@link Linear}. */
export interface LinearSpec {
  type: 'linear';
  inFeatures: number;
  outFeatures: number;
  bias: boolean;
}

/**
 * Fully connected layer y = x Wᵀ + b, `weight` [outFeatures, inFeatures] (PyTorch/ONNX Gemm layout,
 * transB = 1), `bias` [outFeatures] or null. Input [..., inFeatures].
 *
 * Default initialization (PyTorch's): U(−1/sqrt(inFeatures), 1/sqrt(inFeatures)) for weight and bias.
 * The paper's fc layers use N(0, 0.01²) (fc1, fc2) and N(0, 0.001²) (fc3); the model factories apply that.
 *
 * @example
 * const fc = new Linear({ inFeatures: 4096, outFeatures: 1000 });
 */
export class Linear extends Module {
  weight: Parameter;
  bias: Parameter | null;
  readonly inFeatures: number;
  readonly outFeatures: number;

  constructor(opts: LinearOptions) {
    super();
    checkOptions('Linear', opts, ['inFeatures', 'outFeatures', 'bias', 'dtype', 'generator']);
    if (opts === undefined) throw new TypeError('Linear: options { inFeatures, outFeatures } are required');
    this.inFeatures = checkInt('Linear', 'inFeatures', opts.inFeatures);
    this.outFeatures = checkInt('Linear', 'outFeatures', opts.outFeatures);
    const hasBias = checkBool('Linear', 'bias', opts.bias ?? true);
    const bound = 1 / Math.sqrt(this.inFeatures);
    const init = { a: -bound, b: bound, generator: opts.generator, dtype: opts.dtype };
    this.weight = toParameter(uniform([this.outFeatures, this.inFeatures], init));
    this.bias = hasBias ? toParameter(uniform([this.outFeatures], init)) : null;
  }

  override get typeName(): string {
    return 'Linear';
  }

  get spec(): LinearSpec {
    return {
      type: 'linear',
      inFeatures: this.inFeatures,
      outFeatures: this.outFeatures,
      bias: this.bias !== null,
    };
  }

  forward(x: Tensor): Tensor {
    checkInputs(linearLayer, this.spec, [x.shape], 'Linear');
    return linear(x, this.weight, this.bias ?? undefined);
  }

  override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}${this.bias === null ? ', bias=false' : ''}`;
  }
}

/** Linear in the layer registry: out·in (+ out) weights, multiply-adds rows·in·out over all leading dims. */
export const linearLayer: LayerDefinition<LinearSpec, Linear> = {
  type: 'linear',
  className: 'Linear',
  fromSpec: ({ type: _t, ...o }, { dtype, generator }) => new Linear({ ...o, dtype, generator }),
  parameters: (spec) => spec.outFeatures * spec.inFeatures + (spec.bias ? spec.outFeatures : 0),
  infer(spec, [s], fail) {
    if (s.length < 1 || s[s.length - 1] !== spec.inFeatures)
      fail(`expects ${spec.inFeatures} input features in the last dimension`);
    const rows = s.slice(0, -1).reduce((a, b) => a * b, 1);
    return {
      outputShape: [...s.slice(0, -1), spec.outFeatures],
      multiplyAdds: rows * spec.inFeatures * spec.outFeatures,
    };
  },
  audit: (m) => ({ kind: 'linear', weight: m.weight }),
};
