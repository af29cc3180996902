import { Parameter, type Tensor } from '@rectifier/tensor';

/**
 * Wraps a freshly created tensor as a Parameter and drops the temporary handle (a Parameter shares the
 * tensor's storage and holds its own reference), so disposing the module frees the memory.
 */
export function toParameter(t: Tensor, opts: { weightDecay?: boolean } = {}): Parameter {
  const p = new Parameter(t, opts);
  t.dispose();
  return p;
}
