import { relu, type Tensor } from '@rectifier/tensor';
import type { LayerDefinition } from '../layer-definition';
import { Module } from '../module';
import { checkOptions } from '../options';

/** The spec of a {@link ReLU}. */
export interface ReLUSpec {
  type: 'relu';
}

/**
 * Rectified linear unit max(0, x) (the paper's ReLU baseline; PReLU with a = 0). The gradient at
 * exactly 0 is 0, as in PyTorch.
 *
 * @example
 * new ReLU().call(x);
 */
export class ReLU extends Module {
  constructor(opts: Record<string, never> = {}) {
    super();
    checkOptions('ReLU', opts, []);
  }

  override get typeName(): string {
    return 'ReLU';
  }

  get spec(): ReLUSpec {
    return { type: 'relu' };
  }

  forward(x: Tensor): Tensor {
    return relu(x);
  }
}

/** ReLU in the layer registry: a rectifier with negative slope 0 in the variance audit. */
export const reluLayer: LayerDefinition<ReLUSpec, ReLU> = {
  type: 'relu',
  className: 'ReLU',
  fromSpec: () => new ReLU(),
  infer: (_spec, [s]) => ({ outputShape: [...s] }),
  audit: () => ({ kind: 'activation', negativeSlope: 0 }),
};
