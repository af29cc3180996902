import { relu, type Tensor } from '@rectifier/tensor';
import { Module } from '../module';
import { checkOptions } from '../options';
import type { LayerSpec } from '../spec';

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

  get spec(): Extract<LayerSpec, { type: 'relu' }> {
    return { type: 'relu' };
  }

  forward(x: Tensor): Tensor {
    return relu(x);
  }
}
