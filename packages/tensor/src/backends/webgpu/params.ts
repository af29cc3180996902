/**
 * Uniform parameters. Every kernel declares its parameters as `var<uniform> P: array<vec4<u32>, N>`
 * and reads word i with `p(i)` (floats are bit-cast), so the JavaScript side writes a flat list of
 * 32-bit words and no struct layout rules can be got wrong.
 */
export class Params {
  private readonly words: number[] = [];
  private readonly f32 = new Float32Array(1);
  private readonly u32 = new Uint32Array(this.f32.buffer);

  /** Appends unsigned words (negative numbers are written as their two's complement). */
  u(...values: readonly number[]): this {
    for (const v of values) this.words.push(v >>> 0);
    return this;
  }

  /** Appends a float32 (bit pattern). */
  f(value: number): this {
    this.f32[0] = value;
    this.words.push(this.u32[0] as number);
    return this;
  }

  /** Appends `values` padded with `fill` to exactly `length` words. */
  padded(values: readonly number[], length: number, fill = 0): this {
    if (values.length > length) throw new Error(`params: ${values.length} values exceed ${length} slots`);
    for (let i = 0; i < length; i++)
      this.words.push((i < values.length ? (values[i] as number) : fill) >>> 0);
    return this;
  }

  get length(): number {
    return this.words.length;
  }

  /** Word array padded to whole vec4s (and at least one). */
  build(): Uint32Array {
    const n = Math.max(4, Math.ceil(this.words.length / 4) * 4);
    const out = new Uint32Array(n);
    out.set(this.words);
    return out;
  }
}

/** Number of vec4<u32> needed for `words` words. */
export function vec4Count(words: number): number {
  return Math.max(1, Math.ceil(words / 4));
}

/** WGSL declaration of the uniform parameter block at `binding` plus the `p(i)` accessor. */
export function paramsWgsl(binding: number, words: number): string {
  return /* wgsl */ `
@group(0) @binding(${binding}) var<uniform> P: array<vec4<u32>, ${vec4Count(words)}>;
fn p(i: u32) -> u32 { return P[i / 4u][i % 4u]; }
fn pf(i: u32) -> f32 { return bitcast<f32>(p(i)); }
fn pi(i: u32) -> i32 { return bitcast<i32>(p(i)); }
// a zero the compiler cannot constant-fold, for building non-finite values at run time
fn rtZero() -> u32 { return P[0].x & 0u; }`;
}
