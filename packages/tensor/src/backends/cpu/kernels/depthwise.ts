/**
 * Direct kernels for convolutions whose groups have one input and one output channel each
 * (depthwise convolution, groups = C = O). Here the im2col GEMM would be a 1-row matrix product,
 * which wastes three quarters of the 4x4 micro-kernel and copies every pixel KH*KW times; a direct
 * loop over kernel taps touches each plane KH*KW times in unit stride instead.
 *
 * Sums are accumulated in a float64 plane and rounded once, matching the GEMM path's accuracy.
 */
import type { Conv2dGeometry, FloatArray } from '../../../backend.js';
import { validRange } from './im2col.js';
import { scratchF64 } from './scratch.js';

/**
 * y[n, c] = sum over taps of w[c, kh, kw] * shifted x[n, c] (groups = C = O).
 *
 * @example
 * depthwiseForward(x, w, y, g); // x [N, C, H, W], w [C, 1, KH, KW], y [N, C, OH, OW]
 */
export function depthwiseForward(x: FloatArray, w: FloatArray, y: FloatArray, g: Conv2dGeometry): void {
  const { N, C, H, W, KH, KW, OH, OW, strideH, strideW, padH, padW, dilationH, dilationW } = g;
  const S = OH * OW;
  const acc = scratchF64('depthwise:acc', S);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const xp = (n * C + c) * H * W;
      acc.fill(0, 0, S);
      for (let kh = 0; kh < KH; kh++) {
        for (let kw = 0; kw < KW; kw++) {
          const wv = w[(c * KH + kh) * KW + kw];
          const [lo, hi] = validRange(OW, strideW, padW, kw * dilationW, W);
          const iw0 = kw * dilationW - padW;
          for (let oh = 0; oh < OH; oh++) {
            const ih = oh * strideH - padH + kh * dilationH;
            if (ih < 0 || ih >= H) continue;
            const rb = xp + ih * W + iw0;
            const ob = oh * OW;
            for (let ow = lo; ow < hi; ow++) acc[ob + ow] += wv * x[rb + ow * strideW];
          }
        }
      }
      const yp = (n * C + c) * S;
      for (let s = 0; s < S; s++) y[yp + s] = acc[s];
    }
  }
}

/**
 * dx[n, c] = sum over taps of w[c, kh, kw] * dy[n, c] scattered back to the tapped pixels.
 *
 * @example
 * depthwiseBackwardInput(dy, w, dx, g); // dx [N, C, H, W] is overwritten
 */
export function depthwiseBackwardInput(
  dy: FloatArray,
  w: FloatArray,
  dx: FloatArray,
  g: Conv2dGeometry,
): void {
  const { N, C, H, W, KH, KW, OH, OW, strideH, strideW, padH, padW, dilationH, dilationW } = g;
  const P = H * W;
  const acc = scratchF64('depthwise:acc', P);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const dyp = (n * C + c) * OH * OW;
      acc.fill(0, 0, P);
      for (let kh = 0; kh < KH; kh++) {
        for (let kw = 0; kw < KW; kw++) {
          const wv = w[(c * KH + kh) * KW + kw];
          const [lo, hi] = validRange(OW, strideW, padW, kw * dilationW, W);
          const iw0 = kw * dilationW - padW;
          for (let oh = 0; oh < OH; oh++) {
            const ih = oh * strideH - padH + kh * dilationH;
            if (ih < 0 || ih >= H) continue;
            const rb = ih * W + iw0;
            const ob = dyp + oh * OW;
            for (let ow = lo; ow < hi; ow++) acc[rb + ow * strideW] += wv * dy[ob + ow];
          }
        }
      }
      const xp = (n * C + c) * P;
      for (let s = 0; s < P; s++) dx[xp + s] = acc[s];
    }
  }
}

/**
 * dw[c, 0, kh, kw] = sum over images and outputs of dy[n, c, oh, ow] * tapped x[n, c].
 *
 * @example
 * depthwiseBackwardWeight(x, dy, dw, g); // dw [C, 1, KH, KW] is overwritten
 */
export function depthwiseBackwardWeight(
  x: FloatArray,
  dy: FloatArray,
  dw: FloatArray,
  g: Conv2dGeometry,
): void {
  const { N, C, H, W, KH, KW, OH, OW, strideH, strideW, padH, padW, dilationH, dilationW } = g;
  for (let c = 0; c < C; c++) {
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++) {
        const [lo, hi] = validRange(OW, strideW, padW, kw * dilationW, W);
        const iw0 = kw * dilationW - padW;
        let sum = 0;
        for (let n = 0; n < N; n++) {
          const xp = (n * C + c) * H * W;
          const dyp = (n * C + c) * OH * OW;
          for (let oh = 0; oh < OH; oh++) {
            const ih = oh * strideH - padH + kh * dilationH;
            if (ih < 0 || ih >= H) continue;
            const rb = xp + ih * W + iw0;
            const ob = dyp + oh * OW;
            for (let ow = lo; ow < hi; ow++) sum += dy[ob + ow] * x[rb + ow * strideW];
          }
        }
        dw[(c * KH + kh) * KW + kw] = sum;
      }
    }
  }
}
