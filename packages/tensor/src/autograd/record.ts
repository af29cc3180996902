import { currentScopeId } from '../memory.js';
import type { Tensor } from '../tensor.js';
import { isGradEnabled } from './grad-mode.js';
import type { GradNode, GradRule } from './node.js';

/**
 * Safety net for graphs that are never backpropagated (a forward pass with grad enabled and no
 * backward): once an op's output tensor is garbage-collected, nothing can reach its node any more,
 * so its saved tensors are disposed. backward() and tidy() release deterministically; this only
 * catches what they cannot see. Created on first use (nothing happens at import time).
 */
let finalizer: FinalizationRegistry<readonly Tensor[]> | null | undefined;

// The held value is the saved array alone: the node itself must not be held, since its rule's
// closure may reference the output tensor (which would then never be collected).
function releaseUnreachable(saved: readonly Tensor[]): void {
  for (const s of saved) s.dispose();
}

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
  if (saved.length > 0) {
    if (finalizer === undefined) {
      finalizer =
        typeof FinalizationRegistry === 'function' ? new FinalizationRegistry(releaseUnreachable) : null;
    }
    finalizer?.register(out, saved);
  }
  return out;
}
