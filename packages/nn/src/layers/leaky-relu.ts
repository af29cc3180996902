import { leakyRelu, type Tensor } from '@rectifier/tensor';
import { Module } from '../module';
import { checkNumber, checkOptions } from '../options';
import type { LayerSpec } from '../spec';

/** Options of {@link LeakyReLU}. */
export interface LeakyReLUOptions {
  /** fixed slope for x <= 0, default 0.01 (Maas et al., the paper's ref. [20]) */
  negativeSlope?: number;
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

  get spec(): Extract<LayerSpec, { type: 'leakyRelu' }> {
    return { type: 'leakyRelu', negativeSlope: this.negativeSlope };
  }

  forward(x: Tensor): Tensor {
    return leakyRelu(x, this.negativeSlope);
  }

  override extraRepr(): string {
    return `negativeSlope=${this.negativeSlope}`;
  }
}
