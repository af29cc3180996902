/**
 * Philox-4x32-10 (Salmon et al. 2011, "Parallel random numbers: as easy as 1, 2, 3") and the exact
 * mapping from its output bits to floats. Every backend must produce bit-identical uint32 words and
 * the same float mapping, so a seed gives the same numbers on CPU, WASM and WebGPU.
 *
 * ## Stream layout (a request of `size` elements with key (k0, k1) and 64-bit counter (lo, hi))
 * Block b (b = 0 .. ceil(size / 4) - 1) is Philox-4x32-10 applied to the 128-bit counter
 * `(c0, c1, c2, c3) = (lo + b mod 2^32, hi + carry, 0, 0)` with key `(k0, k1)`; it yields words
 * w0..w3. Element i uses block floor(i / 4):
 *
 * - **uniform** (U[0, 1)): element i = word w[i mod 4]; value = (w >>> 8) * 2^-24. The 24-bit value
 *   is exact in float32 and float64, so all dtypes get the same numbers.
 * - **normal** (N(0, 1), Box-Muller): elements 4b, 4b+1 come from (w0, w1) and 4b+2, 4b+3 from
 *   (w2, w3): u1 = ((wA >>> 8) + 1) * 2^-24 in (0, 1], u2 = (wB >>> 8) * 2^-24 in [0, 1),
 *   r = sqrt(-2 ln u1), theta = 2 pi u2, first = r cos(theta), second = r sin(theta).
 *   (In WGSL: f32 arithmetic of the same formula; values agree to float32 rounding, not bit-exactly.)
 * - **bits**: element i = word w[i mod 4] reinterpreted as int32 (w | 0).
 *
 * A request always consumes ceil(size / 4) counter blocks; the generator advances its offset by that.
 *
 * ## Round function (10 rounds)
 * (c0, c1, c2, c3) -> (hi(M1*c2) ^ c1 ^ k0, lo(M1*c2), hi(M0*c0) ^ c3 ^ k1, lo(M0*c0)) with
 * M0 = 0xD2511F53, M1 = 0xCD9E8D57; after each round k0 += 0x9E3779B9, k1 += 0xBB67AE85 (mod 2^32).
 */

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

/** High 32 bits of the 64-bit product of two uint32s (exact, via 16-bit halves). */
export function mulhi32(a: number, b: number): number {
  const aLo = a & 0xffff;
  const aHi = a >>> 16;
  const bLo = b & 0xffff;
  const bHi = b >>> 16;
  const lolo = aLo * bLo;
  const mid1 = aHi * bLo;
  const mid2 = aLo * bHi;
  const carry = ((lolo >>> 16) + (mid1 & 0xffff) + (mid2 & 0xffff)) >>> 16;
  return (aHi * bHi + (mid1 >>> 16) + (mid2 >>> 16) + carry) >>> 0;
}

/**
 * Philox-4x32-10 of counter (c0..c3) and key (k0, k1); writes the 4 output words into `out[at..at+3]`
 * as uint32 values (numbers in [0, 2^32)).
 */
export function philox4x32(
  c0: number,
  c1: number,
  c2: number,
  c3: number,
  k0: number,
  k1: number,
  out: Uint32Array,
  at = 0,
): void {
  let x0 = c0 >>> 0;
  let x1 = c1 >>> 0;
  let x2 = c2 >>> 0;
  let x3 = c3 >>> 0;
  let key0 = k0 >>> 0;
  let key1 = k1 >>> 0;
  for (let r = 0; r < 10; r++) {
    const hi0 = mulhi32(M0, x0);
    const lo0 = Math.imul(M0, x0) >>> 0;
    const hi1 = mulhi32(M1, x2);
    const lo1 = Math.imul(M1, x2) >>> 0;
    x0 = (hi1 ^ x1 ^ key0) >>> 0;
    x1 = lo1;
    x2 = (hi0 ^ x3 ^ key1) >>> 0;
    x3 = lo0;
    key0 = (key0 + W0) >>> 0;
    key1 = (key1 + W1) >>> 0;
  }
  out[at] = x0;
  out[at + 1] = x1;
  out[at + 2] = x2;
  out[at + 3] = x3;
}

const TWO_POW_M24 = 1 / 16777216;

/**
 * Fills `out` with `size` values of the requested distribution, following the stream layout above.
 * Used by the CPU backend's `random`; other backends reimplement exactly this mapping.
 */
export function philoxFill(
  distribution: 'uniform' | 'normal' | 'bits',
  out: Float32Array | Float64Array | Int32Array,
  key: readonly [number, number],
  counter: readonly [number, number],
): void {
  const size = out.length;
  const words = new Uint32Array(4);
  const blocks = Math.ceil(size / 4);
  for (let b = 0; b < blocks; b++) {
    const lo = counter[0] + b;
    philox4x32(lo >>> 0, (counter[1] + Math.floor(lo / 4294967296)) >>> 0, 0, 0, key[0], key[1], words);
    const base = 4 * b;
    const n = Math.min(4, size - base);
    if (distribution === 'uniform') {
      for (let j = 0; j < n; j++) out[base + j] = (words[j] >>> 8) * TWO_POW_M24;
    } else if (distribution === 'bits') {
      for (let j = 0; j < n; j++) out[base + j] = words[j] | 0;
    } else {
      for (let p = 0; p < n; p += 2) {
        const u1 = ((words[p] >>> 8) + 1) * TWO_POW_M24;
        const u2 = (words[p + 1] >>> 8) * TWO_POW_M24;
        const r = Math.sqrt(-2 * Math.log(u1));
        const theta = 2 * Math.PI * u2;
        out[base + p] = r * Math.cos(theta);
        if (p + 1 < n) out[base + p + 1] = r * Math.sin(theta);
      }
    }
  }
}
