import { dropout, type Generator, type Tensor } from '@rectifier/tensor';
import type { LayerDefinition } from '../layer-definition';
import { Module } from '../module';
import { checkNumber, checkOptions } from '../options';

/** Options of {@link Dropout}. */
export interface DropoutOptions {
  /** probability of zeroing an element, default 0.5 (the paper's rate on fc1 and fc2) */
  p?: number;
  /** RNG for the masks (default: the tensor package's default generator) */
  generator?: Generator;
}

/** The spec of a {@link Dropout}. */
export interface DropoutSpec {
  type: 'dropout';
  p: number;
}

/**
 * Inverted dropout: in training mode each element is zeroed with probability p and the rest scaled by
 * 1/(1−p); in eval mode (`module.eval()`) it is the identity.
 *
 * @example
 * const drop = new Dropout({ p: 0.5 });
 * drop.eval().call(x); // x unchanged
 */
export class Dropout extends Module {
  readonly p: number;
  readonly generator: Generator | undefined;

  constructor(opts: DropoutOptions = {}) {
    super();
    checkOptions('Dropout', opts, ['p', 'generator']);
    this.p = checkNumber('Dropout', 'p', opts.p ?? 0.5);
    if (this.p < 0 || this.p > 1) throw new RangeError(`Dropout: p must be in [0, 1], got ${this.p}`);
    this.generator = opts.generator;
  }

  override get typeName(): string {
    return 'Dropout';
  }

  get spec(): DropoutSpec {
    return { type: 'dropout', p: this.p };
  }

  forward(x: Tensor): Tensor {
    if (!this.training || this.p === 0) return x;
    return dropout(x, this.p, true, this.generator);
  }

  override extraRepr(): string {
    return `p=${this.p}`;
  }
}

/** Dropout in the layer registry (the identity in eval mode, so it passes through the audit). */
export const dropoutLayer: LayerDefinition<DropoutSpec, Dropout> = {
  type: 'dropout',
  className: 'Dropout',
  fromSpec: (spec, { generator }) => new Dropout({ p: spec.p, generator }),
  infer: (_spec, [s]) => ({ outputShape: [...s] }),
};
