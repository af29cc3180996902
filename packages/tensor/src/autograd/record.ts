import { currentScopeId } from '../memory.js';
import type { Tensor } from '../tensor.js';
import { isGradEnabled } from './grad-mode.js';
import { watchGraph } from './graph-finalizer.js';
import type { GradNode, GradRule } from './node.js';

/** True when an op on these inputs must record the tape. */
export function needsGrad(...inputs: readonly (Tensor | null | undefined)[]): boolean {
  if (!isGradEnabled()) return false;
  for (const t of inputs) if (t?.requiresGrad) return true;
  return false;
}

/**
 * Records `out = op(inputs)` on the tape when grad mode is on and an input requires grad. `save` lists
 * tensors the rule will read (inputs or `out`); detached references to them are kept, so the caller
 * may dispose the originals. Returns `out`.
 */
export function record(
  op: string,
  out: Tensor,
  inputs: readonly Tensor[],
  save: readonly Tensor[],
  rule: GradRule,
  attrs?: Readonly<Record<string, unknown>>,
): Tensor {
  if (!needsGrad(...inputs)) return out;
  const saved = save.map((t) => t._savedRef());
  const node: GradNode = { op, inputs: inputs.slice(), saved, rule, scope: currentScopeId(), attrs };
  out._attachNode(node);
  // a graph never backpropagated nor tidied still frees its saved tensors once `out` is collected
  if (saved.length > 0) watchGraph(out, saved);
  return out;
}
