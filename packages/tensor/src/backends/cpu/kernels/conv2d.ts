/**
 * 2-D convolution (cross-correlation, as in PyTorch and the paper's networks) for the JS reference
 * backend: forward, gradient with respect to the input and gradient with respect to the weight.
 *
 * All three reduce to GEMMs over an im2col matrix (see ./im2col.ts) per image and channel group:
 *   forward:         y_g[Og, S]  = W_g[Og, K] x col[K, S]
 *   backward input:  dcol[K, S]  = W_g^T[K, Og] x dy_g[Og, S],  then col2im adds dcol into dx
 *   backward weight: dW_g[Og, K] += dy_g[Og, S] x col^T[S, K]   (summed over images)
 * with K = (C / groups) * KH * KW and S a band of output positions (bands keep the column buffer
 * under COL_BUDGET elements). A 1x1, stride-1, unpadded convolution needs no im2col: the input plane
 * already is the column matrix. Depthwise-like groups (one input and one output channel per group)
 * take a direct loop instead, because a GEMM with one row wastes the 4x4 micro-kernel.
 *
 * Shapes: x [N, C, H, W], w [O, C/groups, KH, KW], y and dy [N, O, OH, OW], all contiguous at offset 0.
 * Outputs are overwritten, never accumulated into.
 */
import type { Conv2dGeometry, FloatArray } from '../../../backend.js';
import { depthwiseBackwardInput, depthwiseBackwardWeight, depthwiseForward } from './depthwise.js';
import { gemm } from './gemm.js';
import { col2imAdd, im2col } from './im2col.js';
import { scratchLike } from './scratch.js';

/** Largest column buffer (elements) one band may use: 8 MiB in float64. */
const COL_BUDGET = 1 << 20;

function checkSizes(op: string, g: Conv2dGeometry, arrays: [string, FloatArray, number][]): void {
  const { C, O, groups } = g;
  if (groups < 1 || C % groups !== 0 || O % groups !== 0) {
    throw new Error(`${op}: groups=${groups} must divide C=${C} and O=${O}`);
  }
  for (const [name, arr, need] of arrays) {
    if (arr.length < need) {
      throw new Error(`${op}: ${name} has ${arr.length} elements, geometry needs ${need}`);
    }
  }
}

function isPointwise(g: Conv2dGeometry): boolean {
  return (
    g.KH === 1 &&
    g.KW === 1 &&
    g.strideH === 1 &&
    g.strideW === 1 &&
    g.padH === 0 &&
    g.padW === 0 &&
    g.OH === g.H &&
    g.OW === g.W
  );
}

/** Output rows per im2col band for a column matrix with k rows. */
function bandRows(g: Conv2dGeometry, k: number): number {
  return Math.max(1, Math.min(g.OH, Math.floor(COL_BUDGET / (k * Math.max(1, g.OW)))));
}

/**
 * The column matrix of x, per image n and group gi, in bands of output rows: calls
 * `visit(col, colOff, s, oh0, n, gi)` where col[colOff + r * s + j] (r < k, j < s) is im2col row r
 * at output position oh0 * OW + j. A pointwise convolution passes the input plane itself (one band,
 * s = OH * OW); otherwise bands of `bandRows` rows are expanded into a reused scratch buffer.
 */
function forEachColumnBand(
  x: FloatArray,
  g: Conv2dGeometry,
  k: number,
  visit: (col: FloatArray, colOff: number, s: number, oh0: number, n: number, gi: number) => void,
): void {
  const { N, C, H, W, OH, OW, groups } = g;
  const cg = C / groups;
  const pointwise = isPointwise(g);
  const rows = bandRows(g, k);
  const col = pointwise ? x : scratchLike(x, 'conv:col', k * rows * OW);
  for (let n = 0; n < N; n++) {
    for (let gi = 0; gi < groups; gi++) {
      const xOff = (n * C + gi * cg) * H * W;
      if (pointwise) {
        visit(x, xOff, OH * OW, 0, n, gi);
        continue;
      }
      for (let oh0 = 0; oh0 < OH; oh0 += rows) {
        const oh1 = Math.min(OH, oh0 + rows);
        const s = (oh1 - oh0) * OW;
        im2col(x, xOff, cg, g, oh0, oh1, col, s);
        visit(col, 0, s, oh0, n, gi);
      }
    }
  }
}

/**
 * y = conv2d(x, w) with the geometry's stride, padding, dilation and groups (no bias).
 *
 * @example
 * // 1 image, 1 channel 3x3, one 2x2 kernel of ones, stride 1, no padding -> 2x2 output of window sums
 * conv2dForward(x, w, y, { N: 1, C: 1, H: 3, W: 3, O: 1, KH: 2, KW: 2, OH: 2, OW: 2, strideH: 1,
 *   strideW: 1, padH: 0, padW: 0, dilationH: 1, dilationW: 1, groups: 1 });
 */
export function conv2dForward(x: FloatArray, w: FloatArray, y: FloatArray, g: Conv2dGeometry): void {
  const { N, C, H, W, O, KH, KW, OH, OW, groups } = g;
  checkSizes('conv2dForward', g, [
    ['x', x, N * C * H * W],
    ['w', w, O * (C / groups) * KH * KW],
    ['y', y, N * O * OH * OW],
  ]);
  const cg = C / groups;
  const og = O / groups;
  const k = cg * KH * KW;
  const S = OH * OW;
  if (N * S === 0 || O === 0) return;
  if (k === 0) {
    y.fill(0, 0, N * O * S);
    return;
  }
  if (cg === 1 && og === 1) {
    depthwiseForward(x, w, y, g);
    return;
  }
  // y_g[og, band] = W_g[og, k] x col[k, band]
  forEachColumnBand(x, g, k, (col, colOff, s, oh0, n, gi) =>
    gemm(og, s, k, w, gi * og * k, k, 1, col, colOff, s, 1, y, (n * O + gi * og) * S + oh0 * OW, S, 0),
  );
}

/**
 * dx = dL/dx given dy = dL/dy and the weight: the transposed convolution of dy.
 *
 * @example
 * conv2dBackwardInput(dy, w, dx, g); // dx has x's shape [N, C, H, W]
 */
export function conv2dBackwardInput(dy: FloatArray, w: FloatArray, dx: FloatArray, g: Conv2dGeometry): void {
  const { N, C, H, W, O, KH, KW, OH, OW, groups } = g;
  checkSizes('conv2dBackwardInput', g, [
    ['dy', dy, N * O * OH * OW],
    ['w', w, O * (C / groups) * KH * KW],
    ['dx', dx, N * C * H * W],
  ]);
  const cg = C / groups;
  const og = O / groups;
  const k = cg * KH * KW;
  const S = OH * OW;
  if (N * C * H * W === 0) return;
  if (S === 0 || og === 0) {
    dx.fill(0, 0, N * C * H * W);
    return;
  }
  if (cg === 1 && og === 1) {
    depthwiseBackwardInput(dy, w, dx, g);
    return;
  }
  const pointwise = isPointwise(g);
  // col2im accumulates, so the general path starts from zero; the pointwise GEMM overwrites.
  if (!pointwise) dx.fill(0, 0, N * C * H * W);
  const rows = bandRows(g, k);
  const dcol = pointwise ? dx : scratchLike(dy, 'conv:col', k * rows * OW);
  for (let n = 0; n < N; n++) {
    for (let gi = 0; gi < groups; gi++) {
      const dxOff = (n * C + gi * cg) * H * W;
      const dyOff = (n * O + gi * og) * S;
      const wOff = gi * og * k;
      if (pointwise) {
        // dx_g[cg, S] = W_g^T[cg, og] x dy_g[og, S]
        gemm(cg, S, og, w, wOff, 1, k, dy, dyOff, S, 1, dx, dxOff, S, 0);
        continue;
      }
      for (let oh0 = 0; oh0 < OH; oh0 += rows) {
        const oh1 = Math.min(OH, oh0 + rows);
        const s = (oh1 - oh0) * OW;
        gemm(k, s, og, w, wOff, 1, k, dy, dyOff + oh0 * OW, S, 1, dcol, 0, s, 0);
        col2imAdd(dcol, s, cg, g, oh0, oh1, dx, dxOff);
      }
    }
  }
}

/**
 * dw = dL/dw given the forward input x and dy = dL/dy, summed over the batch.
 *
 * @example
 * conv2dBackwardWeight(x, dy, dw, g); // dw has w's shape [O, C/groups, KH, KW]
 */
export function conv2dBackwardWeight(x: FloatArray, dy: FloatArray, dw: FloatArray, g: Conv2dGeometry): void {
  const { N, C, H, W, O, KH, KW, OH, OW, groups } = g;
  checkSizes('conv2dBackwardWeight', g, [
    ['x', x, N * C * H * W],
    ['dy', dy, N * O * OH * OW],
    ['dw', dw, O * (C / groups) * KH * KW],
  ]);
  const cg = C / groups;
  const og = O / groups;
  const k = cg * KH * KW;
  const S = OH * OW;
  dw.fill(0, 0, O * k);
  if (N * S === 0 || k === 0 || O === 0) return;
  if (cg === 1 && og === 1) {
    depthwiseBackwardWeight(x, dy, dw, g);
    return;
  }
  // dW_g[og, k] += dy_g[og, band] x col^T[band, k]
  forEachColumnBand(x, g, k, (col, colOff, s, oh0, n, gi) =>
    gemm(og, k, s, dy, (n * O + gi * og) * S + oh0 * OW, S, 1, col, colOff, 1, s, dw, gi * og * k, k, 1),
  );
}
