import { concat, type Tensor } from '@rectifier/tensor';
import { checkInputs, type LayerDefinition } from '../layer-definition';
import { Module } from '../module';
import { checkInt, checkOptions } from '../options';

/** Options of {@link Concat}. */
export interface ConcatOptions {
  /** the axis to join along, default 1 (channels of NCHW); negative counts from the end */
  dim?: number;
}

/** The spec of a {@link Concat}. */
export interface ConcatSpec {
  type: 'concat';
  dim: number;
}

/**
 * Concatenates its inputs along `dim` (`torch.cat`), by default the channel axis: the merge of
 * Inception/DenseNet-style branches, `cat.call(branch1, branch2)`. Every other dim must match.
 *
 * @example
 * new Concat().call(a, b); // [N, 16, H, W] and [N, 8, H, W] -> [N, 24, H, W]
 */
export class Concat extends Module<Tensor[], Tensor> {
  readonly dim: number;

  constructor(opts: ConcatOptions = {}) {
    super();
    checkOptions('Concat', opts, ['dim']);
    this.dim = checkInt('Concat', 'dim', opts.dim ?? 1, Number.MIN_SAFE_INTEGER);
  }

  override get typeName(): string {
    return 'Concat';
  }

  get spec(): ConcatSpec {
    return { type: 'concat', dim: this.dim };
  }

  forward(...inputs: Tensor[]): Tensor {
    checkInputs(
      concatLayer,
      this.spec,
      inputs.map((t) => t?.shape ?? []),
      'Concat',
    );
    return inputs.length === 1 ? inputs[0] : concat(inputs, this.dim);
  }

  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/** Concat in the layer registry: any number of inputs equal except along `dim`. */
export const concatLayer: LayerDefinition<ConcatSpec, Concat> = {
  type: 'concat',
  className: 'Concat',
  inputs: 'many',
  fromSpec: (spec) => new Concat({ dim: spec.dim }),
  infer(spec, inputs, fail) {
    if (inputs.length === 0) fail('needs at least one input');
    const rank = inputs[0].length;
    const d = spec.dim < 0 ? spec.dim + rank : spec.dim;
    if (d < 0 || d >= rank) fail(`dim ${spec.dim} is out of range for rank-${rank} inputs`);
    for (const s of inputs) {
      if (s.length !== rank || s.some((v, i) => i !== d && v !== inputs[0][i]))
        fail(`inputs must match in every dim but ${d}`);
    }
    const out = [...inputs[0]];
    out[d] = inputs.reduce((a, s) => a + s[d], 0);
    return { outputShape: out };
  },
};
