import { describe, expect, it } from 'vitest';
import type { FloatArray } from '../../../backend.js';
import { seededUniform } from '../../../testing/seeded-uniform.js';
import { gemm } from './gemm.js';

type Ctor = Float32ArrayConstructor | Float64ArrayConstructor;

interface Layout {
  /** row-major (transposed = false) or column-major storage */
  transposed: boolean;
  /** extra elements between rows (or columns) and before the matrix */
  pad: number;
  offset: number;
}

/** Stores a rows x cols matrix given by `at(i, j)` in the layout; returns the array and its strides. */
function store(T: Ctor, rows: number, cols: number, l: Layout, at: (i: number, j: number) => number) {
  const rs = l.transposed ? 1 : cols + l.pad;
  const cs = l.transposed ? rows + l.pad : 1;
  const size = l.offset + (rows - 1) * rs + (cols - 1) * cs + 1 + 5;
  const arr = new T(size).fill(Number.NaN); // gaps are NaN: reading one would poison the result
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) arr[l.offset + i * rs + j * cs] = at(i, j);
  return { arr, rs, cs };
}

function check(T: Ctor, m: number, n: number, k: number, la: Layout, lb: Layout, beta: 0 | 1, seed: number) {
  const r = seededUniform(seed);
  const av = Array.from({ length: m * k }, () => r() * 2 - 1);
  const bv = Array.from({ length: k * n }, () => r() * 2 - 1);
  const A = store(T, m, k, la, (i, p) => av[i * k + p]);
  const B = store(T, k, n, lb, (p, j) => bv[p * n + j]);
  const ldc = n + 2;
  const cOff = 3;
  const c = new T(cOff + m * ldc).fill(Number.NaN);
  const c0 = new T(c.length);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) c[cOff + i * ldc + j] = beta === 1 ? r() - 0.5 : Number.NaN;
  c0.set(c);
  gemm(m, n, k, A.arr, la.offset, A.rs, A.cs, B.arr, lb.offset, B.rs, B.cs, c, cOff, ldc, beta);
  const tol = T === Float32Array ? 2e-6 : 1e-13;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      // Reference from the stored (possibly float32-rounded) inputs, in float64.
      let s = 0;
      let mag = 0;
      for (let p = 0; p < k; p++) {
        const prod = A.arr[la.offset + i * A.rs + p * A.cs] * B.arr[lb.offset + p * B.rs + j * B.cs];
        s += prod;
        mag += Math.abs(prod);
      }
      const old = c0[cOff + i * ldc + j];
      if (beta === 1) {
        s += old;
        mag += Math.abs(old);
      }
      const got = c[cOff + i * ldc + j];
      if (!(Math.abs(got - s) <= tol * (mag + 1))) {
        throw new Error(`C[${i},${j}] = ${got}, expected ${s} (m=${m} n=${n} k=${k} beta=${beta})`);
      }
    }
    // Padding between rows of C is untouched.
    for (let j = n; j < ldc && cOff + i * ldc + j < c.length; j++) expect(c[cOff + i * ldc + j]).toBeNaN();
  }
  expect(c[0]).toBeNaN();
}

const sizes = [1, 3, 7, 17, 33];

describe('gemm', () => {
  for (const T of [Float32Array, Float64Array] as Ctor[]) {
    it(`matches a float64 triple loop on odd sizes, every layout, beta 0 and 1 (${T.name})`, () => {
      let seed = 1;
      for (const m of sizes) {
        for (const n of sizes) {
          for (const k of [1, 7, 33]) {
            const ta = seed % 2 === 0;
            const tb = seed % 3 === 0;
            check(
              T,
              m,
              n,
              k,
              { transposed: ta, pad: seed % 3, offset: seed % 4 },
              { transposed: tb, pad: (seed + 1) % 3, offset: (seed + 2) % 5 },
              (seed % 2) as 0 | 1,
              seed,
            );
            seed++;
          }
        }
      }
    });

    it(`crosses the KC, MC and NC block boundaries (${T.name})`, () => {
      // k > 256 exercises the slab accumulation, m > 64 the A blocks, n > 2048 the B blocks.
      const row: Layout = { transposed: false, pad: 0, offset: 0 };
      const col: Layout = { transposed: true, pad: 1, offset: 2 };
      check(T, 70, 37, 300, row, row, 0, 11);
      check(T, 67, 9, 513, col, col, 1, 12);
      check(T, 5, 2050, 3, row, col, 0, 13);
      check(T, 130, 21, 260, col, row, 1, 14);
    });
  }

  it('k = 0 gives zeros with beta 0 and leaves C alone with beta 1', () => {
    const c = new Float64Array([5, 6, 7, 8]);
    gemm(2, 2, 0, new Float64Array(0), 0, 0, 1, new Float64Array(0), 0, 2, 1, c, 0, 2, 1);
    expect(Array.from(c)).toEqual([5, 6, 7, 8]);
    gemm(2, 2, 0, new Float64Array(0), 0, 0, 1, new Float64Array(0), 0, 2, 1, c, 0, 2, 0);
    expect(Array.from(c)).toEqual([0, 0, 0, 0]);
  });

  it('computes the documented 2x2 example exactly', () => {
    const c = new Float32Array(4);
    gemm(
      2,
      2,
      2,
      new Float32Array([1, 2, 3, 4]),
      0,
      2,
      1,
      new Float32Array([5, 6, 7, 8]),
      0,
      2,
      1,
      c,
      0,
      2,
      0,
    );
    expect(Array.from(c)).toEqual([19, 22, 43, 50]);
  });

  it('broadcasts a zero-stride operand', () => {
    // A has row stride 0: every row is the same vector.
    const a: FloatArray = new Float64Array([1, 2, 3]);
    const b = new Float64Array([1, 0, 0, 1, 1, 1]); // 3x2
    const c = new Float64Array(4 * 2);
    gemm(4, 2, 3, a, 0, 0, 1, b, 0, 2, 1, c, 0, 2, 0);
    expect(Array.from(c)).toEqual([4, 5, 4, 5, 4, 5, 4, 5]);
  });
});
