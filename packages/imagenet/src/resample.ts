/**
 * Pure-JS separable resampling that reproduces PIL's `Image.resize` (what torchvision's `Resize`
 * runs on PIL images) bit for bit: the same filter windows (a triangle widened by the scale factor
 * when shrinking, so shrinking averages the covered pixels), the same clipping of the window at the
 * image border with renormalised weights, the same 22-bit fixed-point weights, the horizontal pass
 * first and rounding to 8 bits between the passes. Used where no native resizer exists (browser
 * path, packed raw records, deployment preprocessing) and wherever sharp would differ from PIL.
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
  /** Fixed-point weights, `PRECISION` fractional bits. */
  weights: Int32Array;
  maxTaps: number;
}

/**
 * Filters of {@link resampleRGB}, PIL's kernels: `'bilinear'` (triangle, support 1) and `'box'`
 * (each output pixel the plain average of the source pixels it covers; an integer shrink averages
 * f x f blocks).
 */
export type ResampleFilter = 'bilinear' | 'box';

/** PIL's fixed-point precision for 8-bit images (32 - 8 - 2 bits). */
const PRECISION = 22;
const ONE = 2 ** PRECISION;
const HALF = 2 ** (PRECISION - 1);

/**
 * Filter taps mapping out pixels [0, outN) onto the source interval [x0, x0 + len) of [0, srcN), as
 * PIL's `precompute_coeffs` computes them (pixel centres at i + 0.5, triangle support 1 widened to
 * the scale when shrinking, window clipped to the image and the weights renormalised).
 */
function taps(srcN: number, x0: number, len: number, outN: number, filter: ResampleFilter): Taps {
  const scale = len / outN;
  const filterScale = Math.max(1, scale);
  const box = filter === 'box';
  const support = (box ? 0.5 : 1) * filterScale; // the filter's support, widened when shrinking
  const maxTaps = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outN);
  const count = new Int32Array(outN);
  const weights = new Int32Array(outN * maxTaps);
  const w = new Float64Array(maxTaps + 1);
  for (let o = 0; o < outN; o++) {
    const center = x0 + (o + 0.5) * scale;
    const lo = Math.max(0, Math.trunc(center - support + 0.5));
    const hi = Math.min(srcN, Math.trunc(center + support + 0.5));
    const n = Math.min(maxTaps, Math.max(0, hi - lo));
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const x = (i + lo - center + 0.5) / filterScale;
      const d = Math.abs(x);
      w[i] = box ? (x > -0.5 && x <= 0.5 ? 1 : 0) : d < 1 ? 1 - d : 0;
      sum += w[i];
    }
    if (n === 0 || sum === 0) {
      // The window missed every pixel (a rectangle outside the image): take the nearest one.
      start[o] = Math.max(0, Math.min(srcN - 1, Math.floor(center)));
      count[o] = 1;
      weights[o * maxTaps] = ONE;
      continue;
    }
    start[o] = lo;
    count[o] = n;
    for (let i = 0; i < n; i++) weights[o * maxTaps + i] = Math.trunc(0.5 + (w[i] / sum) * ONE);
  }
  return { start, count, weights, maxTaps };
}

function clip8(acc: number): number {
  const v = Math.floor(acc / ONE);
  return v <= 0 ? 0 : Math.min(v, 255);
}

/**
 * Resamples the source rectangle (x0, y0, w, h) (fractional, in source pixels) to outW x outH with
 * PIL's bilinear filter (or `filter`): equal to PIL's `img.resize((outW, outH), Image.BILINEAR,
 * box=(x0, y0, x0 + w, y0 + h))`. Resizing a whole image and cropping equals resampling only the crop's rectangle.
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
  filter: ResampleFilter = 'bilinear',
): RGBImage {
  const { data, width: sw, height: sh } = img;
  if (data.length < sw * sh * 3)
    throw new Error(`resampleRGB: data has ${data.length} bytes, need ${sw * sh * 3}`);
  if (!(outW >= 1 && outH >= 1 && w > 0 && h > 0))
    throw new Error(`resampleRGB: bad sizes ${w}x${h} -> ${outW}x${outH}`);
  const tx = taps(sw, x0, w, outW, filter);
  const ty = taps(sh, y0, h, outH, filter);
  // Rows of the source that the vertical pass needs.
  let rowLo = sh;
  let rowHi = -1;
  for (let o = 0; o < outH; o++) {
    rowLo = Math.min(rowLo, ty.start[o]);
    rowHi = Math.max(rowHi, ty.start[o] + ty.count[o] - 1);
  }
  const rows = rowHi - rowLo + 1;
  // Horizontal pass first, rounded to 8 bits, as PIL does.
  const mid = new Uint8Array(rows * outW * 3);
  for (let r = 0; r < rows; r++) {
    const srow = (rowLo + r) * sw * 3;
    const mrow = r * outW * 3;
    for (let o = 0; o < outW; o++) {
      const s = tx.start[o];
      const cnt = tx.count[o];
      const wo = o * tx.maxTaps;
      let a0 = HALF;
      let a1 = HALF;
      let a2 = HALF;
      for (let k = 0; k < cnt; k++) {
        const wk = tx.weights[wo + k];
        const p = srow + (s + k) * 3;
        a0 += data[p] * wk;
        a1 += data[p + 1] * wk;
        a2 += data[p + 2] * wk;
      }
      mid[mrow + o * 3] = clip8(a0);
      mid[mrow + o * 3 + 1] = clip8(a1);
      mid[mrow + o * 3 + 2] = clip8(a2);
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
      let acc = HALF;
      for (let k = 0; k < cnt; k++) acc += mid[(s + k) * rowLen + i] * ty.weights[wo + k];
      out[dst + i] = clip8(acc);
    }
  }
  return { data: out, width: outW, height: outH };
}

/**
 * Nearest-neighbour resize of the whole image to fullW x fullH, producing only the window
 * (left, top, outW, outH) of the result: PIL's `NEAREST` (source pixel `floor((x + 0.5) * scale)`).
 * @example resampleNearestRGB(img28, 56, 56, 0, 0, 56, 56) // every pixel doubled
 */
export function resampleNearestRGB(
  img: RGBImage,
  fullW: number,
  fullH: number,
  left: number,
  top: number,
  outW: number,
  outH: number,
): RGBImage {
  const { data, width: sw, height: sh } = img;
  if (data.length < sw * sh * 3)
    throw new Error(`resampleNearestRGB: data has ${data.length} bytes, need ${sw * sh * 3}`);
  if (!(fullW >= 1 && fullH >= 1 && outW >= 1 && outH >= 1))
    throw new Error(`resampleNearestRGB: bad sizes ${sw}x${sh} -> ${fullW}x${fullH}`);
  const sx = sw / fullW;
  const sy = sh / fullH;
  const out = new Uint8Array(outW * outH * 3);
  for (let y = 0; y < outH; y++) {
    const iy = Math.min(sh - 1, Math.floor((top + y + 0.5) * sy));
    for (let x = 0; x < outW; x++) {
      const ix = Math.min(sw - 1, Math.floor((left + x + 0.5) * sx));
      const p = (iy * sw + ix) * 3;
      const q = (y * outW + x) * 3;
      out[q] = data[p];
      out[q + 1] = data[p + 1];
      out[q + 2] = data[p + 2];
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
