/**
 * Safety net for graphs that are never backpropagated (a forward pass with grad enabled and no
 * backward, outside tidy): once an op's output tensor is garbage-collected, nothing can reach its
 * node any more, so its saved tensors are disposed. backward() and tidy() dispose saved tensors
 * deterministically, and disposing the last one drops the registration, so correct code leaves
 * nothing here: FinalizationRegistry cells are
 * only dropped when their cleanup callback runs, which needs the event loop, so a synchronous loop
 * that registered every op without unregistering grew the heap by ~6.7 MB per 1,000 steps until it
 * yielded. Created on first use (nothing happens at import time).
 */
import type { Tensor } from '../tensor.js';

/**
 * The unregister token of one recorded op: how many of its saved tensors are still alive. Saved
 * tensors point to it (it holds nothing, so it cannot keep the op's output reachable); when the
 * last one is disposed, by backward, tidy or by hand, the registration is dropped at once.
 */
export interface GraphWatch {
  live: number;
}

let finalizer: FinalizationRegistry<readonly Tensor[]> | null | undefined;
/** Registrations neither dropped nor finalized yet. */
let pending = 0;
/** Registrations whose saved tensors the finalizer has released. */
let finalized = 0;

// The held value is the saved array alone: the node itself must not be held, since its rule's
// closure may reference the output tensor (which would then never be collected).
function releaseUnreachable(saved: readonly Tensor[]): void {
  pending--;
  finalized++;
  for (const s of saved) s.dispose();
}

/** Watches `out`: when it is collected while some of `saved` are alive, they are disposed. */
export function watchGraph(out: Tensor, saved: readonly Tensor[]): void {
  if (finalizer === undefined) {
    finalizer =
      typeof FinalizationRegistry === 'function' ? new FinalizationRegistry(releaseUnreachable) : null;
  }
  if (!finalizer) return;
  const token: GraphWatch = { live: saved.length };
  for (const s of saved) s._watch = token;
  finalizer.register(out, saved, token);
  pending++;
}

/** Called when a saved tensor is disposed: the last one drops the registration. */
export function savedTensorDisposed(token: GraphWatch): void {
  if (--token.live === 0 && finalizer?.unregister(token)) pending--;
}

/**
 * @internal Counts for tests: registrations still held (some saved tensor alive and the output not
 * yet finalized) and registrations the finalizer has released so far.
 */
export function graphFinalizerStats(): { pending: number; finalized: number } {
  return { pending, finalized };
}
