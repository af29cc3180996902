/**
 * Fused bilinear sampling for views that enlarge or keep the scale (the common case for packed
 * images stored at the smallest training scale): resample, flip, colour noise and normalisation in a
 * single pass that writes CHW float32 directly, with no intermediate image.
 */
import type { Normalization } from './pixels.js';
import type { RGBImage } from './resample.js';

/**
 * Samples the source rectangle (x0, y0, w, h) to outW x outH with bilinear interpolation at pixel
 * centres (same convention and edge clamping as `resampleRGB` with scale >= 1), flips if asked, adds
 * `light` and normalises into `out[offset ..]` as CHW. At scale exactly 1 with integer offsets it
 * copies pixels exactly.
 * @throws when the rectangle shrinks the image (w > outW or h > outH): use `resampleRGB` then, which
 * averages (antialiases) instead of skipping pixels.
 */
export function bilinearInto(
  img: RGBImage,
  x0: number,
  y0: number,
  w: number,
  h: number,
  outW: number,
  outH: number,
  flip: boolean,
  light: readonly number[],
  norm: Normalization,
  out: Float32Array,
  offset: number,
): void {
  if (w > outW + 1e-9 || h > outH + 1e-9)
    throw new Error(`bilinearInto: ${w}x${h} -> ${outW}x${outH} shrinks; use resampleRGB`);
  const { data, width: sw, height: sh } = img;
  const sx = w / outW;
  const sy = h / outH;
  const xa = new Int32Array(outW);
  const xb = new Int32Array(outW);
  const fx = new Float32Array(outW);
  for (let o = 0; o < outW; o++) {
    const src = flip ? outW - 1 - o : o;
    const c = Math.min(sw - 1, Math.max(0, x0 + (src + 0.5) * sx - 0.5));
    const i = Math.floor(c);
    xa[o] = i * 3;
    xb[o] = Math.min(sw - 1, i + 1) * 3;
    fx[o] = c - i;
  }
  const scale = norm.scale ?? 1;
  const std = norm.std ?? null;
  const mean = norm.mean ?? null;
  const meanImg =
    mean && !Array.isArray(mean) ? (mean as { data: Float32Array; width: number; height: number }) : null;
  if (meanImg && (meanImg.width !== outW || meanImg.height !== outH))
    throw new Error(
      `bilinearInto: mean image is ${meanImg.width}x${meanImg.height}, view is ${outW}x${outH}`,
    );
  const a = [0, 0, 0];
  const b = [0, 0, 0];
  const inv = [1, 1, 1];
  for (let c = 0; c < 3; c++) {
    inv[c] = std ? 1 / std[c] : 1;
    a[c] = scale * inv[c];
    b[c] = (light[c] * scale - (meanImg || !mean ? 0 : (mean as readonly number[])[c])) * inv[c];
  }
  const plane = outW * outH;
  for (let y = 0; y < outH; y++) {
    const cy = Math.min(sh - 1, Math.max(0, y0 + (y + 0.5) * sy - 0.5));
    const iy = Math.floor(cy);
    const fy = cy - iy;
    const r0 = iy * sw * 3;
    const r1 = Math.min(sh - 1, iy + 1) * sw * 3;
    for (let c = 0; c < 3; c++) {
      const ac = a[c];
      const bc = b[c];
      const o = offset + c * plane + y * outW;
      for (let x = 0; x < outW; x++) {
        const f = fx[x];
        const p0 = r0 + xa[x] + c;
        const p1 = r0 + xb[x] + c;
        const q0 = r1 + xa[x] + c;
        const q1 = r1 + xb[x] + c;
        const top = data[p0] + (data[p1] - data[p0]) * f;
        const bot = data[q0] + (data[q1] - data[q0]) * f;
        out[o + x] = (top + (bot - top) * fy) * ac + bc;
      }
      if (meanImg) {
        const m = meanImg.data;
        const mo = c * plane + y * outW;
        for (let x = 0; x < outW; x++) out[o + x] -= m[mo + x] * inv[c];
      }
    }
  }
}
