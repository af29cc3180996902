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

import { noGrad } from './autograd/grad-mode.js';
import type { Backend, TypedArray } from './backend.js';
import { keep, tidy } from './memory.js';
import { zerosLike } from './ops/creation.js';
import { mul } from './ops/elementwise.js';
import type { Tensor } from './tensor.js';

interface Pending {
  /** The folded verdict of every registration since the last read (int32 [3]), kept on the device. */
  readonly acc: Tensor;
  /** Whether anything was registered since the last read. */
  dirty: boolean;
  /** The message for [count, position, value], or null when count is 0. */
  readonly message: (count: number, position: number, value: number) => string;
}

/**
 * One accumulator per backend and key, kept across reads and folded into in place: a loop then runs
 * the same kernels on the same buffers every step (nothing to compile or allocate after its first).
 */
const pending = new Map<Backend, Map<string, Pending>>();

/**
 * Registers a device verdict (int32 [3]: count, position, value; the caller has `keep`-ed it; it is
 * consumed). `fold` combines an older and a newer verdict of the same key, keeping the first failure.
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
  let entry = checks.get(key);
  if (!entry) {
    entry = { acc: keep(zerosLike(verdict)), dirty: false, message };
    checks.set(key, entry);
  }
  const acc = entry.acc;
  noGrad(() => {
    const folded = fold(acc, verdict);
    acc.assign(folded);
    folded.dispose();
  });
  verdict.dispose();
  entry.dirty = true;
}

/**
 * Reads `t` (what `Tensor.data()` returns) together with the pending verdicts of its backend, in one
 * device read (`Backend.readMany`), so a training loop that reads its statistics once per interval
 * still makes one read, not one per check. Throws a RangeError for the first failed verdict.
 */
export async function readWithChecks(t: Tensor): Promise<TypedArray> {
  const list = [...(pending.get(t.backend)?.values() ?? [])].filter((p) => p.dirty);
  if (list.length === 0) return t.backend.read(t.storageView);
  for (const p of list) p.dirty = false;
  const views = [t.storageView, ...list.map((p) => p.acc.storageView)];
  // one read for the data and the verdicts where the backend can (no extra kernels: copies only)
  const [data, ...verdicts] = t.backend.readMany
    ? await t.backend.readMany(views)
    : await Promise.all(views.map((v) => t.backend.read(v)));
  // A clean verdict needs no reset: folding keeps the newer one while the older count is 0. A failed
  // one is cleared, so the error is reported once.
  let failure: string | null = null;
  list.forEach((p, i) => {
    const [count, position, value] = verdicts[i];
    if (count > 0) {
      failure ??= p.message(count, position, value);
      noGrad(() => tidy(() => void p.acc.assign(mul(p.acc, 0))));
    }
  });
  if (failure !== null) throw new RangeError(failure);
  return data;
}

/** Number of verdicts waiting to be read on `backend` (for tests). @internal */
export function pendingChecks(backend: Backend): number {
  return [...(pending.get(backend)?.values() ?? [])].filter((p) => p.dirty).length;
}
