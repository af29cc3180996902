/**
 * Seeded generator state for the counter-based Philox stream: a 64-bit key (the seed) and a 64-bit
 * counter offset in blocks of 4 words. A draw of n numbers takes the next ceil(n / 4) blocks, so the
 * numbers depend only on (seed, sequence of draw sizes), never on the backend.
 */
import type { RandomRequest } from '../backend.js';

const MASK64 = (1n << 64n) - 1n;

function toSeed(seed: number | bigint): bigint {
  if (typeof seed === 'number') {
    if (!Number.isSafeInteger(seed))
      throw new RangeError(`Generator: seed must be a safe integer or a bigint, got ${seed}`);
    return BigInt(seed) & MASK64;
  }
  return seed & MASK64;
}

/**
 * A Philox-4x32-10 random generator (like `torch.Generator`).
 *
 * @example
 * const g = new Generator(42);
 * const a = randn([3], { generator: g });
 */
export class Generator {
  #seed = 0n;
  #offset = 0n;

  constructor(seed: number | bigint) {
    this.manualSeed(seed);
  }

  /** Resets the key to `seed` and the counter to 0. */
  manualSeed(seed: number | bigint): this {
    this.#seed = toSeed(seed);
    this.#offset = 0n;
    return this;
  }

  /** JSON-serializable state: the seed and counter offset as decimal strings. */
  getState(): { seed: string; offset: string } {
    return { seed: this.#seed.toString(), offset: this.#offset.toString() };
  }

  setState(s: { seed: string; offset: string }): void {
    this.#seed = BigInt(s.seed) & MASK64;
    this.#offset = BigInt(s.offset) & MASK64;
  }

  /** Reserves the counter range for `size` numbers and returns the backend request. @internal */
  request(
    distribution: RandomRequest['distribution'],
    size: number,
    dtype: RandomRequest['dtype'],
  ): RandomRequest {
    const key: [number, number] = [Number(this.#seed & 0xffffffffn), Number(this.#seed >> 32n)];
    const counter: [number, number] = [Number(this.#offset & 0xffffffffn), Number(this.#offset >> 32n)];
    this.#offset = (this.#offset + BigInt(Math.ceil(size / 4))) & MASK64;
    return { distribution, size, dtype, key, counter };
  }
}

// PyTorch's default seed, so a fresh process is reproducible without manualSeed.
let defaultGen: Generator | null = null;

/** The generator used when no `generator` option is given. */
export function defaultGenerator(): Generator {
  if (!defaultGen) defaultGen = new Generator(67280421310721);
  return defaultGen;
}

/** Seeds the default generator. @example manualSeed(0) */
export function manualSeed(seed: number | bigint): void {
  defaultGenerator().manualSeed(seed);
}
