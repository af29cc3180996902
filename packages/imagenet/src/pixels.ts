/**
 * Pixel arithmetic: AlexNet PCA colour noise, mean subtraction, optional std division, and the
 * HWC uint8 -> CHW float32 conversion (with an optional flip) in one pass.
 */
import type { SampleRandom } from './rng.js';

/** torchvision's per-channel ImageNet mean for RGB in [0, 1]. */
export const IMAGENET_MEAN: readonly number[] = [0.485, 0.456, 0.406];
/** torchvision's per-channel ImageNet std for RGB in [0, 1]. */
export const IMAGENET_STD: readonly number[] = [0.229, 0.224, 0.225];
/** {@link IMAGENET_MEAN} in [0, 255] pixel units (the paper's unnormalised input range). */
export const IMAGENET_MEAN_255: readonly number[] = IMAGENET_MEAN.map((m) => m * 255);
/** Eigenvalues of the ImageNet RGB covariance (pixels in [0, 1]), AlexNet / fb.resnet.torch. */
export const IMAGENET_EIGVAL: readonly number[] = [0.2175, 0.0188, 0.0045];
/** Eigenvectors (columns = principal components; rows R, G, B) matching {@link IMAGENET_EIGVAL}. */
export const IMAGENET_EIGVEC: readonly (readonly number[])[] = [
  [-0.5675, 0.7192, 0.4009],
  [-0.5808, -0.0045, -0.814],
  [-0.5836, -0.6948, 0.4203],
];

/** A per-pixel mean image, CHW with 3 channels, in the units after `scale` (see {@link Normalization}). */
export interface MeanImage {
  data: Float32Array;
  height: number;
  width: number;
}

/**
 * How pixel values p in [0, 255] become network inputs:
 * `out = ((p + light[c]) * scale - mean) / std`, with mean per channel or per pixel.
 * The paper (P §3) uses scale 1, a per-pixel mean and no std; torchvision uses scale 1/255 with
 * IMAGENET_MEAN and IMAGENET_STD.
 */
export interface Normalization {
  /** Multiplier applied before the mean (default 1: keep [0, 255] units). */
  scale?: number;
  /** Per-channel mean (3 numbers), a per-pixel {@link MeanImage}, or null for none. Default none. */
  mean?: readonly number[] | MeanImage | null;
  /** Per-channel std to divide by, or null for none (the paper divides by nothing). Default none. */
  std?: readonly number[] | null;
}

/** The paper's preset: [0, 255] units minus the per-channel ImageNet mean, no std division. */
export const PAPER_NORMALIZATION: Normalization = { scale: 1, mean: IMAGENET_MEAN_255, std: null };
/** torchvision's preset: [0, 1] units, `(x - mean) / std` per channel. */
export const TORCHVISION_NORMALIZATION: Normalization = {
  scale: 1 / 255,
  mean: IMAGENET_MEAN,
  std: IMAGENET_STD,
};

/**
 * AlexNet PCA lighting noise for one image, in [0, 255] pixel units: alpha_i ~ N(0, std^2) and the
 * offset `255 * eigvec @ (alpha * eigval)` is added to every pixel (Krizhevsky et al. 2012 §4.1).
 * Uses exactly 3 normal draws (no draws when std is 0).
 * @example const off = lightingOffset(rng, 0.1); // e.g. [1.9, 2.1, 2.2]
 */
export function lightingOffset(
  rng: SampleRandom,
  std = 0.1,
  eigval: readonly number[] = IMAGENET_EIGVAL,
  eigvec: readonly (readonly number[])[] = IMAGENET_EIGVEC,
): [number, number, number] {
  if (std === 0) return [0, 0, 0];
  const a = [rng.normal() * std * eigval[0], rng.normal() * std * eigval[1], rng.normal() * std * eigval[2]];
  const out: [number, number, number] = [0, 0, 0];
  for (let c = 0; c < 3; c++)
    out[c] = 255 * (eigvec[c][0] * a[0] + eigvec[c][1] * a[1] + eigvec[c][2] * a[2]);
  return out;
}

function isMeanImage(m: Normalization['mean']): m is MeanImage {
  return m != null && !Array.isArray(m) && (m as MeanImage).data instanceof Float32Array;
}

/**
 * Converts an RGB uint8 HWC view to CHW float32 at `out[offset ..]`, flipping horizontally if asked,
 * adding the lighting offset and normalising (one multiply-add per value for per-channel means).
 * @param src HWC RGB bytes, length width*height*3
 * @param light per-channel offsets in [0, 255] units from {@link lightingOffset} (or [0,0,0])
 */
export function hwcToChw(
  src: Uint8Array,
  width: number,
  height: number,
  out: Float32Array,
  offset: number,
  flip: boolean,
  light: readonly number[],
  norm: Normalization,
): void {
  const n = width * height;
  if (src.length < n * 3)
    throw new Error(`hwcToChw: source has ${src.length} bytes, need ${n * 3} for ${width}x${height}x3`);
  if (out.length < offset + n * 3)
    throw new Error(`hwcToChw: output too small for ${width}x${height}x3 at offset ${offset}`);
  const scale = norm.scale ?? 1;
  const std = norm.std ?? null;
  const mean = norm.mean ?? null;
  const meanImg = isMeanImage(mean) ? mean : null;
  if (meanImg && (meanImg.width !== width || meanImg.height !== height || meanImg.data.length !== n * 3))
    throw new Error(
      `hwcToChw: mean image is ${meanImg.width}x${meanImg.height} (${meanImg.data.length} values), view is ${width}x${height}x3`,
    );
  const inv = [1, 1, 1];
  const A = [0, 0, 0];
  const B = [0, 0, 0];
  for (let c = 0; c < 3; c++) {
    inv[c] = std ? 1 / std[c] : 1;
    A[c] = scale * inv[c];
    B[c] = (light[c] * scale - (meanImg || !mean ? 0 : (mean as readonly number[])[c])) * inv[c];
  }
  const [a0, a1, a2] = A;
  const [b0, b1, b2] = B;
  // One pass over the source (sequential reads), writing the three planes together.
  const o1 = offset + n;
  const o2 = offset + 2 * n;
  const step = flip ? -3 : 3;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let p = (flip ? row + width - 1 : row) * 3;
    for (let x = 0; x < width; x++, p += step) {
      out[offset + row + x] = src[p] * a0 + b0;
      out[o1 + row + x] = src[p + 1] * a1 + b1;
      out[o2 + row + x] = src[p + 2] * a2 + b2;
    }
    if (meanImg) {
      const m = meanImg.data;
      const [i0, i1, i2] = inv;
      for (let x = 0; x < width; x++) {
        out[offset + row + x] -= m[row + x] * i0;
        out[o1 + row + x] -= m[n + row + x] * i1;
        out[o2 + row + x] -= m[2 * n + row + x] * i2;
      }
    }
  }
}
