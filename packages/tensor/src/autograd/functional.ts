import type { Tensor } from '../tensor.js';
import { backward } from './backward.js';

/**
 * Gradients of `outputs` with respect to `inputs` without touching any `.grad` (like
 * `torch.autograd.grad`). Scalar outputs need no `gradOutputs`. Inputs the outputs do not depend on
 * get zeros. The tape is freed unless `retainGraph` is true.
 *
 * @example
 * const [dx] = grad(x.square().sum(), [x]); // 2x
 */
export function grad(
  outputs: Tensor | readonly Tensor[],
  inputs: readonly Tensor[],
  gradOutputs?: Tensor | readonly Tensor[],
  opts: { retainGraph?: boolean } = {},
): Tensor[] {
  const outs = Array.isArray(outputs) ? outputs : [outputs as Tensor];
  const seeds =
    gradOutputs === undefined
      ? undefined
      : Array.isArray(gradOutputs)
        ? gradOutputs
        : [gradOutputs as Tensor];
  for (const t of inputs) {
    if (!t.requiresGrad) throw new Error(`grad: input tensor ${t.id} does not require grad`);
  }
  return backward(outs, seeds, { retainGraph: opts.retainGraph ?? false, inputs });
}
