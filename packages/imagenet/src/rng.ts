/**
 * A small counter-based random source for augmentation. Every draw is a pure function of
 * (seed, epoch, index, counter), so a sample's augmentation is the same whichever worker, rank or
 * resume point produces it. No state is shared between samples and nothing imports `@rectifier/tensor`.
 */

/**
 * Integer hash: the "lowbias32" finaliser (two multiply-xorshift rounds, bias about 0.17 per bit).
 * @param x any number; only its low 32 bits are used.
 * @returns an unsigned 32-bit integer.
 * @example hash32(1) // 2118209048 (a fixed value)
 */
export function hash32(x: number): number {
  x = (x ^ (x >>> 16)) >>> 0;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/**
 * Combines a running key with one more 32-bit word; order-sensitive.
 * @example const k = combineKeys(combineKeys(seed, epoch), index);
 */
export function combineKeys(key: number, word: number): number {
  return hash32((key ^ hash32((word + 0x9e3779b9) >>> 0)) + 0x632be5ab);
}

/**
 * Deterministic random stream keyed by (seed, epoch, index, stream).
 * Draws are `hash(key, counter)` for counter = 0, 1, 2, ...: counter-based, so the stream can be
 * recreated anywhere from its key alone.
 * @example
 * const r = new SampleRandom(42, 0, 17);
 * const s = r.int(256, 513); // scale jitter in [256, 512]
 */
export class SampleRandom {
  private readonly key: number;
  private readonly key2: number;
  private counter = 0;
  private spare: number | null = null;

  /**
   * @param seed run seed (any 32-bit integer)
   * @param epoch epoch number
   * @param index dataset index of the sample (not its position in the epoch order)
   * @param stream separates independent uses with the same (seed, epoch, index); default 0
   */
  constructor(seed: number, epoch = 0, index = 0, stream = 0) {
    let k = combineKeys(hash32(seed ^ 0x5bd1e995), epoch);
    k = combineKeys(k, index);
    k = combineKeys(k, stream);
    this.key = k;
    this.key2 = hash32(k ^ 0xa5a5a5a5);
  }

  /** Next unsigned 32-bit integer. */
  nextUint32(): number {
    const c = this.counter++;
    return hash32(hash32((this.key + Math.imul(c, 0x9e3779b9)) >>> 0) ^ this.key2);
  }

  /** Uniform float in [0, 1) with 32 random bits. */
  uniform(): number {
    return this.nextUint32() / 4294967296;
  }

  /**
   * Uniform integer in [low, high) (like `torch.randint`); uses rejection so there is no modulo bias.
   * @throws if high <= low.
   */
  int(low: number, high: number): number {
    const n = high - low;
    if (!(n >= 1) || !Number.isInteger(n))
      throw new Error(`SampleRandom.int: need integers low < high, got [${low}, ${high})`);
    const limit = 4294967296 - (4294967296 % n);
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return low + (x % n);
  }

  /** Standard normal N(0, 1) by Box-Muller (two uniforms give two normals; the second is kept). */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    const u1 = (this.nextUint32() + 1) / 4294967297; // (0, 1]: log is finite
    const u2 = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    this.spare = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  }
}
