/**
 * Max and average pooling over N*C independent planes, with windows precomputed by the front end
 * (`PoolWindows`): output (oh, ow) covers input rows [hStart[oh], hEnd[oh]) and columns
 * [wStart[ow], wEnd[ow]), already clipped to the image. One description serves kernel/stride/padding
 * pooling, ceil mode, `countIncludePad` (through hCount/wCount) and adaptive pooling.
 *
 * Shapes: x and dx [N, C, H, W]; y and dy [N, C, OH, OW]; argmax int32 [N, C, OH, OW] holding the
 * flat in-plane index h * W + w of the chosen input. Outputs are overwritten.
 */
import type { FloatArray, PoolWindows } from '../../../backend.js';

function checkPool(op: string, p: PoolWindows, arrays: [string, ArrayLike<number>, number][]): void {
  if (p.hStart.length < p.OH || p.hEnd.length < p.OH || p.hCount.length < p.OH) {
    throw new Error(`${op}: row windows describe fewer than OH=${p.OH} outputs`);
  }
  if (p.wStart.length < p.OW || p.wEnd.length < p.OW || p.wCount.length < p.OW) {
    throw new Error(`${op}: column windows describe fewer than OW=${p.OW} outputs`);
  }
  for (const [name, arr, need] of arrays) {
    if (arr.length < need) throw new Error(`${op}: ${name} has ${arr.length} elements, windows need ${need}`);
  }
}

/**
 * y = max over each window; argmax = in-plane index of the chosen input. The first maximum in
 * row-major window order wins ties, and a NaN anywhere in the window is selected (the first one),
 * as in PyTorch, so NaN propagates instead of being skipped by the comparison.
 *
 * @example
 * // one 2x2 plane, one window covering it: y = [4], argmax = [3]
 * maxPool2dForward(new Float32Array([1, 2, 3, 4]), y, argmax, windows);
 */
export function maxPool2dForward(x: FloatArray, y: FloatArray, argmax: Int32Array, p: PoolWindows): void {
  const { N, C, H, W, OH, OW, hStart, hEnd, wStart, wEnd } = p;
  const planes = N * C;
  checkPool('maxPool2dForward', p, [
    ['x', x, planes * H * W],
    ['y', y, planes * OH * OW],
    ['argmax', argmax, planes * OH * OW],
  ]);
  let o = 0;
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * H * W;
    for (let oh = 0; oh < OH; oh++) {
      const h0 = hStart[oh];
      const h1 = hEnd[oh];
      for (let ow = 0; ow < OW; ow++, o++) {
        const w0 = wStart[ow];
        const w1 = wEnd[ow];
        let best = Number.NEGATIVE_INFINITY;
        let bestIdx = h0 * W + w0;
        search: for (let h = h0; h < h1; h++) {
          const row = h * W;
          for (let w = w0; w < w1; w++) {
            const v = x[base + row + w];
            if (v > best) {
              best = v;
              bestIdx = row + w;
            } else if (Number.isNaN(v)) {
              // NaN: select it and stop, nothing can replace it.
              best = v;
              bestIdx = row + w;
              break search;
            }
          }
        }
        y[o] = best;
        argmax[o] = bestIdx;
      }
    }
  }
}

/**
 * dx = 0, then dx[plane, argmax] += dy for every output (overlapping windows accumulate).
 *
 * @example
 * maxPool2dBackward(dy, argmax, dx, windows); // dx has the input's shape
 */
export function maxPool2dBackward(dy: FloatArray, argmax: Int32Array, dx: FloatArray, p: PoolWindows): void {
  const { N, C, H, W, OH, OW } = p;
  const planes = N * C;
  const plane = H * W;
  const outPlane = OH * OW;
  checkPool('maxPool2dBackward', p, [
    ['dy', dy, planes * outPlane],
    ['argmax', argmax, planes * outPlane],
    ['dx', dx, planes * plane],
  ]);
  dx.fill(0, 0, planes * plane);
  let o = 0;
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * plane;
    for (let s = 0; s < outPlane; s++, o++) {
      const idx = argmax[o];
      if (idx < 0 || idx >= plane) {
        throw new Error(`maxPool2dBackward: argmax ${idx} at output ${o} is outside the ${H}x${W} plane`);
      }
      dx[base + idx] += dy[o];
    }
  }
}

/**
 * y = (sum over the window) / (hCount[oh] * wCount[ow]).
 *
 * @example
 * // one 2x2 plane, one window covering it with counts 2 and 2: y = [2.5]
 * avgPool2dForward(new Float32Array([1, 2, 3, 4]), y, windows);
 */
export function avgPool2dForward(x: FloatArray, y: FloatArray, p: PoolWindows): void {
  const { N, C, H, W, OH, OW, hStart, hEnd, wStart, wEnd, hCount, wCount } = p;
  const planes = N * C;
  checkPool('avgPool2dForward', p, [
    ['x', x, planes * H * W],
    ['y', y, planes * OH * OW],
  ]);
  let o = 0;
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * H * W;
    for (let oh = 0; oh < OH; oh++) {
      const h0 = hStart[oh];
      const h1 = hEnd[oh];
      const hc = hCount[oh];
      for (let ow = 0; ow < OW; ow++, o++) {
        const w0 = wStart[ow];
        const w1 = wEnd[ow];
        let sum = 0;
        for (let h = h0; h < h1; h++) {
          const row = base + h * W;
          for (let w = w0; w < w1; w++) sum += x[row + w];
        }
        y[o] = sum / (hc * wCount[ow]);
      }
    }
  }
}

/**
 * dx = 0, then every input in the window of output (oh, ow) receives dy / (hCount[oh] * wCount[ow]).
 *
 * @example
 * avgPool2dBackward(dy, dx, windows); // dx has the input's shape
 */
export function avgPool2dBackward(dy: FloatArray, dx: FloatArray, p: PoolWindows): void {
  const { N, C, H, W, OH, OW, hStart, hEnd, wStart, wEnd, hCount, wCount } = p;
  const planes = N * C;
  checkPool('avgPool2dBackward', p, [
    ['dy', dy, planes * OH * OW],
    ['dx', dx, planes * H * W],
  ]);
  dx.fill(0, 0, planes * H * W);
  let o = 0;
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * H * W;
    for (let oh = 0; oh < OH; oh++) {
      const h0 = hStart[oh];
      const h1 = hEnd[oh];
      const hc = hCount[oh];
      for (let ow = 0; ow < OW; ow++, o++) {
        const w0 = wStart[ow];
        const w1 = wEnd[ow];
        const v = dy[o] / (hc * wCount[ow]);
        for (let h = h0; h < h1; h++) {
          const row = base + h * W;
          for (let w = w0; w < w1; w++) dx[row + w] += v;
        }
      }
    }
  }
}
