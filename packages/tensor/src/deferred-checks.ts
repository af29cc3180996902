/**
 * Argument checks that only the device can do. On backends that cannot read synchronously (WebGPU),
 * an op such as `crossEntropy` cannot look at its int32 targets before returning; instead it computes
 * a small int32 "verdict" tensor on the device ([number of bad entries, flat position of the first,
 * its value]) and registers it here. The next read of any tensor on that backend (`data()`, `item()`,
 * `array()`, `to()`) first reads the pending verdicts and throws the same error the CPU backend throws
 * immediately, like CUDA's device-side asserts surfacing at the next synchronization. The loss value
 * itself is never returned to the caller when its targets were invalid.
 *
 * Verdicts with the same key (the same op, message and shapes, e.g. every step of a training loop)
 * are folded on the device into one that keeps the first failure, so memory stays bounded when
 * nothing is read for many steps.
 */
import type { Backend } from './backend.js';
import type { Tensor } from './tensor.js';

interface Pending {
  verdict: Tensor;
  /** The message for [count, position, value], or null when count is 0. */
  readonly message: (count: number, position: number, value: number) => string;
}

const pending = new Map<Backend, Map<string, Pending>>();

/**
 * Registers a device verdict (int32 [3]: count, position, value; the caller has `keep`-ed it). `fold`
 * combines an older and a newer verdict of the same key, keeping the first failure.
 */
export function deferCheck(
  backend: Backend,
  key: string,
  verdict: Tensor,
  message: Pending['message'],
  fold: (older: Tensor, newer: Tensor) => Tensor,
): void {
  let checks = pending.get(backend);
  if (!checks) {
    checks = new Map();
    pending.set(backend, checks);
  }
  const prev = checks.get(key);
  if (!prev) {
    checks.set(key, { verdict, message });
    return;
  }
  const folded = fold(prev.verdict, verdict);
  prev.verdict.dispose();
  verdict.dispose();
  prev.verdict = folded;
}

/** Reads and clears the pending verdicts of `backend`; throws a RangeError for the first failure. */
export async function flushDeferredChecks(backend: Backend): Promise<void> {
  const checks = pending.get(backend);
  if (!checks || checks.size === 0) return;
  pending.delete(backend);
  let failure: string | null = null;
  for (const p of checks.values()) {
    const v = await backend.read(p.verdict.storageView);
    p.verdict.dispose();
    if (failure === null && v[0] > 0) failure = p.message(v[0], v[1], v[2]);
  }
  if (failure !== null) throw new RangeError(failure);
}

/** Number of verdicts waiting to be read on `backend` (for tests). @internal */
export function pendingChecks(backend: Backend): number {
  return pending.get(backend)?.size ?? 0;
}
