/** Naive, obviously-correct reference implementations used by the op tests (float64, plain loops). */

export function refMatmul(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  M: number,
  K: number,
  N: number,
): number[] {
  const out = new Array<number>(M * N).fill(0);
  for (let i = 0; i < M; i++)
    for (let j = 0; j < N; j++) for (let k = 0; k < K; k++) out[i * N + j] += a[i * K + k] * b[k * N + j];
  return out;
}

export interface RefConv {
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  groups: number;
}

/** Direct definition of a grouped, strided, dilated, padded cross-correlation (NCHW, OIHW). */
export function refConv2d(
  x: ArrayLike<number>,
  xs: number[],
  w: ArrayLike<number>,
  ws: number[],
  o: RefConv,
): { out: number[]; shape: number[] } {
  const [N, C, H, W] = xs;
  const [O, Cg, KH, KW] = ws;
  const OH = Math.floor((H + 2 * o.padding[0] - o.dilation[0] * (KH - 1) - 1) / o.stride[0]) + 1;
  const OW = Math.floor((W + 2 * o.padding[1] - o.dilation[1] * (KW - 1) - 1) / o.stride[1]) + 1;
  const out = new Array<number>(N * O * OH * OW).fill(0);
  const og = O / o.groups;
  for (let n = 0; n < N; n++)
    for (let oc = 0; oc < O; oc++) {
      const g = Math.floor(oc / og);
      for (let oh = 0; oh < OH; oh++)
        for (let ow = 0; ow < OW; ow++) {
          let s = 0;
          for (let c = 0; c < Cg; c++)
            for (let i = 0; i < KH; i++)
              for (let j = 0; j < KW; j++) {
                const h = oh * o.stride[0] - o.padding[0] + i * o.dilation[0];
                const ww = ow * o.stride[1] - o.padding[1] + j * o.dilation[1];
                if (h < 0 || h >= H || ww < 0 || ww >= W) continue;
                s += x[((n * C + g * Cg + c) * H + h) * W + ww] * w[((oc * Cg + c) * KH + i) * KW + j];
              }
          out[((n * O + oc) * OH + oh) * OW + ow] = s;
        }
    }
  return { out, shape: [N, O, OH, OW] };
}

/**
 * Pooling straight from PyTorch's definition: output size with the ceil-mode rule, windows clipped
 * to the input, divisor per countIncludePad (clipped to input + padding).
 */
export function refPool2d(
  kind: 'max' | 'avg',
  x: ArrayLike<number>,
  xs: number[],
  k: number,
  s: number,
  p: number,
  ceil: boolean,
  includePad = true,
): { out: number[]; shape: number[] } {
  const [N, C, H, W] = xs;
  const size = (L: number) => {
    let o = (ceil ? Math.ceil((L + 2 * p - k) / s) : Math.floor((L + 2 * p - k) / s)) + 1;
    if (ceil && (o - 1) * s >= L + p) o--;
    return o;
  };
  const OH = size(H);
  const OW = size(W);
  const out: number[] = [];
  for (let nc = 0; nc < N * C; nc++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++) {
        const h0 = oh * s - p;
        const w0 = ow * s - p;
        const h1 = Math.min(h0 + k, H + p);
        const w1 = Math.min(w0 + k, W + p);
        let m = Number.NEGATIVE_INFINITY;
        let sum = 0;
        let cnt = 0;
        for (let h = Math.max(h0, 0); h < Math.min(h1, H); h++)
          for (let w = Math.max(w0, 0); w < Math.min(w1, W); w++) {
            const v = x[(nc * H + h) * W + w];
            if (v > m || Number.isNaN(v)) m = Number.isNaN(m) ? m : v;
            sum += v;
            cnt++;
          }
        out.push(kind === 'max' ? m : sum / (includePad ? (h1 - h0) * (w1 - w0) : cnt));
      }
  return { out, shape: [N, C, OH, OW] };
}

export function refAdaptive(
  kind: 'max' | 'avg',
  x: ArrayLike<number>,
  xs: number[],
  OH: number,
  OW: number,
): number[] {
  const [N, C, H, W] = xs;
  const out: number[] = [];
  for (let nc = 0; nc < N * C; nc++)
    for (let i = 0; i < OH; i++)
      for (let j = 0; j < OW; j++) {
        const hs = Math.floor((i * H) / OH);
        const he = Math.ceil(((i + 1) * H) / OH);
        const ws = Math.floor((j * W) / OW);
        const we = Math.ceil(((j + 1) * W) / OW);
        const vals: number[] = [];
        for (let h = hs; h < he; h++) for (let w = ws; w < we; w++) vals.push(x[(nc * H + h) * W + w]);
        out.push(kind === 'max' ? Math.max(...vals) : vals.reduce((a, b) => a + b, 0) / vals.length);
      }
  return out;
}
