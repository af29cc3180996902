import { describe, expect, it } from 'vitest';
import type { Windows } from './export-graph';
import { GraphBuilder } from './graph-builder';
import { checkWindows, lowerSppLevel, type PoolMode, regularPool } from './spp';
import { handModel } from './test-support/hand-model';
import { maxAbsDiff, runModel } from './test-support/ort';

/** PyTorch adaptive pooling bins: [floor(i*L/n), ceil((i+1)*L/n)). */
const adaptive = (L: number, n: number): Windows =>
  Array.from({ length: n }, (_, i) => [Math.floor((i * L) / n), Math.ceil(((i + 1) * L) / n)] as const);
/** SPP-net bins: window ceil(L/n), stride floor(L/n), clipped (may give other than n bins). */
const sppNet = (L: number, n: number): Windows => {
  const k = Math.ceil(L / n);
  const s = Math.floor(L / n);
  return Array.from({ length: n }, (_, i) => [i * s, Math.min(L, i * s + k)] as const);
};

describe('regularPool', () => {
  it('finds kernel = stride = L/n when n divides L', () => {
    expect(regularPool(4, adaptive(4, 2))).toEqual({ kernel: 2, stride: 2, padBegin: 0, padEnd: 0 });
    expect(regularPool(14, adaptive(14, 7))).toEqual({ kernel: 2, stride: 2, padBegin: 0, padEnd: 0 });
    expect(regularPool(6, adaptive(6, 1))).toEqual({ kernel: 6, stride: 6, padBegin: 0, padEnd: 0 });
  });

  it('finds overlapping and padded patterns, checked window by window', () => {
    expect(regularPool(13, sppNet(13, 3))).toEqual({ kernel: 5, stride: 4, padBegin: 0, padEnd: 0 });
    expect(regularPool(5, adaptive(5, 2))).toEqual({ kernel: 3, stride: 2, padBegin: 0, padEnd: 0 });
    // adaptive 13 -> 7 bins are [0,2),[1,4),...,[11,13): kernel 3, stride 2 with one pad each side
    expect(regularPool(13, adaptive(13, 7))).toEqual({ kernel: 3, stride: 2, padBegin: 1, padEnd: 1 });
    expect(
      regularPool(5, [
        [0, 2],
        [1, 4],
        [3, 5],
      ]),
    ).toEqual({ kernel: 3, stride: 2, padBegin: 1, padEnd: 1 });
  });

  it('recognises nn-style equal windows at any size without the search', () => {
    // nn's SPP rule: stride floor(L/n), kernel L - (n-1) stride
    const L = 1000;
    const n = 7;
    const stride = Math.floor(L / n);
    const kernel = L - (n - 1) * stride;
    const w = Array.from({ length: n }, (_, i) => [i * stride, i * stride + kernel] as const);
    expect(regularPool(L, w)).toEqual({ kernel, stride, padBegin: 0, padEnd: 0 });
    expect(regularPool(1000, adaptive(1000, 7))).toBeNull(); // too long to search: decomposed instead
  });

  it('returns null for irregular adaptive bins (6 -> 4, 11 -> 7, 14 -> 4)', () => {
    expect(regularPool(6, adaptive(6, 4))).toBeNull();
    expect(regularPool(11, adaptive(11, 7))).toBeNull();
    expect(regularPool(14, adaptive(14, 4))).toBeNull();
  });

  it('every pattern it returns reproduces the windows (exhaustive over small sizes)', () => {
    for (let L = 1; L <= 16; L++)
      for (let n = 1; n <= L; n++) {
        const w = adaptive(L, n);
        const r = regularPool(L, w);
        if (!r) continue;
        const count = Math.floor((L + r.padBegin + r.padEnd - r.kernel) / r.stride) + 1;
        expect(count).toBe(n);
        expect(r.padBegin < r.kernel && r.padEnd < r.kernel).toBe(true);
        w.forEach(([lo, hi], i) => {
          expect(Math.max(0, i * r.stride - r.padBegin)).toBe(lo);
          expect(Math.min(L, i * r.stride - r.padBegin + r.kernel)).toBe(hi);
        });
      }
  });
});

describe('checkWindows', () => {
  it('names the level and the axis length for empty or missing bins', () => {
    expect(() =>
      checkWindows(
        [
          [0, 1],
          [1, 1],
        ],
        1,
        2,
        'spp',
      ),
    ).toThrow(/level 2 .*empty.*\[1, 1\).*length 1/);
    expect(() => checkWindows([[0, 2]], 2, 2, 'spp')).toThrow(/level 2 gave 1 bins/);
  });
});

describe('lowerSppLevel in onnxruntime-node', () => {
  // reference: direct max (or mean) over each rectangle, in float64
  function reference(
    x: Float32Array,
    C: number,
    H: number,
    W: number,
    rows: Windows,
    cols: Windows,
    mode: PoolMode,
  ) {
    const out: number[] = [];
    for (let c = 0; c < C; c++)
      for (const [h0, h1] of rows)
        for (const [w0, w1] of cols) {
          let m = -Infinity;
          let sum = 0;
          for (let h = h0; h < h1; h++)
            for (let w = w0; w < w1; w++) {
              m = Math.max(m, x[(c * H + h) * W + w]);
              sum += x[(c * H + h) * W + w];
            }
          out.push(mode === 'max' ? m : sum / ((h1 - h0) * (w1 - w0)));
        }
    return out;
  }

  const cases: [number, number, number, string][] = [
    [8, 8, 4, 'regular both axes'],
    [13, 13, 7, 'regular with padding'],
    [11, 11, 7, 'irregular both axes'],
    [6, 8, 4, 'H irregular, W regular'],
    [8, 6, 4, 'H regular, W irregular'],
    [10, 14, 4, 'non-square, both irregular'],
  ];
  for (const [opset, mode] of [
    [17, 'max'],
    [18, 'max'],
    [17, 'avg'],
    [18, 'avg'],
  ] as const) {
    it.each(cases)(
      `opset ${opset}, ${mode}: %ix%i level %i (%s) equals the direct ${mode} over each bin`,
      async (H, W, n) => {
        const C = 3;
        const rows = adaptive(H, n);
        const cols = adaptive(W, n);
        const irregular = (L: number) => regularPool(L, adaptive(L, n)) === null;
        expect([irregular(H), irregular(W)]).toEqual(
          [
            [false, false],
            [false, false],
            [true, true],
            [true, false],
            [false, true],
            [true, true],
          ][cases.findIndex((c) => c[0] === H && c[1] === W)],
        );
        const g = new GraphBuilder(opset);
        g.reserve('x', 'input');
        const y = lowerSppLevel(g, 'x', H, W, rows, cols, '/spp', mode);
        const model = handModel(g, [{ name: 'x', dims: [2, C, H, W] }], [{ name: y, dims: [2, C, n, n] }]);
        const x = Float32Array.from(
          { length: 2 * C * H * W },
          (_, i) => (Math.sin(i * 12.9898) * 43758.5453) % 1,
        );
        const out = Object.values(await runModel('node', model, { x: { data: x, dims: [2, C, H, W] } }))[0];
        expect(out.dims).toEqual([2, C, n, n]);
        const ref = [
          ...reference(x.subarray(0, C * H * W), C, H, W, rows, cols, mode),
          ...reference(x.subarray(C * H * W), C, H, W, rows, cols, mode),
        ];
        // max is exact; a float32 mean differs from the float64 one by rounding only
        expect(maxAbsDiff(out.data, ref)).toBeLessThanOrEqual(mode === 'max' ? 0 : 1e-6);
      },
    );
  }
});
