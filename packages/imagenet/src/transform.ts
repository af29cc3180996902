/**
 * Transform specifications (plain, structured-cloneable objects that travel to workers) and the
 * pure-JS executor that applies one to a decoded RGB image.
 */
import { bilinearInto } from './fused.js';
import {
  planCenterView,
  planMultiScaleViews,
  planTenViews,
  planTrainView,
  type ViewPlan,
} from './geometry.js';
import { hwcToChw, lightingOffset, type Normalization, PAPER_NORMALIZATION } from './pixels.js';
import { cropRGB, type RGBImage, resampleRGB } from './resample.js';
import { SampleRandom } from './rng.js';

/** The paper's training augmentation (P §3) with configurable sizes. */
export interface TrainTransform {
  kind: 'train';
  /** Inclusive range of the shorter side; default [256, 512]. Small runs: e.g. [36, 64]. */
  scaleRange?: readonly [number, number];
  /** Square crop side; default 224. */
  cropSize?: number;
  /** Horizontal flip probability; default 0.5. */
  flipProb?: number;
  /** Std of the AlexNet PCA colour noise; default 0.1, 0 turns it off. */
  lighting?: number;
  /** Default {@link PAPER_NORMALIZATION} (per-channel ImageNet mean in [0,255] units, no std). */
  normalization?: Normalization;
}

/** Evaluation with one center crop (resize shorter side to `resize`, crop `cropSize`). */
export interface CenterTransform {
  kind: 'center';
  /** Default 256. */
  resize?: number;
  /** Default 224. */
  cropSize?: number;
  normalization?: Normalization;
}

/** Evaluation with 10 views in torchvision `TenCrop` order (FiveCrop, then FiveCrop of the flipped image); 10 outputs per sample. */
export interface TenCropTransform {
  kind: 'tenCrop';
  /** Default 256. */
  resize?: number;
  /** Default 224. */
  cropSize?: number;
  normalization?: Normalization;
}

/** Any transform the loaders understand (every view of a sample has the same size). */
export type Transform = TrainTransform | CenterTransform | TenCropTransform;

/** Transform with every default filled in. */
export type ResolvedTransform =
  | (Required<Omit<TrainTransform, 'normalization'>> & { normalization: Normalization })
  | (Required<Omit<CenterTransform, 'normalization'>> & { normalization: Normalization })
  | (Required<Omit<TenCropTransform, 'normalization'>> & { normalization: Normalization });

/**
 * Fills the defaults of a transform and validates sizes.
 * @example resolveTransform({ kind: 'train', scaleRange: [36, 64], cropSize: 32 })
 */
export function resolveTransform(t: Transform): ResolvedTransform {
  const normalization = t.normalization ?? PAPER_NORMALIZATION;
  if (t.kind === 'train') {
    const r: ResolvedTransform = {
      kind: 'train',
      scaleRange: t.scaleRange ?? [256, 512],
      cropSize: t.cropSize ?? 224,
      flipProb: t.flipProb ?? 0.5,
      lighting: t.lighting ?? 0.1,
      normalization,
    };
    const [lo, hi] = r.scaleRange;
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo > hi || lo < r.cropSize)
      throw new Error(
        `train transform: scaleRange [${lo}, ${hi}] must be integers, ordered, and >= cropSize ${r.cropSize}`,
      );
    return r;
  }
  if (t.kind === 'center' || t.kind === 'tenCrop') {
    const r = {
      kind: t.kind,
      resize: t.resize ?? 256,
      cropSize: t.cropSize ?? 224,
      normalization,
    } as ResolvedTransform;
    if ((r as { resize: number }).resize < r.cropSize)
      throw new Error(
        `${t.kind} transform: resize ${(r as { resize: number }).resize} < cropSize ${r.cropSize}`,
      );
    return r;
  }
  throw new Error(
    `unknown transform kind '${(t as { kind: string }).kind}' (expected train, center or tenCrop)`,
  );
}

/** Number of output views per sample (10 for tenCrop, else 1). */
export function viewsPerSample(t: Transform): number {
  return t.kind === 'tenCrop' ? 10 : 1;
}

/** Output [height, width] of every view. */
export function viewSize(t: Transform): [number, number] {
  const k = resolveTransform(t).cropSize;
  return [k, k];
}

/**
 * The views to produce for one sample of size width x height, plus the lighting offset.
 * Random draws come from `SampleRandom(seed, epoch, index)`: geometry first, then lighting.
 */
export function planSample(
  t: ResolvedTransform,
  width: number,
  height: number,
  seed: number,
  epoch: number,
  index: number,
): { views: ViewPlan[]; light: [number, number, number] } {
  if (t.kind === 'train') {
    const rng = new SampleRandom(seed, epoch, index);
    const view = planTrainView(width, height, t, rng);
    return { views: [view], light: lightingOffset(rng, t.lighting) };
  }
  if (t.kind === 'center')
    return { views: [planCenterView(width, height, t.resize, t.cropSize)], light: [0, 0, 0] };
  return { views: planTenViews(width, height, t.resize, t.cropSize), light: [0, 0, 0] };
}

/**
 * Renders one view from a decoded full image with the pure-JS resampler: maps the crop back to
 * source coordinates and resamples only that rectangle (so cost follows the crop, not the image).
 */
export function renderView(img: RGBImage, v: ViewPlan): RGBImage {
  const sx = img.width / v.resizeWidth;
  const sy = img.height / v.resizeHeight;
  if (sx === 1 && sy === 1) return cropRGB(img, v.crop.left, v.crop.top, v.crop.width, v.crop.height);
  return resampleRGB(
    img,
    v.crop.left * sx,
    v.crop.top * sy,
    v.crop.width * sx,
    v.crop.height * sy,
    v.crop.width,
    v.crop.height,
  );
}

/**
 * Renders one view straight into CHW float32 (flip, colour noise, normalisation included): a fused
 * bilinear pass when the view enlarges or keeps the scale, else antialiased `resampleRGB` + `hwcToChw`.
 */
export function renderViewInto(
  img: RGBImage,
  v: ViewPlan,
  light: readonly number[],
  norm: Normalization,
  out: Float32Array,
  offset: number,
): void {
  const sx = img.width / v.resizeWidth;
  const sy = img.height / v.resizeHeight;
  if (sx <= 1 && sy <= 1) {
    bilinearInto(
      img,
      v.crop.left * sx,
      v.crop.top * sy,
      v.crop.width * sx,
      v.crop.height * sy,
      v.crop.width,
      v.crop.height,
      v.flip,
      light,
      norm,
      out,
      offset,
    );
    return;
  }
  const r = renderView(img, v);
  hwcToChw(r.data, r.width, r.height, out, offset, v.flip, light, norm);
}

/**
 * Applies a transform to a decoded image in pure JS (browser-safe): returns views*3*k*k floats, CHW
 * per view. Deterministic in (seed, epoch, index).
 * @example const x = applyTransform(img, { kind: 'train', scaleRange: [36, 64], cropSize: 32 }, 0, 0, 7);
 */
export function applyTransform(
  img: RGBImage,
  transform: Transform,
  seed: number,
  epoch: number,
  index: number,
  out?: Float32Array,
  offset = 0,
): Float32Array {
  const t = resolveTransform(transform);
  const { views, light } = planSample(t, img.width, img.height, seed, epoch, index);
  const per = 3 * t.cropSize * t.cropSize;
  const dst = out ?? new Float32Array(per * views.length);
  views.forEach((v, i) => {
    renderViewInto(img, v, light, t.normalization, dst, offset + i * per);
  });
  return dst;
}

/** One full-image evaluation input of {@link multiScaleInputs}. */
export interface ScaleInput {
  scale: number;
  flip: boolean;
  height: number;
  width: number;
  /** CHW float32, 3 x height x width. */
  data: Float32Array;
}

/**
 * Inputs for dense multi-scale evaluation of SPP models (P §3 testing): the full image with its
 * shorter side at each scale (paper: 256, 384, 480), plus flips. Average the per-input scores with
 * `averageScores`. Pure JS; the Node path offers a sharp-backed equivalent.
 */
export function multiScaleInputs(
  img: RGBImage,
  scales: readonly number[] = [256, 384, 480],
  opts: { flips?: boolean; normalization?: Normalization } = {},
): ScaleInput[] {
  const norm = opts.normalization ?? PAPER_NORMALIZATION;
  return planMultiScaleViews(img.width, img.height, scales, opts.flips ?? true).map((v, i, all) => {
    const r = renderView(img, v);
    const data = new Float32Array(3 * r.width * r.height);
    hwcToChw(r.data, r.width, r.height, data, 0, v.flip, [0, 0, 0], norm);
    return {
      scale: scales[Math.floor(i / (all.length / scales.length))],
      flip: v.flip,
      height: r.height,
      width: r.width,
      data,
    };
  });
}
