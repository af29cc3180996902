/**
 * Pure-JS separable resampling with a triangle (bilinear) kernel widened for downscaling, so that
 * shrinking averages over the covered pixels (like PIL's antialiased bilinear). Used where no native
 * resizer exists (browser path, packed raw records).
 */

/** An 8-bit RGB image, HWC, 3 channels. */
export interface RGBImage {
  data: Uint8Array;
  width: number;
  height: number;
}

interface Taps {
  start: Int32Array;
  count: Int32Array;
  weights: Float32Array;
  maxTaps: number;
}

/** Filter taps mapping out pixels [0, outN) onto the source interval [x0, x0 + len) of [0, srcN). */
function taps(srcN: number, x0: number, len: number, outN: number): Taps {
  const step = len / outN;
  const support = Math.max(1, step); // triangle half-width in source pixels
  const maxTaps = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outN);
  const count = new Int32Array(outN);
  const weights = new Float32Array(outN * maxTaps);
  for (let o = 0; o < outN; o++) {
    const center = x0 + (o + 0.5) * step - 0.5;
    let lo = Math.ceil(center - support);
    let hi = Math.floor(center + support);
    if (hi - lo + 1 > maxTaps) hi = lo + maxTaps - 1;
    let sum = 0;
    const tmp: number[] = [];
    for (let i = lo; i <= hi; i++) {
      const w = Math.max(0, 1 - Math.abs(i - center) / support);
      tmp.push(w);
      sum += w;
    }
    if (sum === 0) {
      // Degenerate (support hits no integer): nearest pixel.
      lo = Math.round(center);
      hi = lo;
      tmp.length = 0;
      tmp.push(1);
      sum = 1;
    }
    // Clamp at the edges by folding out-of-range taps onto the border pixel.
    const first = Math.max(0, Math.min(srcN - 1, lo));
    const last = Math.max(0, Math.min(srcN - 1, hi));
    start[o] = first;
    count[o] = last - first + 1;
    for (let i = lo; i <= hi; i++) {
      const k = Math.max(0, Math.min(srcN - 1, i)) - first;
      weights[o * maxTaps + k] += tmp[i - lo] / sum;
    }
  }
  return { start, count, weights, maxTaps };
}

/**
 * Resamples the source rectangle (x0, y0, w, h) (fractional, in source pixels) to outW x outH.
 * @returns a new RGB image of outW x outH
 * @example resampleRGB(img, 0, 0, img.width, img.height, 224, 224) // plain resize
 */
export function resampleRGB(
  img: RGBImage,
  x0: number,
  y0: number,
  w: number,
  h: number,
  outW: number,
  outH: number,
): RGBImage {
  const { data, width: sw, height: sh } = img;
  if (data.length < sw * sh * 3)
    throw new Error(`resampleRGB: data has ${data.length} bytes, need ${sw * sh * 3}`);
  if (!(outW >= 1 && outH >= 1 && w > 0 && h > 0))
    throw new Error(`resampleRGB: bad sizes ${w}x${h} -> ${outW}x${outH}`);
  const tx = taps(sw, x0, w, outW);
  const ty = taps(sh, y0, h, outH);
  // Rows of the source that the vertical pass needs.
  let rowLo = sh;
  let rowHi = -1;
  for (let o = 0; o < outH; o++) {
    rowLo = Math.min(rowLo, ty.start[o]);
    rowHi = Math.max(rowHi, ty.start[o] + ty.count[o] - 1);
  }
  const rows = rowHi - rowLo + 1;
  const mid = new Float32Array(rows * outW * 3);
  for (let r = 0; r < rows; r++) {
    const srow = (rowLo + r) * sw * 3;
    const mrow = r * outW * 3;
    for (let o = 0; o < outW; o++) {
      const s = tx.start[o];
      const cnt = tx.count[o];
      const wo = o * tx.maxTaps;
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      for (let k = 0; k < cnt; k++) {
        const wk = tx.weights[wo + k];
        const p = srow + (s + k) * 3;
        a0 += data[p] * wk;
        a1 += data[p + 1] * wk;
        a2 += data[p + 2] * wk;
      }
      mid[mrow + o * 3] = a0;
      mid[mrow + o * 3 + 1] = a1;
      mid[mrow + o * 3 + 2] = a2;
    }
  }
  const out = new Uint8Array(outW * outH * 3);
  const rowLen = outW * 3;
  for (let o = 0; o < outH; o++) {
    const s = ty.start[o] - rowLo;
    const cnt = ty.count[o];
    const wo = o * ty.maxTaps;
    const dst = o * rowLen;
    for (let i = 0; i < rowLen; i++) {
      let acc = 0;
      for (let k = 0; k < cnt; k++) acc += mid[(s + k) * rowLen + i] * ty.weights[wo + k];
      out[dst + i] = acc <= 0 ? 0 : acc >= 255 ? 255 : Math.round(acc);
    }
  }
  return { data: out, width: outW, height: outH };
}

/** Copies an integer crop out of an RGB image (no resampling). */
export function cropRGB(img: RGBImage, left: number, top: number, width: number, height: number): RGBImage {
  if (left < 0 || top < 0 || left + width > img.width || top + height > img.height)
    throw new Error(`cropRGB: box ${left},${top} ${width}x${height} outside ${img.width}x${img.height}`);
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const s = ((top + y) * img.width + left) * 3;
    out.set(img.data.subarray(s, s + width * 3), y * width * 3);
  }
  return { data: out, width, height };
}
