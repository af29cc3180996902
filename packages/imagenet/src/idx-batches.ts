/**
 * Seeded, shardable mini-batches from in-memory IDX arrays (MNIST / Fashion-MNIST), shaped like the
 * image loader's batches so `@rectifier/imagenet/batch`'s `toTensors` takes them unchanged.
 */
import { checkIdxPair, type IdxArray } from './idx.js';
import { type EpochOrderOptions, epochOrder } from './shuffle.js';

/** Options of {@link idxBatches}. */
export interface IdxBatchOptions extends EpochOrderOptions {
  /** Default 64. */
  batchSize?: number;
  /** Epoch number (selects the permutation); default 0. */
  epoch?: number;
  /** Start at this position of the epoch order (resume); default 0. */
  position?: number;
  /** Drop the last incomplete batch; default false. */
  dropLast?: boolean;
  /** `(x * scale - mean) / std`; defaults scale 1/255, mean 0, std 1. */
  scale?: number;
  mean?: number;
  std?: number;
}

/** One IDX batch (NCHW float32, int32 labels). */
export interface IdxBatch {
  data: Float32Array;
  shape: [number, number, number, number];
  labels: Int32Array;
  indices: Int32Array;
  epoch: number;
  /** Position after this batch (pass it back as `position` to resume). */
  position: number;
}

/**
 * Yields the batches of one epoch. Images [N, H, W] or [N, H, W, C] uint8; labels [N].
 * @example for (const b of idxBatches(images, labels, { batchSize: 64, seed: 1, epoch: e, mean: 0.1307, std: 0.3081 })) step(toTensors(b));
 */
export function* idxBatches(
  images: IdxArray,
  labels: IdxArray,
  opts: IdxBatchOptions = {},
): Generator<IdxBatch> {
  const n = checkIdxPair(images, labels, 'idxBatches');
  const {
    batchSize = 64,
    epoch = 0,
    position = 0,
    dropLast = false,
    scale = 1 / 255,
    mean = 0,
    std = 1,
  } = opts;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new Error(`idxBatches: batchSize must be a positive integer, got ${batchSize}`);
  const s = images.shape;
  const [h, w] = [s[1], s.length > 2 ? s[2] : 1];
  const c = s.length === 4 ? s[3] : 1;
  const plane = h * w;
  const per = c * plane;
  const order = epochOrder(n, epoch, { ...opts, dropTail: opts.dropTail ?? dropLast });
  const end = dropLast ? order.length - (order.length % batchSize) : order.length;
  const a = scale / std;
  const b = -mean / std;
  const src = images.data;
  for (let start = position; start < end; start += batchSize) {
    const idx = order.subarray(start, Math.min(end, start + batchSize));
    const data = new Float32Array(idx.length * per);
    const lab = new Int32Array(idx.length);
    idx.forEach((i, k) => {
      lab[k] = labels.data[i];
      const base = i * per;
      for (let p = 0; p < plane; p++)
        for (let ch = 0; ch < c; ch++) data[k * per + ch * plane + p] = src[base + p * c + ch] * a + b;
    });
    yield {
      data,
      shape: [idx.length, c, h, w],
      labels: lab,
      indices: Int32Array.from(idx),
      epoch,
      position: start + idx.length,
    };
  }
}
