/**
 * Mean images for the paper's per-pixel mean subtraction (P §3: "224x224 crop ... with the per-pixel
 * mean subtracted"), computed over a dataset's center views in [0, 255] units, like Caffe's
 * compute_image_mean on the resized training set.
 */
import type { MeanImage } from '../pixels.js';
import type { FileDataset } from './dataset.js';
import { ImageLoader, type LoaderOptions } from './loader.js';
import type { PackedDataset } from './pack.js';

/** Options of {@link computeMeanImage}. */
export interface MeanImageOptions {
  /** Shorter side before the center crop; default 256. */
  resize?: number;
  /** Crop side = mean image size; default 224. */
  cropSize?: number;
  /** Use at most this many images (a seeded random subset); default all. */
  limit?: number;
  /** Loader settings (workers, batchSize, workerUrl, onBadFile, seed). */
  loader?: Partial<Pick<LoaderOptions, 'workers' | 'batchSize' | 'workerUrl' | 'onBadFile' | 'seed'>>;
}

/**
 * Per-pixel mean (3 x cropSize x cropSize, CHW, [0, 255] units) over center views; pass it as
 * `normalization: { mean: meanImage }` to the training transform. Accumulates in float64.
 * @example const mean = await computeMeanImage(imagenetDataset(root), { limit: 10000 });
 */
export async function computeMeanImage(
  ds: FileDataset | PackedDataset,
  opts: MeanImageOptions = {},
): Promise<MeanImage> {
  const { resize = 256, cropSize = 224 } = opts;
  const loader = new ImageLoader(ds, {
    transform: { kind: 'center', resize, cropSize, normalization: { scale: 1, mean: null, std: null } },
    batchSize: 64,
    shuffle: opts.limit !== undefined,
    ...opts.loader,
  });
  const n = 3 * cropSize * cropSize;
  const acc = new Float64Array(n);
  let count = 0;
  try {
    for await (const b of loader) {
      const take = Math.min(b.labels.length, (opts.limit ?? Number.POSITIVE_INFINITY) - count);
      for (let i = 0; i < take; i++) {
        const o = i * n;
        for (let j = 0; j < n; j++) acc[j] += b.data[o + j];
      }
      count += take;
      if (opts.limit !== undefined && count >= opts.limit) break;
    }
  } finally {
    await loader.close();
  }
  if (count === 0) throw new Error('computeMeanImage: no readable images');
  const data = new Float32Array(n);
  for (let j = 0; j < n; j++) data[j] = acc[j] / count;
  return { data, height: cropSize, width: cropSize };
}
