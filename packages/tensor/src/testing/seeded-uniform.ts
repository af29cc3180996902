/**
 * Mulberry32: a small, fast, seeded generator of uniform numbers in [0, 1), for test data that must
 * reproduce when a test fails (the same seed gives the same sequence everywhere). Not the tensor
 * library's generator (Philox, `Generator`), which tests exercise rather than use for data.
 * @example
 * const r = seededUniform(7);
 * const data = Float32Array.from({ length: 16 }, () => r() - 0.5);
 */
export function seededUniform(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
