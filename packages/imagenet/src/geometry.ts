/**
 * View geometry: where to resize, crop and flip. Pure arithmetic shared by the sharp (Node) path and
 * the pure-JS (browser) path, so both produce the same views for the same random draws.
 */
import type { SampleRandom } from './rng.js';

/** A crop rectangle in pixels, in the coordinates of the resized image. */
export interface CropBox {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** One view of an image: resize the whole image to resizeWidth x resizeHeight, crop, maybe flip. */
export interface ViewPlan {
  resizeWidth: number;
  resizeHeight: number;
  crop: CropBox;
  /** Horizontal flip of the cropped view. */
  flip: boolean;
}

/**
 * Output size when the shorter side is resized to `s`, keeping the aspect ratio; the longer side is
 * floor(s * long / short) like torchvision's `Resize(s)`.
 * @example resizeShorter(500, 375, 256) // { width: 341, height: 256 }
 */
export function resizeShorter(width: number, height: number, s: number): { width: number; height: number } {
  if (!(width > 0 && height > 0))
    throw new Error(`resizeShorter: image size must be positive, got ${width}x${height}`);
  if (!(s >= 1) || !Number.isInteger(s))
    throw new Error(`resizeShorter: target must be a positive integer, got ${s}`);
  if (width <= height) return { width: s, height: Math.max(s, Math.floor((s * height) / width)) };
  return { width: Math.max(s, Math.floor((s * width) / height)), height: s };
}

/** Geometry of the paper's training augmentation (P §3: scale jitter, random crop, flip). */
export interface TrainGeometry {
  /** Inclusive range of the shorter side s, drawn uniformly per image; paper [256, 512]. */
  scaleRange: readonly [number, number];
  /** Square crop side; paper 224. */
  cropSize: number;
  /** Probability of a horizontal flip; paper 0.5. */
  flipProb: number;
}

/**
 * Draws one training view: s ~ U{scaleRange}, resize shorter side to s, crop cropSize x cropSize at a
 * uniform position, flip with probability flipProb. Uses exactly 4 draws from `rng` in this order.
 * @example planTrainView(500, 375, { scaleRange: [256, 512], cropSize: 224, flipProb: 0.5 }, rng)
 */
export function planTrainView(width: number, height: number, g: TrainGeometry, rng: SampleRandom): ViewPlan {
  const [lo, hi] = g.scaleRange;
  if (!(lo <= hi) || lo < g.cropSize)
    throw new Error(`planTrainView: scaleRange [${lo}, ${hi}] must be ordered and >= cropSize ${g.cropSize}`);
  const s = rng.int(lo, hi + 1);
  const r = resizeShorter(width, height, s);
  const top = rng.int(0, r.height - g.cropSize + 1);
  const left = rng.int(0, r.width - g.cropSize + 1);
  const flip = rng.uniform() < g.flipProb;
  return {
    resizeWidth: r.width,
    resizeHeight: r.height,
    crop: { left, top, width: g.cropSize, height: g.cropSize },
    flip,
  };
}

/**
 * Python's `round`: halves go to the even neighbour (`round(58.5) == 58`), unlike `Math.round`.
 * @example roundHalfEven(58.5) // 58
 */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d < 0.5) return f;
  if (d > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * Resize the shorter side to `resize`, then take the centered `cropSize` square (torchvision
 * `Resize(256)` + `CenterCrop(224)`: offsets `int(round((H - h) / 2))` with Python's round-half-even,
 * so a 341-wide image gives left 58, not 59).
 */
export function planCenterView(
  width: number,
  height: number,
  resize: number,
  cropSize: number,
  flip = false,
): ViewPlan {
  const r = resizeShorter(width, height, resize);
  if (cropSize > Math.min(r.width, r.height))
    throw new Error(`planCenterView: cropSize ${cropSize} larger than resized image ${r.width}x${r.height}`);
  const top = roundHalfEven((r.height - cropSize) / 2);
  const left = roundHalfEven((r.width - cropSize) / 2);
  return {
    resizeWidth: r.width,
    resizeHeight: r.height,
    crop: { left, top, width: cropSize, height: cropSize },
    flip,
  };
}

/**
 * The 10 views of AlexNet-style testing (the paper's "10-view", P Table 5) in torchvision's `TenCrop`
 * order: `FiveCrop` of the image (top-left, top-right, bottom-left, bottom-right, center), then
 * `FiveCrop` of the horizontally flipped image. In the unflipped image's coordinates the second five
 * are the mirrored boxes, flipped: top-right, top-left, bottom-right, bottom-left, and the center box
 * mirrored (it moves by one pixel when W - k is odd, because the center offset is rounded).
 */
export function planTenViews(width: number, height: number, resize: number, cropSize: number): ViewPlan[] {
  const c = planCenterView(width, height, resize, cropSize);
  const W = c.resizeWidth;
  const H = c.resizeHeight;
  const k = cropSize;
  const fiveCrop = (): CropBox[] => [
    { left: 0, top: 0, width: k, height: k },
    { left: W - k, top: 0, width: k, height: k },
    { left: 0, top: H - k, width: k, height: k },
    { left: W - k, top: H - k, width: k, height: k },
    { ...c.crop },
  ];
  // a box at `left` in the flipped image covers [W - k - left, W - left) of the original
  const mirror = (b: CropBox): CropBox => ({ ...b, left: W - k - b.left });
  const view = (crop: CropBox, flip: boolean): ViewPlan => ({ resizeWidth: W, resizeHeight: H, crop, flip });
  return [...fiveCrop().map((b) => view(b, false)), ...fiveCrop().map((b) => view(mirror(b), true))];
}

/**
 * Full-image views for dense multi-scale evaluation of SPP models (P §3 testing): for each shorter
 * side s in `scales` (paper: 256, 384, 480) the whole resized image, and its flip when `flips`.
 * Views differ in size; order is scale-major: (s0), (s0 flipped), (s1), ...
 */
export function planMultiScaleViews(
  width: number,
  height: number,
  scales: readonly number[],
  flips = true,
): ViewPlan[] {
  const plans: ViewPlan[] = [];
  for (const s of scales) {
    const r = resizeShorter(width, height, s);
    const crop = { left: 0, top: 0, width: r.width, height: r.height };
    plans.push({ resizeWidth: r.width, resizeHeight: r.height, crop, flip: false });
    if (flips) plans.push({ resizeWidth: r.width, resizeHeight: r.height, crop: { ...crop }, flip: true });
  }
  return plans;
}
