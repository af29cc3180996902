/** Naive float64 reference implementations for the layer tests (independent of the tensor kernels). */

export function naiveConv2d(
  x: ArrayLike<number>,
  [N, C, H, W]: number[],
  w: ArrayLike<number>,
  [O, Cg, KH, KW]: number[],
  b: ArrayLike<number> | null,
  { stride = [1, 1], padding = [0, 0], dilation = [1, 1], groups = 1 } = {},
): { data: number[]; shape: number[] } {
  const OH = Math.floor((H + 2 * padding[0] - dilation[0] * (KH - 1) - 1) / stride[0]) + 1;
  const OW = Math.floor((W + 2 * padding[1] - dilation[1] * (KW - 1) - 1) / stride[1]) + 1;
  const out: number[] = [];
  const og = O / groups;
  for (let n = 0; n < N; n++)
    for (let o = 0; o < O; o++)
      for (let oh = 0; oh < OH; oh++)
        for (let ow = 0; ow < OW; ow++) {
          let s = b ? b[o] : 0;
          const g = Math.floor(o / og);
          for (let c = 0; c < Cg; c++)
            for (let kh = 0; kh < KH; kh++)
              for (let kw = 0; kw < KW; kw++) {
                const ih = oh * stride[0] - padding[0] + kh * dilation[0];
                const iw = ow * stride[1] - padding[1] + kw * dilation[1];
                if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                s += x[((n * C + g * Cg + c) * H + ih) * W + iw] * w[((o * Cg + c) * KH + kh) * KW + kw];
              }
          out.push(s);
        }
  return { data: out, shape: [N, O, OH, OW] };
}

/** Pools each plane with explicit windows [start, end) per output row/column (clipped to the input). */
export function naivePool(
  x: ArrayLike<number>,
  [N, C, H, W]: number[],
  rows: [number, number][],
  cols: [number, number][],
  mode: 'max' | 'avg',
  divisor?: (r: [number, number], c: [number, number]) => number,
): number[] {
  const out: number[] = [];
  for (let p = 0; p < N * C; p++)
    for (const r of rows)
      for (const c of cols) {
        let acc = mode === 'max' ? Number.NEGATIVE_INFINITY : 0;
        for (let h = Math.max(0, r[0]); h < Math.min(H, r[1]); h++)
          for (let w = Math.max(0, c[0]); w < Math.min(W, c[1]); w++) {
            const v = x[(p * H + h) * W + w];
            acc = mode === 'max' ? Math.max(acc, v) : acc + v;
          }
        if (mode === 'avg')
          acc /= divisor
            ? divisor(r, c)
            : (Math.min(H, r[1]) - Math.max(0, r[0])) * (Math.min(W, c[1]) - Math.max(0, c[0]));
        out.push(acc);
      }
  return out;
}

/** Regular windows of a pooling layer along one axis (no ceil mode). */
export function windows(size: number, k: number, s: number, p: number): [number, number][] {
  const n = Math.floor((size + 2 * p - k) / s) + 1;
  return Array.from({ length: n }, (_, i) => [i * s - p, i * s - p + k] as [number, number]);
}

export function expectAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-5): void {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} != ${expected.length}`);
  for (let i = 0; i < actual.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    if (!(d <= tol * (1 + Math.abs(expected[i]))))
      throw new Error(`element ${i}: ${actual[i]} != ${expected[i]} (tol ${tol})`);
  }
}
