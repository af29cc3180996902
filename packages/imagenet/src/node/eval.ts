/**
 * Test-time inputs straight from files (sharp path): dense multi-scale full-image views for SPP
 * models and 10-view crops.
 */
import { readFile } from 'node:fs/promises';
import { planMultiScaleViews, planTenViews } from '../geometry.js';
import { type Normalization, PAPER_NORMALIZATION } from '../pixels.js';
import type { ScaleInput } from '../transform.js';
import { probe, renderViewsSharp, type SharpOptions } from './decode.js';

/**
 * Full-image inputs at each shorter side in `scales` (paper: 256, 384, 480) plus flips, for dense
 * evaluation of SPP models (P §3). Average the model's scores over them with `averageScores`.
 * @example const ins = await multiScaleInputsFromFile('a.JPEG'); // 6 inputs, CHW float32 each
 */
export async function multiScaleInputsFromFile(
  path: string,
  scales: readonly number[] = [256, 384, 480],
  opts: { flips?: boolean; normalization?: Normalization; sharp?: SharpOptions } = {},
): Promise<ScaleInput[]> {
  const bytes = await readFile(path);
  const { width, height } = probe(bytes, path);
  const flips = opts.flips ?? true;
  const plans = planMultiScaleViews(width, height, scales, flips);
  const per = flips ? 2 : 1;
  return Promise.all(
    plans.map(async (v, i) => {
      const data = new Float32Array(3 * v.crop.width * v.crop.height);
      await renderViewsSharp(bytes, [v], [0, 0, 0], opts.normalization ?? PAPER_NORMALIZATION, data, 0, {
        resampler: 'pil',
        ...opts.sharp,
        path,
      });
      return {
        scale: scales[Math.floor(i / per)],
        flip: v.flip,
        height: v.crop.height,
        width: v.crop.width,
        data,
      };
    }),
  );
}

/**
 * The 10 views (torchvision `TenCrop` order: 4 corners + center, then the same of the flipped image) of one file as one 10x3xkxk float32 buffer.
 * @example const x = await tenCropFromFile('a.JPEG'); // Float32Array(10 * 3 * 224 * 224)
 */
export async function tenCropFromFile(
  path: string,
  opts: { resize?: number; cropSize?: number; normalization?: Normalization; sharp?: SharpOptions } = {},
): Promise<Float32Array> {
  const { resize = 256, cropSize = 224 } = opts;
  const bytes = await readFile(path);
  const { width, height } = probe(bytes, path);
  const out = new Float32Array(10 * 3 * cropSize * cropSize);
  await renderViewsSharp(
    bytes,
    planTenViews(width, height, resize, cropSize),
    [0, 0, 0],
    opts.normalization ?? PAPER_NORMALIZATION,
    out,
    0,
    { resampler: 'pil', ...opts.sharp, path },
  );
  return out;
}
