/**
 * Range checks of int32 index tensors (class targets, gather indices) that give the same error on
 * every backend: immediately where the indices can be read synchronously (CPU, WASM), and on the
 * device otherwise (WebGPU), reported at the next read through `deferred-checks.ts`. Never a silent
 * wrong result from an out-of-range index.
 */
import { deferCheck } from '../deferred-checks.js';
import { keep, tidy } from '../memory.js';
import type { Tensor } from '../tensor.js';
import { add, cast, ge, gt, lt, mul, ne, where } from './elementwise.js';
import { gatherUnchecked } from './indexing.js';
import { concat } from './join.js';
import { argmax, sum } from './reduce.js';
import { narrow, reshape } from './views.js';

/**
 * Throws (or, on WebGPU, defers) a RangeError `message(position, value)` for the first entry of
 * `index` outside [0, size) that is not `allowed` (e.g. crossEntropy's ignoreIndex). `key` identifies
 * the call site and shapes: verdicts with the same key are folded on the device.
 */
export function checkIndices(
  index: Tensor,
  size: number,
  key: string,
  message: (position: number, value: number) => string,
  allowed: number | null = null,
): void {
  if (index.backend.readSync) {
    const t = index.dataSync();
    for (let n = 0; n < t.length; n++) {
      const v = t[n];
      if (v !== allowed && (v < 0 || v >= size)) throw new RangeError(message(n, v));
    }
    return;
  }
  if (index.size === 0) return;
  deferOnDevice(
    index,
    (flat) => {
      const outside = add(lt(flat, 0), ge(flat, size));
      return allowed === null ? outside : mul(outside, ne(flat, allowed));
    },
    key,
    message,
  );
}

/**
 * Registers a device-side check of `values` (any shape, int32 or float): `bad(flat)` returns a 0/1
 * int32 mask over the flattened values; the first flagged position and its value are reported with
 * `message` at the next read on the backend (see deferred-checks.ts).
 */
export function deferOnDevice(
  values: Tensor,
  bad: (flat: Tensor) => Tensor,
  key: string,
  message: (position: number, value: number) => string,
): void {
  if (values.size === 0) return;
  const verdict = tidy(() => {
    const flat = reshape(values, [-1]);
    const mask = cast(bad(flat), 'int32');
    const first = reshape(argmax(mask), [1]);
    // the value at `first`, with the unchecked gather (a checked one would check itself)
    const value = cast(gatherUnchecked(flat, 0, first), 'int32');
    return keep(concat([reshape(sum(mask), [1]), first, value]));
  });
  deferCheck(
    values.backend,
    key,
    verdict,
    (_count, position, value) => message(position, value),
    (older, newer) => tidy(() => keep(where(gt(narrow(older, 0, 0, 1), 0), older, newer))),
  );
}
