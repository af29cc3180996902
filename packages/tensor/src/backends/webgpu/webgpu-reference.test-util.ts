/**
 * Naive float64 reference implementations and small helpers for the WebGPU kernel tests. They are
 * written independently of the CPU backend (plain loops straight from the definitions) so that the two
 * backends are checked against a third implementation, not against each other.
 */
import type { Conv2dGeometry, PoolWindows } from '../../backend.js';

/** Deterministic pseudo-random data in [-1, 1) (a small LCG; not the Philox stream). */
export function data(n: number, seed = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 4294967296) * 2 - 1;
  }
  return out;
}

/** Batched matmul of contiguous a [B,M,K] and b [B,K,N] in float64. */
export function matmulRef(
  a: Float32Array,
  b: Float32Array,
  B: number,
  M: number,
  K: number,
  N: number,
): Float64Array {
  const out = new Float64Array(B * M * N);
  for (let z = 0; z < B; z++)
    for (let m = 0; m < M; m++)
      for (let n = 0; n < N; n++) {
        let acc = 0;
        for (let k = 0; k < K; k++)
          acc += (a[(z * M + m) * K + k] as number) * (b[(z * K + k) * N + n] as number);
        out[(z * M + m) * N + n] = acc;
      }
  return out;
}

/** Element of a strided array. */
export function at(
  a: ArrayLike<number>,
  shape: readonly number[],
  strides: readonly number[],
  offset: number,
  flat: number,
): number {
  let rem = flat;
  let off = offset;
  for (let d = shape.length - 1; d >= 0; d--) {
    const s = shape[d] as number;
    off += (rem % s) * (strides[d] as number);
    rem = Math.floor(rem / s);
  }
  return a[off] as number;
}

export function geometry(
  p: Partial<Conv2dGeometry> & Pick<Conv2dGeometry, 'N' | 'C' | 'H' | 'W' | 'O' | 'KH' | 'KW'>,
): Conv2dGeometry {
  const strideH = p.strideH ?? 1;
  const strideW = p.strideW ?? 1;
  const padH = p.padH ?? 0;
  const padW = p.padW ?? 0;
  const dilationH = p.dilationH ?? 1;
  const dilationW = p.dilationW ?? 1;
  const OH = Math.floor((p.H + 2 * padH - dilationH * (p.KH - 1) - 1) / strideH) + 1;
  const OW = Math.floor((p.W + 2 * padW - dilationW * (p.KW - 1) - 1) / strideW) + 1;
  return { groups: 1, ...p, strideH, strideW, padH, padW, dilationH, dilationW, OH, OW };
}

/** Direct convolution (float64), returning y [N, O, OH, OW]. */
export function convRef(x: Float32Array, w: Float32Array, g: Conv2dGeometry): Float64Array {
  const Cg = g.C / g.groups;
  const Og = g.O / g.groups;
  const y = new Float64Array(g.N * g.O * g.OH * g.OW);
  for (let n = 0; n < g.N; n++)
    for (let o = 0; o < g.O; o++) {
      const grp = Math.floor(o / Og);
      for (let oh = 0; oh < g.OH; oh++)
        for (let ow = 0; ow < g.OW; ow++) {
          let acc = 0;
          for (let c = 0; c < Cg; c++)
            for (let kh = 0; kh < g.KH; kh++)
              for (let kw = 0; kw < g.KW; kw++) {
                const ih = oh * g.strideH - g.padH + kh * g.dilationH;
                const iw = ow * g.strideW - g.padW + kw * g.dilationW;
                if (ih < 0 || iw < 0 || ih >= g.H || iw >= g.W) continue;
                acc +=
                  (x[((n * g.C + grp * Cg + c) * g.H + ih) * g.W + iw] as number) *
                  (w[((o * Cg + c) * g.KH + kh) * g.KW + kw] as number);
              }
          y[((n * g.O + o) * g.OH + oh) * g.OW + ow] = acc;
        }
    }
  return y;
}

/** Gradients of sum(y * dy) w.r.t. x and w by the same direct loops (float64). */
export function convGradRef(
  x: Float32Array,
  w: Float32Array,
  dy: Float32Array,
  g: Conv2dGeometry,
): { dx: Float64Array; dw: Float64Array } {
  const Cg = g.C / g.groups;
  const Og = g.O / g.groups;
  const dx = new Float64Array(x.length);
  const dw = new Float64Array(w.length);
  for (let n = 0; n < g.N; n++)
    for (let o = 0; o < g.O; o++) {
      const grp = Math.floor(o / Og);
      for (let oh = 0; oh < g.OH; oh++)
        for (let ow = 0; ow < g.OW; ow++) {
          const d = dy[((n * g.O + o) * g.OH + oh) * g.OW + ow] as number;
          for (let c = 0; c < Cg; c++)
            for (let kh = 0; kh < g.KH; kh++)
              for (let kw = 0; kw < g.KW; kw++) {
                const ih = oh * g.strideH - g.padH + kh * g.dilationH;
                const iw = ow * g.strideW - g.padW + kw * g.dilationW;
                if (ih < 0 || iw < 0 || ih >= g.H || iw >= g.W) continue;
                const xi = ((n * g.C + grp * Cg + c) * g.H + ih) * g.W + iw;
                const wi = ((o * Cg + c) * g.KH + kh) * g.KW + kw;
                dx[xi] = (dx[xi] as number) + d * (w[wi] as number);
                dw[wi] = (dw[wi] as number) + d * (x[xi] as number);
              }
        }
    }
  return { dx, dw };
}

/** PoolWindows of a kernel/stride/padding pooling (windows clipped to the input). */
export function poolWindows(
  N: number,
  C: number,
  H: number,
  W: number,
  k: number,
  s: number,
  pad: number,
): PoolWindows {
  const axis = (size: number) => {
    const out = Math.floor((size + 2 * pad - k) / s) + 1;
    const start = new Int32Array(out);
    const end = new Int32Array(out);
    const count = new Int32Array(out);
    for (let o = 0; o < out; o++) {
      const a = o * s - pad;
      start[o] = Math.max(0, a);
      end[o] = Math.min(size, a + k);
      count[o] = k; // countIncludePad = true
    }
    return { out, start, end, count };
  };
  const h = axis(H);
  const w = axis(W);
  return {
    N,
    C,
    H,
    W,
    OH: h.out,
    OW: w.out,
    hStart: h.start,
    hEnd: h.end,
    wStart: w.start,
    wEnd: w.end,
    hCount: h.count,
    wCount: w.count,
  };
}

/** Max |a - b| / (atol + rtol |b|) <= 1 elementwise; returns the first offending index or -1. */
export function firstMismatch(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  rtol: number,
  atol: number,
): number {
  if (a.length !== b.length) return -2;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    if (x === y) continue;
    if (Number.isNaN(y) ? !Number.isNaN(x) : !(Math.abs(x - y) <= atol + rtol * Math.abs(y))) return i;
  }
  return -1;
}
