/**
 * im2col / col2im for one image and one channel group, restricted to a band of output rows so the
 * column buffer stays small (a 224x224 image would otherwise need K x 50176 elements).
 *
 * Layout of the column matrix: row r = (c * KH + kh) * KW + kw (c within the group), column
 * s = (oh - oh0) * OW + ow, so `col[r * ld + s]` is the input pixel that kernel tap (c, kh, kw) sees
 * for output (oh, ow), or 0 where the tap falls into the padding. With this layout
 * conv2d = W_g [Og, K] x col [K, OH*OW] is a plain GEMM.
 */
import type { Conv2dGeometry, FloatArray } from '../../../backend.js';

/**
 * Output-column range with an in-bounds tap: first ow whose input column ow * stride - pad + kOff is >= 0, and one past the last whose input column
 * is < W; clamped to [0, OW]. Computing the valid range once per row removes the bounds test from the
 * inner loop.
 */
export function validRange(
  OW: number,
  stride: number,
  pad: number,
  kOff: number,
  W: number,
): [number, number] {
  const shift = pad - kOff; // iw = ow * stride - shift
  let lo = shift > 0 ? Math.ceil(shift / stride) : 0;
  let hi = Math.floor((W - 1 + shift) / stride) + 1;
  if (W - 1 + shift < 0) hi = 0;
  if (lo > OW) lo = OW;
  if (hi > OW) hi = OW;
  if (hi < lo) hi = lo;
  return [lo, hi];
}

/**
 * Fills `col` (leading dimension `ld`) with the taps of `cg` channels of one image starting at
 * `x[xOff]` ([cg, H, W] contiguous), for output rows [oh0, oh1).
 *
 * @example
 * // 1 channel 3x3 image, 2x2 kernel, stride 1, no padding: col is 4 x 4
 * im2col(x, 0, 1, g, 0, 2, col, 4);
 */
export function im2col(
  x: FloatArray,
  xOff: number,
  cg: number,
  g: Conv2dGeometry,
  oh0: number,
  oh1: number,
  col: FloatArray,
  ld: number,
): void {
  const { H, W, KH, KW, OW, strideH, strideW, padH, padW, dilationH, dilationW } = g;
  let r = 0;
  for (let c = 0; c < cg; c++) {
    const plane = xOff + c * H * W;
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++, r++) {
        const [lo, hi] = validRange(OW, strideW, padW, kw * dilationW, W);
        const iw0 = kw * dilationW - padW;
        let d = r * ld;
        for (let oh = oh0; oh < oh1; oh++, d += OW) {
          const ih = oh * strideH - padH + kh * dilationH;
          if (ih < 0 || ih >= H) {
            col.fill(0, d, d + OW);
            continue;
          }
          const rowBase = plane + ih * W + iw0;
          for (let ow = 0; ow < lo; ow++) col[d + ow] = 0;
          if (strideW === 1) {
            for (let ow = lo; ow < hi; ow++) col[d + ow] = x[rowBase + ow];
          } else {
            for (let ow = lo; ow < hi; ow++) col[d + ow] = x[rowBase + ow * strideW];
          }
          for (let ow = hi; ow < OW; ow++) col[d + ow] = 0;
        }
      }
    }
  }
}

/**
 * The adjoint of {@link im2col}: adds every column entry back onto the input pixel it was read from
 * (taps in the padding are dropped). `dx[dxOff]` is [cg, H, W] and is accumulated into, not cleared.
 *
 * @example
 * col2imAdd(dcol, 4, 1, g, 0, 2, dx, 0);
 */
export function col2imAdd(
  col: FloatArray,
  ld: number,
  cg: number,
  g: Conv2dGeometry,
  oh0: number,
  oh1: number,
  dx: FloatArray,
  dxOff: number,
): void {
  const { H, W, KH, KW, OW, strideH, strideW, padH, padW, dilationH, dilationW } = g;
  let r = 0;
  for (let c = 0; c < cg; c++) {
    const plane = dxOff + c * H * W;
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++, r++) {
        const [lo, hi] = validRange(OW, strideW, padW, kw * dilationW, W);
        const iw0 = kw * dilationW - padW;
        let d = r * ld;
        for (let oh = oh0; oh < oh1; oh++, d += OW) {
          const ih = oh * strideH - padH + kh * dilationH;
          if (ih < 0 || ih >= H) continue;
          const rowBase = plane + ih * W + iw0;
          if (strideW === 1) {
            for (let ow = lo; ow < hi; ow++) dx[rowBase + ow] += col[d + ow];
          } else {
            for (let ow = lo; ow < hi; ow++) dx[rowBase + ow * strideW] += col[d + ow];
          }
        }
      }
    }
  }
}
