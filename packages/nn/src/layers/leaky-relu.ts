import { leakyRelu, type Tensor } from '@rectifier/tensor';
import type { LayerDefinition } from '../layer-definition';
import { Module } from '../module';
import { checkNumber, checkOptions } from '../options';

/** Options of {@link LeakyReLU}. */
export interface LeakyReLUOptions {
  /** fixed slope for x <= 0, default 0.01 (Maas et al., the paper's ref. [20]) */
  negativeSlope?: number;
}

/** The spec of a {@link LeakyReLU}. */
export interface LeakyReLUSpec {
  type: 'leakyRelu';
  negativeSlope: number;
}

/**
 * Leaky ReLU: x for x > 0, negativeSlope·x otherwise: PReLU with a fixed, non-learnable a.
 *
 * @example
 * new LeakyReLU({ negativeSlope: 0.2 }).call(x);
 */
export class LeakyReLU extends Module {
  readonly negativeSlope: number;

  constructor(opts: LeakyReLUOptions = {}) {
    super();
    checkOptions('LeakyReLU', opts, ['negativeSlope']);
    this.negativeSlope = checkNumber('LeakyReLU', 'negativeSlope', opts.negativeSlope ?? 0.01);
  }

  override get typeName(): string {
    return 'LeakyReLU';
  }

  get spec(): LeakyReLUSpec {
    return { type: 'leakyRelu', negativeSlope: this.negativeSlope };
  }

  forward(x: Tensor): Tensor {
    return leakyRelu(x, this.negativeSlope);
  }

  override extraRepr(): string {
    return `negativeSlope=${this.negativeSlope}`;
  }
}

/** LeakyReLU in the layer registry: a rectifier with its fixed slope in the variance audit. */
export const leakyReluLayer: LayerDefinition<LeakyReLUSpec, LeakyReLU> = {
  type: 'leakyRelu',
  className: 'LeakyReLU',
  fromSpec: (spec) => new LeakyReLU({ negativeSlope: spec.negativeSlope }),
  infer: (_spec, [s]) => ({ outputShape: [...s] }),
  audit: (m) => ({ kind: 'activation', negativeSlope: m.negativeSlope }),
};
