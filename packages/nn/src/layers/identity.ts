import type { Tensor } from '@rectifier/tensor';
import type { LayerDefinition } from '../layer-definition';
import { Module } from '../module';
import { checkOptions } from '../options';

/** The spec of an {@link Identity}. */
export interface IdentitySpec {
  type: 'identity';
}

/**
 * Returns its input unchanged (PyTorch's `nn.Identity`): a placeholder where a model has an optional
 * layer (a skip path without projection, a removed classifier head). Exported as nothing.
 *
 * @example
 * const shortcut = inChannels === outChannels ? new Identity() : new Conv2d({ inChannels, outChannels, kernelSize: 1 });
 */
export class Identity extends Module {
  constructor(opts: Record<string, never> = {}) {
    super();
    checkOptions('Identity', opts, []);
  }

  override get typeName(): string {
    return 'Identity';
  }

  get spec(): IdentitySpec {
    return { type: 'identity' };
  }

  forward(x: Tensor): Tensor {
    return x;
  }
}

/** Identity in the layer registry: passes shapes and the variance audit through. */
export const identityLayer: LayerDefinition<IdentitySpec, Identity> = {
  type: 'identity',
  className: 'Identity',
  fromSpec: () => new Identity(),
  infer: (_spec, [s]) => ({ outputShape: [...s] }),
};
