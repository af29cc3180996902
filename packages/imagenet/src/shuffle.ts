/**
 * Deterministic per-epoch shuffling and sharding (like PyTorch's `DistributedSampler`), browser-safe.
 */
import { SampleRandom } from './rng.js';

/** Stream id that keeps the shuffle's random numbers apart from per-sample augmentation draws. */
const SHUFFLE_STREAM = 0x5348;

/**
 * Seeded permutation of 0..n-1 for one epoch (Fisher-Yates driven by a counter-based stream).
 * Same (n, seed, epoch) gives the same order on every machine.
 * @example permutation(5, 0, 3) // e.g. Int32Array [3, 0, 4, 1, 2]
 */
export function permutation(n: number, seed: number, epoch: number): Int32Array {
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`permutation: n must be a non-negative integer, got ${n}`);
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  const r = new SampleRandom(seed, epoch, 0, SHUFFLE_STREAM);
  for (let i = n - 1; i > 0; i--) {
    const j = r.int(0, i + 1);
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

/** Options of {@link epochOrder}. */
export interface EpochOrderOptions {
  /** Shuffle with a seeded permutation (default true); false keeps dataset order. */
  shuffle?: boolean;
  /** Run seed (default 0). */
  seed?: number;
  /** This process's rank in [0, worldSize) (default 0). */
  rank?: number;
  /** Number of processes sharing the dataset (default 1). */
  worldSize?: number;
  /**
   * false (default, like DistributedSampler): pad by repeating the start of the order so every rank
   * gets ceil(n / worldSize) samples; true: drop the tail so every rank gets floor(n / worldSize).
   */
  dropTail?: boolean;
}

/**
 * The dataset indices this rank visits in `epoch`, in order. All ranks use the same global
 * permutation; rank r takes positions r, r + worldSize, r + 2*worldSize, ... (strided, as in
 * PyTorch's DistributedSampler), so ranks are disjoint apart from padding.
 * @example epochOrder(10, 3, { seed: 1, rank: 0, worldSize: 2 }) // 5 indices
 */
export function epochOrder(n: number, epoch: number, opts: EpochOrderOptions = {}): Int32Array {
  const { shuffle = true, seed = 0, rank = 0, worldSize = 1, dropTail = false } = opts;
  if (!Number.isInteger(worldSize) || worldSize < 1)
    throw new Error(`epochOrder: worldSize must be >= 1, got ${worldSize}`);
  if (!Number.isInteger(rank) || rank < 0 || rank >= worldSize)
    throw new Error(`epochOrder: rank must be in [0, ${worldSize}), got ${rank}`);
  let global: Int32Array;
  if (shuffle) global = permutation(n, seed, epoch);
  else {
    global = new Int32Array(n);
    for (let i = 0; i < n; i++) global[i] = i;
  }
  const perRank = dropTail ? Math.floor(n / worldSize) : Math.ceil(n / worldSize);
  const out = new Int32Array(perRank);
  for (let k = 0; k < perRank; k++) {
    const pos = rank + k * worldSize;
    out[k] = global[n === 0 ? 0 : pos % n];
  }
  return out;
}
