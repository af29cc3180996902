/**
 * Direct kernel tests of the WebGPU backend against hand-computed values and naive float64 loops:
 * odd sizes, strided and broadcast views, conv options (stride, padding, dilation, groups), pooling
 * with overlapping windows, NaN handling, RNG stream identity, memory accounting and error reporting.
 * Runs on whatever adapter Dawn finds (SwiftShader on CI); skips visibly when there is none.
 */
import { describe, expect, test } from 'vitest';
import type { DType, View } from '../../backend.js';
import { philoxFill } from '../../random/philox.js';
import { testWebGPU } from './gpu-env.js';
import { WebGPUStorage } from './storage.js';
import { createWebGPUBackend } from './webgpu-backend.js';
import {
  convGradRef,
  convRef,
  data,
  firstMismatch,
  geometry,
  matmulRef,
  poolWindows,
} from './webgpu-reference.test-util.js';

const { backend, reason } = await testWebGPU();

if (!backend) test.skip(`WebGPU kernel tests skipped: ${reason}`, () => {});

function view(storage: WebGPUStorage, shape: number[], strides?: number[], offset = 0): View<WebGPUStorage> {
  const st = strides ?? shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  return { storage, dtype: storage.dtype, shape, strides: st, offset };
}

describe.skipIf(!backend)('webgpu kernels', () => {
  const b = backend as NonNullable<typeof backend>;
  const up = (a: number[] | Float32Array | Int32Array, dtype: DType = 'float32') =>
    b.fromArray(dtype === 'int32' ? Int32Array.from(a) : Float32Array.from(a), dtype);
  const read = async (s: WebGPUStorage, shape = [s.size]) => Array.from(await b.read(view(s, shape)));

  test('fill, fromArray, read of a strided view', async () => {
    expect(await read(b.fill(5, 'float32', 2.5))).toEqual([2.5, 2.5, 2.5, 2.5, 2.5]);
    expect(await read(b.fill(3, 'int32', -7))).toEqual([-7, -7, -7]);
    const x = up([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    // transpose of the [3,4] matrix starting at element 0, and a column slice with offset
    expect(Array.from(await b.read(view(x, [4, 3], [1, 4])))).toEqual([0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]);
    expect(Array.from(await b.read(view(x, [3], [4], 2)))).toEqual([2, 6, 10]);
    const f64 = b.fromArray(new Float64Array([0.1, 1e40]), 'float32');
    expect(await read(f64)).toEqual([Math.fround(0.1), Number.POSITIVE_INFINITY]);
  });

  test('float64 is rejected with a DTypeError naming the op', () => {
    expect(() => b.fill(2, 'float64', 0)).toThrow(/webgpu\.fill: float64 is not supported/);
    expect(() => b.fromArray(new Float64Array(2), 'float64')).toThrow(/DTypeError|float64/);
    const x = up([1, 2]);
    expect(() => b.cast(view(x, [2]), 'float64')).toThrow(/webgpu\.cast: float64/);
  });

  test('binary ops broadcast through zero strides and honour offsets', async () => {
    const a = up([1, 2, 3, 4, 5, 6]); // [2,3]
    const c = up([100, 10, 20, 30]); // use [10,20,30] at offset 1
    const out = b.binary('add', view(a, [2, 3]), view(c, [2, 3], [0, 1], 1), 'float32');
    expect(await read(out)).toEqual([11, 22, 33, 14, 25, 36]);
    const col = up([1000, 2000]);
    const out2 = b.binary('sub', view(a, [2, 3], [1, 2]), view(col, [2, 3], [1, 0]), 'float32');
    // a transposed view: element (i, j) = a[i + 2j]
    expect(await read(out2)).toEqual([1 - 1000, 3 - 1000, 5 - 1000, 2 - 2000, 4 - 2000, 6 - 2000]);
  });

  test('unary/binary/ternary float ops match the table semantics, NaN and signed zero included', async () => {
    const { UNARY, BINARY, TERNARY } = await import('../../elementwise-semantics.js');
    const xs = [-3.5, -2, -1, -0.5, -0, 0, 0.5, 1, 2.5, 3, Number.NaN, 7.25];
    const ys = [2, -1, 0.5, 3, -2, 1, -0.5, 0, 2, -3, 1, Number.NaN];
    const zs = [1, 1, -1, 0.25, 2, -3, 4, 0.5, -2, 2, 0, 1];
    const xsPos = xs.map((v) => Math.abs(v) + 0.25);
    const X = up(xs);
    const Y = up(ys);
    const Z = up(zs);
    const XP = up(xsPos);
    const vx = view(X, [12]);
    const check = (name: string, got: number[], want: number[]) => {
      const bad = firstMismatch(got, want.map(Math.fround), 2e-6, 1e-6);
      expect(bad, `${name}: got ${got[bad]} want ${want[bad]} at ${bad}`).toBe(-1);
    };
    for (const [op, def] of Object.entries(UNARY)) {
      const src = op === 'log' || op === 'sqrt' ? xsPos : xs;
      const got = await read(b.unary(op as never, view(op === 'log' || op === 'sqrt' ? XP : X, [12])));
      check(
        op,
        got,
        src.map((v) => def.js(Math.fround(v), 0)),
      );
    }
    for (const [op, def] of Object.entries(BINARY)) {
      const got = await read(b.binary(op as never, vx, view(Y, [12]), 'float32'));
      check(
        op,
        got,
        xs.map((v, i) => def.js(v, ys[i] as number)),
      );
    }
    for (const [op, def] of Object.entries(TERNARY)) {
      const [lo, hi] = op === 'clamp' ? [up(xs.map(() => -1)), up(xs.map(() => 2))] : [Y, Z];
      const loV = op === 'clamp' ? xs.map(() => -1) : ys;
      const hiV = op === 'clamp' ? xs.map(() => 2) : zs;
      const got = await read(b.ternary(op as never, vx, view(lo, [12]), view(hi, [12]), 'float32'));
      check(
        op,
        got,
        xs.map((v, i) => def.js(v, loV[i] as number, hiV[i] as number)),
      );
    }
  });

  test('int32 ops are exact beyond 2^24 and division truncates', async () => {
    const a = up([16777217, -7, 7, 2147483000, 5], 'int32');
    const c = up([1, 2, -2, 600, 0], 'int32');
    expect(await read(b.binary('add', view(a, [5]), view(c, [5]), 'int32'))).toEqual([
      16777218, -5, 5, 2147483600, 5,
    ]);
    expect(await read(b.binary('div', view(a, [5]), view(c, [5]), 'int32'))).toEqual([
      16777217, -3, -3, 3579138, 0,
    ]);
    expect(await read(b.binary('lt', view(a, [5]), view(c, [5]), 'int32'))).toEqual([0, 1, 0, 0, 0]);
  });

  test('cast, copy and assign into a strided region (also from the same storage)', async () => {
    const f = up([1.7, -1.7, 2.5, Number.NaN, -0.2]);
    expect(await read(b.cast(view(f, [5]), 'int32'))).toEqual([1, -1, 2, 0, 0]);
    const i = up([3, -4], 'int32');
    const fi = b.cast(view(i, [2]), 'float32');
    expect(fi.dtype).toBe('float32');
    expect(await read(fi)).toEqual([3, -4]);
    const dst = b.fill(12, 'float32', 0);
    const src = up([1, 2, 3, 4]);
    b.assign(view(dst, [2, 2], [6, 2], 1), view(src, [2, 2], [1, 2])); // dst[1 + 6r + 2c] = src transposed
    expect(await read(dst)).toEqual([0, 1, 0, 3, 0, 0, 0, 2, 0, 4, 0, 0]);
    const s = up([1, 2, 3, 4, 5, 6]);
    b.assign(view(s, [3], [1], 3), view(s, [3], [1], 0)); // overlapping storage
    expect(await read(s)).toEqual([1, 2, 3, 1, 2, 3]);
    const cp = b.copy(view(s, [2, 3], [1, 2]));
    expect(await read(cp)).toEqual([1, 3, 2, 2, 1, 3]);
  });

  test('reductions over several axes of a permuted view, odd sizes, NaN', async () => {
    const [A, B, C] = [3, 37, 5];
    const x = data(A * B * C, 3);
    const X = up(x);
    // permuted view: shape [C, A, B] over the [A, B, C] array
    const pv = view(X, [C, A, B], [1, B * C, C]);
    for (const op of ['sum', 'max', 'min', 'prod'] as const) {
      const got = await read(b.reduce(op, pv, [0, 2]));
      const want = [];
      for (let a = 0; a < A; a++) {
        let acc = op === 'sum' ? 0 : op === 'prod' ? 1 : op === 'max' ? -Infinity : Infinity;
        for (let bb = 0; bb < B; bb++)
          for (let c = 0; c < C; c++) {
            const v = x[(a * B + bb) * C + c] as number;
            acc =
              op === 'sum'
                ? acc + v
                : op === 'prod'
                  ? acc * v
                  : op === 'max'
                    ? Math.max(acc, v)
                    : Math.min(acc, v);
          }
        want.push(acc);
      }
      expect(firstMismatch(got, want, 1e-5, 1e-30), op).toBe(-1);
    }
    const big = data(5000, 9);
    const sum = await read(b.reduce('sum', view(up(big), [5000]), [0]));
    expect(sum[0]).toBeCloseTo(
      big.reduce((s, v) => s + v, 0),
      3,
    );
    const withNaN = up([1, Number.NaN, 3, 4, 5, 6]);
    expect(await read(b.reduce('max', view(withNaN, [2, 3]), [1]))).toEqual([Number.NaN, 6]);
    const ints = up([1, 2, 3, 4], 'int32');
    expect(await read(b.reduce('sum', view(ints, [4]), [0]))).toEqual([10]);
  });

  test('argmax/argmin: first occurrence wins, NaN counts as the extremum', async () => {
    const x = up([1, 5, 5, 0, 2, Number.NaN, 3, Number.NaN, -1, -1, 4, 4]);
    expect(await read(b.argReduce('argmax', view(x, [3, 4]), 1))).toEqual([1, 1, 2]);
    expect(await read(b.argReduce('argmin', view(x, [3, 4]), 1))).toEqual([3, 1, 0]);
    expect(await read(b.argReduce('argmax', view(x, [3, 4]), 0))).toEqual([1, 1, 0, 1]);
    const long = data(1000, 4);
    long[777] = 5;
    expect(await read(b.argReduce('argmax', view(up(long), [1000]), 0))).toEqual([777]);
  });

  test('logSoftmax of rows with odd widths', async () => {
    for (const [rows, cols] of [
      [3, 7],
      [2, 301],
    ] as const) {
      const x = data(rows * cols, rows + cols);
      const got = await read(b.logSoftmax(view(up(x), [rows, cols])));
      const want: number[] = [];
      for (let r = 0; r < rows; r++) {
        const row = Array.from(x.subarray(r * cols, (r + 1) * cols));
        const m = Math.max(...row);
        const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
        for (const v of row) want.push(v - lse);
      }
      expect(firstMismatch(got, want, 1e-5, 1e-5)).toBe(-1);
    }
  });

  test('matmul: odd sizes, transposed operands, broadcast batch', async () => {
    const [B, M, K, N] = [3, 67, 45, 33];
    const a = data(B * M * K, 5);
    const bt = data(N * K, 6); // b stored as [N, K], used transposed and broadcast over the batch
    const got = await read(b.matmul(view(up(a), [B, M, K]), view(up(bt), [B, K, N], [0, 1, K])));
    // reference on the explicitly transposed and broadcast b
    const bFull = new Float32Array(B * K * N);
    for (let z = 0; z < B; z++)
      for (let k = 0; k < K; k++)
        for (let n = 0; n < N; n++) bFull[(z * K + k) * N + n] = bt[n * K + k] as number;
    expect(firstMismatch(got, matmulRef(a, bFull, B, M, K, N), 1e-4, 1e-5)).toBe(-1);
    // a transposed A (stored [B, K, M]): staged along m instead of k
    const at = new Float32Array(B * K * M);
    for (let z = 0; z < B; z++)
      for (let m = 0; m < M; m++)
        for (let k = 0; k < K; k++) at[(z * K + k) * M + m] = a[(z * M + m) * K + k] as number;
    const got2 = await read(
      b.matmul(view(up(at), [B, M, K], [K * M, 1, M]), view(up(bt), [B, K, N], [0, 1, K])),
    );
    expect(firstMismatch(got2, matmulRef(a, bFull, B, M, K, N), 1e-4, 1e-5)).toBe(-1);
  });

  test.each([
    [1, 5, 40, 130], // 16 x 128 tiles
    [1, 20, 17, 9], // 32 x 128 tiles
    [2, 70, 33, 7], // 128 x 32 tiles
    [1, 1, 1, 1],
    [1, 3, 0, 4], // K = 0: zeros
  ])('matmul tile shape B=%i M=%i K=%i N=%i', async (B, M, K, N) => {
    const a = data(B * M * K, 7);
    const bb = data(B * K * N, 8);
    const got = await read(b.matmul(view(up(a), [B, M, K]), view(up(bb), [B, K, N])));
    expect(firstMismatch(got, matmulRef(a, bb, B, M, K, N), 1e-4, 1e-5)).toBe(-1);
  });

  // compile-bound on SwiftShader (a fresh backend: a dozen pipelines): generous timeout for busy machines
  test('split-K GEMMs with 128x128 tiles and split reductions give the same results', {
    timeout: 240_000,
  }, async () => {
    const split = await createWebGPUBackend({
      tuning: { gemmSplitK: 3, gemmTile: '128x128', reduceSplit: 3 },
    });
    try {
      const sv = (s: WebGPUStorage, shape: number[]) => view(s, shape);
      const sup = (a: Float32Array) => split.fromArray(a, 'float32');
      const sread = async (s: WebGPUStorage) => Array.from(await split.read(view(s, [s.size])));
      const [B, M, K, N] = [2, 19, 101, 45];
      const a = data(B * M * K, 30);
      const bb = data(B * K * N, 31);
      const got = await sread(split.matmul(sv(sup(a), [B, M, K]), sv(sup(bb), [B, K, N])));
      expect(firstMismatch(got, matmulRef(a, bb, B, M, K, N), 1e-4, 1e-5)).toBe(-1);
      // both operands transposed (staged along m and k) on the 128x128 vec4 tile
      const at = new Float32Array(B * K * M);
      const btr = new Float32Array(B * N * K);
      for (let z = 0; z < B; z++) {
        for (let m = 0; m < M; m++)
          for (let k = 0; k < K; k++) at[(z * K + k) * M + m] = a[(z * M + m) * K + k] as number;
        for (let k = 0; k < K; k++)
          for (let n = 0; n < N; n++) btr[(z * N + n) * K + k] = bb[(z * K + k) * N + n] as number;
      }
      const gotT = await sread(
        split.matmul(view(sup(at), [B, M, K], [K * M, 1, M]), view(sup(btr), [B, K, N], [N * K, 1, K])),
      );
      expect(firstMismatch(gotT, matmulRef(a, bb, B, M, K, N), 1e-4, 1e-5)).toBe(-1);
      const g = convCases[1] as (typeof convCases)[number];
      const x = data(g.N * g.C * g.H * g.W, 32);
      const w = data(g.O * (g.C / g.groups) * g.KH * g.KW, 33);
      const dy = data(g.N * g.O * g.OH * g.OW, 34);
      const xv = sv(sup(x), [g.N, g.C, g.H, g.W]);
      const wv = sv(sup(w), [g.O, g.C / g.groups, g.KH, g.KW]);
      const dyv = sv(sup(dy), [g.N, g.O, g.OH, g.OW]);
      const ref = convGradRef(x, w, dy, g);
      expect(firstMismatch(await sread(split.conv2d(xv, wv, g)), convRef(x, w, g), 1e-4, 1e-5)).toBe(-1);
      expect(firstMismatch(await sread(split.conv2dBackwardInput(dyv, wv, g)), ref.dx, 1e-4, 1e-5)).toBe(-1);
      expect(firstMismatch(await sread(split.conv2dBackwardWeight(xv, dyv, g)), ref.dw, 1e-4, 1e-5)).toBe(-1);
      // split reductions: 3 slices per output, combined by a second pass
      const r = data(4 * 301, 35);
      const rv = sv(sup(r), [4, 301]);
      const rows = [0, 1, 2, 3].map((i) => Array.from(r.subarray(i * 301, (i + 1) * 301)));
      expect(
        firstMismatch(
          await sread(split.reduce('sum', rv, [1])),
          rows.map((row) => row.reduce((a, v) => a + v, 0)),
          1e-5,
          1e-5,
        ),
      ).toBe(-1);
      expect(await sread(split.reduce('max', rv, [1]))).toEqual(rows.map((row) => Math.max(...row)));
      // a transposed view: element (i, j) = r[i + 4 j]; min over i
      const tv = view(sup(r), [4, 301], [1, 4]);
      const wantMin = Array.from({ length: 301 }, (_, j) =>
        Math.min(...Array.from(r.subarray(4 * j, 4 * j + 4))),
      );
      expect(await sread(split.reduce('min', tv, [0]))).toEqual(wantMin);
    } finally {
      split.destroy();
    }
  });

  const convCases = [
    geometry({ N: 2, C: 3, H: 7, W: 6, O: 5, KH: 3, KW: 3, padH: 1, padW: 1 }),
    geometry({
      N: 1,
      C: 4,
      H: 9,
      W: 8,
      O: 6,
      KH: 3,
      KW: 2,
      strideH: 2,
      strideW: 3,
      padH: 2,
      padW: 1,
      dilationH: 2,
      groups: 2,
    }),
    geometry({ N: 2, C: 2, H: 5, W: 5, O: 4, KH: 1, KW: 1, groups: 2 }),
    // enough channels for the 64x64 vec4 tile in all three kernels
    geometry({ N: 2, C: 40, H: 6, W: 6, O: 36, KH: 3, KW: 3, padH: 1, padW: 1 }),
  ];
  test.each(convCases.map((g, i) => [i, g] as const))(
    'conv2d forward and both backward kernels, case %i',
    async (_, g) => {
      const x = data(g.N * g.C * g.H * g.W, 11);
      const w = data(g.O * (g.C / g.groups) * g.KH * g.KW, 12);
      const dy = data(g.N * g.O * g.OH * g.OW, 13);
      const X = up(x);
      const Wt = up(w);
      const DY = up(dy);
      const xv = view(X, [g.N, g.C, g.H, g.W]);
      const wv = view(Wt, [g.O, g.C / g.groups, g.KH, g.KW]);
      const dyv = view(DY, [g.N, g.O, g.OH, g.OW]);
      const y = await read(b.conv2d(xv, wv, g));
      expect(firstMismatch(y, convRef(x, w, g), 1e-4, 1e-5)).toBe(-1);
      const ref = convGradRef(x, w, dy, g);
      expect(firstMismatch(await read(b.conv2dBackwardInput(dyv, wv, g)), ref.dx, 1e-4, 1e-5)).toBe(-1);
      expect(firstMismatch(await read(b.conv2dBackwardWeight(xv, dyv, g)), ref.dw, 1e-4, 1e-5)).toBe(-1);
    },
  );

  test('max pooling: overlapping windows, ties, NaN, and a gather-style backward', async () => {
    const p = poolWindows(1, 2, 5, 5, 3, 2, 1); // 3x3 windows, stride 2, padding 1 -> 3x3 outputs
    const x = data(2 * 25, 21);
    x[12] = Number.NaN; // plane 0, (2, 2): every window covering it picks it
    x[25] = 9;
    x[26] = 9; // plane 1: tie at (0,0) and (0,1): first wins
    const { values, argmax } = b.maxPool2d(view(up(x), [1, 2, 5, 5]), p);
    const vals = await read(values);
    const args = await read(argmax);
    const wantV: number[] = [];
    const wantA: number[] = [];
    for (let c = 0; c < 2; c++)
      for (let oh = 0; oh < 3; oh++)
        for (let ow = 0; ow < 3; ow++) {
          let best = 0;
          let bi = -1;
          for (let h = p.hStart[oh] as number; h < (p.hEnd[oh] as number); h++)
            for (let w = p.wStart[ow] as number; w < (p.wEnd[ow] as number); w++) {
              const v = x[c * 25 + h * 5 + w] as number;
              if (bi < 0 || (!Number.isNaN(best) && (v > best || Number.isNaN(v)))) {
                best = v;
                bi = h * 5 + w;
              }
            }
          wantV.push(best);
          wantA.push(bi);
        }
    expect(args).toEqual(wantA);
    expect(firstMismatch(vals, wantV, 0, 0)).toBe(-1);
    const dy = data(18, 22);
    const dx = await read(b.maxPool2dBackward(view(up(dy), [1, 2, 3, 3]), view(argmax, [1, 2, 3, 3]), p));
    const wantDx = new Float64Array(50);
    for (let i = 0; i < 18; i++) {
      const plane = Math.floor(i / 9);
      wantDx[plane * 25 + (wantA[i] as number)] += dy[i] as number;
    }
    expect(firstMismatch(dx, wantDx, 1e-6, 1e-7)).toBe(-1);
  });

  test('average pooling forward and backward (count includes padding)', async () => {
    const p = poolWindows(2, 1, 6, 5, 3, 2, 1);
    const x = data(2 * 30, 23);
    const y = await read(b.avgPool2d(view(up(x), [2, 1, 6, 5]), p));
    const dy = data(2 * p.OH * p.OW, 24);
    const dx = await read(b.avgPool2dBackward(view(up(dy), [2, 1, p.OH, p.OW]), p));
    const wantY: number[] = [];
    const wantDx = new Float64Array(60);
    for (let n = 0; n < 2; n++)
      for (let oh = 0; oh < p.OH; oh++)
        for (let ow = 0; ow < p.OW; ow++) {
          const div = (p.hCount[oh] as number) * (p.wCount[ow] as number);
          let acc = 0;
          for (let h = p.hStart[oh] as number; h < (p.hEnd[oh] as number); h++)
            for (let w = p.wStart[ow] as number; w < (p.wEnd[ow] as number); w++) {
              acc += x[n * 30 + h * 5 + w] as number;
              wantDx[n * 30 + h * 5 + w] += (dy[(n * p.OH + oh) * p.OW + ow] as number) / div;
            }
          wantY.push(acc / div);
        }
    expect(firstMismatch(y, wantY, 1e-5, 1e-6)).toBe(-1);
    expect(firstMismatch(dx, wantDx, 1e-5, 1e-6)).toBe(-1);
  });

  test('gather and scatterAdd along axis 1 (repeated indices accumulate)', async () => {
    const x = up([10, 11, 12, 13, 20, 21, 22, 23]); // [2,4]
    const idx = up([3, 0, 3, 1, 1, 2], 'int32'); // [2,3]
    expect(await read(b.gather(view(x, [2, 4]), 1, view(idx, [2, 3])))).toEqual([13, 10, 13, 21, 21, 22]);
    const src = up([1, 2, 3, 4, 5, 6]);
    expect(await read(b.scatterAdd([2, 4], 1, view(idx, [2, 3]), view(src, [2, 3])))).toEqual([
      2, 0, 0, 4, 0, 9, 6, 0,
    ]);
    // index with fewer rows than the output: rows beyond stay 0
    const idx2 = up([2], 'int32');
    expect(await read(b.scatterAdd([2, 3], 1, view(idx2, [1, 1]), view(up([7]), [1, 1])))).toEqual([
      0, 0, 7, 0, 0, 0,
    ]);
  });

  test('Philox: uniform and bits bit-identical to the reference stream, normal to float32 rounding', async () => {
    const key: [number, number] = [0x12345678, 0x9abcdef0];
    const counter: [number, number] = [0xfffffffe, 7]; // crosses the 32-bit carry
    for (const distribution of ['uniform', 'bits', 'normal'] as const) {
      const dtype = distribution === 'bits' ? 'int32' : 'float32';
      const got = await read(b.random({ distribution, size: 4001, dtype, key, counter }));
      const want = dtype === 'int32' ? new Int32Array(4001) : new Float32Array(4001);
      philoxFill(distribution, want, key, counter);
      if (distribution === 'normal') expect(firstMismatch(got, want, 2e-6, 2e-6)).toBe(-1);
      else expect(got).toEqual(Array.from(want));
    }
  });

  test('memory: storages are counted, disposal releases them, steady state allocates nothing', async () => {
    const before = b.memory();
    const s = b.fill(1000, 'float32', 1);
    expect(b.memory().storages).toBe(before.storages + 1);
    expect(b.memory().bytes).toBe(before.bytes + 4000);
    b.dispose(s);
    b.dispose(s); // idempotent
    expect(b.memory()).toEqual(before);
    const step = async () => {
      const x = b.fill(4096, 'float32', 1);
      const y = b.unary('exp', view(x, [4096]));
      const z = b.reduce('sum', view(y, [64, 64]), [1]);
      await b.read(view(z, [64]));
      for (const t of [x, y, z]) b.dispose(t);
    };
    await step();
    const allocated = b.gpuMemory().allocatedBytes;
    for (let i = 0; i < 5; i++) await step();
    expect(b.gpuMemory().allocatedBytes).toBe(allocated);
    // freed buffers stay pooled until released: then the GPU memory is returned
    const big = b.fill(1 << 20, 'float32', 0);
    await b.read(view(big, [1]));
    const withBig = b.gpuMemory().allocatedBytes;
    b.dispose(big);
    b.releasePooledMemory();
    expect(b.gpuMemory().pooledBytes).toBe(0);
    expect(b.gpuMemory().allocatedBytes).toBeLessThanOrEqual(withBig - 4 * (1 << 20));
  });

  test('a lost device and a destroyed backend give clear errors', async () => {
    const other = await createWebGPUBackend();
    const x = other.fill(4, 'float32', 1);
    other.device.destroy(); // as if the GPU were lost (driver reset, tab backgrounded...)
    await other.device.lost;
    expect(() => other.unary('exp', view(x, [4]))).toThrow(/webgpu\.exp: the GPU device was lost/);
    const third = await createWebGPUBackend();
    third.destroy();
    expect(() => third.fill(1, 'float32', 0)).toThrow(/webgpu\.fill: the backend was destroyed/);
  });

  test('misuse and GPU errors become clear JavaScript errors', async () => {
    const s = b.fill(4, 'float32', 1);
    b.dispose(s);
    expect(() => b.unary('exp', view(s, [4]))).toThrow(/webgpu\.exp: the input storage was disposed/);
    const foreign = { backend: 'cpu', dtype: 'float32', size: 1 } as unknown as WebGPUStorage;
    expect(() => b.copy(view(foreign, [1]))).toThrow(/lives on backend 'cpu'/);
    // submitting work on a destroyed buffer is a WebGPU validation error (it does not throw by itself):
    // the backend must surface it at the next read, and stay usable afterwards
    const dead = b.device.createBuffer({ size: 16, usage: 0x80 | 0x4 | 0x8 });
    dead.destroy();
    const out = b.copy(view(new WebGPUStorage('float32', 4, dead), [4]));
    const ok = b.fill(8, 'float32', 1);
    await expect(b.read(view(ok, [8]))).rejects.toThrow(
      /webgpu\.read: an earlier GPU command failed:[\s\S]*destroyed/i,
    );
    b.dispose(out);
    expect(await read(b.fill(2, 'float32', 3))).toEqual([3, 3]);
  });
});
