import { existsSync, readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import {
  type ClassTable,
  imagenetClasses,
  PAPER_NORMALIZATION,
  TORCHVISION_NORMALIZATION,
  type Transform,
} from '@rectifier/imagenet';
import { toTensors } from '@rectifier/imagenet/batch';
import {
  type FileDataset,
  generateImageNetLike,
  ImageLoader,
  imageFolder,
  imagenetDataset,
} from '@rectifier/imagenet/node';
import type { Batch } from '@rectifier/train';
import { UserError } from '../errors';
import type { DataBundle, LoaderTotals } from './sources';

/** Readable names for a class table: ImageNet wnids map to their first synonym, other ids stay. */
function classNames(table: ClassTable): string[] {
  const inet = imagenetClasses();
  return Array.from({ length: table.size }, (_, i) => {
    const id = table.id(i);
    const k = inet.indexOf(id);
    return k >= 0 ? inet.name(k) : id;
  });
}

function hasSubdirs(dir: string): boolean {
  try {
    return readdirSync(dir).some((n) => statSync(join(dir, n)).isDirectory());
  } catch {
    return false;
  }
}

/** Options for reading an ImageNet-layout folder. */
export interface DataOptions {
  /** The devkit's ILSVRC2012_ID -> wnid mapping (meta.mat or text) for a flat val/ (`--id-mapping`). */
  idMapping?: string;
}

/** The validation split, with labels re-indexed to the training folders' class order. */
export function valDataset(root: string, classes: ClassTable, opts: DataOptions = {}): FileDataset {
  const val = join(root, 'val');
  if (hasSubdirs(val)) return imageFolder(val, { classes });
  const ds = imagenetDataset(root, { split: 'val', idMapping: opts.idMapping });
  const inet = imagenetClasses();
  const samples = ds.samples
    .map((s) => ({ ...s, label: classes.indexOf(inet.id(s.label)) }))
    .filter((s) => s.label >= 0);
  return { ...ds, classes, samples };
}

/**
 * Decode workers: `RECTIFIER_LOADER_WORKERS` (0 = decode in the main thread), else one worker thread
 * per core (the training step itself mostly waits on the device, or runs in the WASM backend's own
 * threads, so every core decodes).
 */
export function loaderWorkers(): { workers: number } {
  const v = process.env.RECTIFIER_LOADER_WORKERS;
  if (v === undefined || v === '') return { workers: availableParallelism() };
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0)
    throw new UserError(`RECTIFIER_LOADER_WORKERS must be an integer >= 0, got '${v}'`);
  return { workers: n };
}

/**
 * The one way file problems are reported, in train and eval alike: `warning: skipped <path>: <reason>`
 * on stderr, once per file. `count()` gives the files that failed when read; entries the directory
 * scan rejected (`ds.skipped`, which the loader reports too) are printed but not counted.
 */
export function badFileReporter(ds?: FileDataset): {
  report: (e: { path: string; reason: string }) => void;
  count: () => number;
} {
  const scanned = new Set((ds?.skipped ?? []).map((e) => e.path));
  const seen = new Set<string>();
  let unreadable = 0;
  return {
    report: (e) => {
      if (seen.has(e.path)) return;
      seen.add(e.path);
      if (!scanned.has(e.path)) unreadable++;
      process.stderr.write(`warning: skipped ${e.path}: ${e.reason}\n`);
    },
    count: () => unreadable,
  };
}

/**
 * Loader-backed batches of one epoch from a start batch (a fresh loader per epoch, closed at the end).
 * Each batch's float buffer goes straight into the tensor upload (`toTensors`: one copy, into the
 * device buffer on WebGPU) and is handed back to the workers at once (`recycle`). The loaders'
 * production is added to `totals`.
 */
function loaderSource(
  ds: FileDataset,
  transform: Transform,
  o: { batchSize: number; seed: number; shuffle: boolean; dropLast: boolean; limit?: number },
  bad: ReturnType<typeof badFileReporter>,
  totals?: LoaderTotals,
) {
  const data = o.limit !== undefined ? { ...ds, samples: ds.samples.slice(0, o.limit) } : ds;
  const probe = new ImageLoader(data, {
    transform,
    batchSize: o.batchSize,
    dropLast: o.dropLast,
    workers: 0,
  });
  const numBatches = probe.length;
  const fn = ({ epoch, startBatch }: { epoch: number; startBatch: number }) => ({
    length: numBatches - startBatch,
    async *[Symbol.asyncIterator](): AsyncGenerator<Batch> {
      const loader = new ImageLoader(data, {
        transform,
        ...loaderWorkers(),
        batchSize: o.batchSize,
        seed: o.seed,
        shuffle: o.shuffle,
        dropLast: o.dropLast,
        state: { epoch, position: startBatch * o.batchSize },
        onBadFile: bad.report,
      });
      let seen = { images: 0, busyMs: 0 };
      const count = () => {
        if (!totals) return;
        const s = loader.stats();
        totals.images += s.images - seen.images;
        totals.busyMs += s.busyMs - seen.busyMs;
        totals.workers = s.workers;
        seen = s;
      };
      try {
        for await (const b of loader) {
          const t = toTensors(b);
          loader.recycle(b);
          count();
          yield t;
        }
      } finally {
        count();
        await loader.close();
      }
    },
  });
  return Object.assign(fn, { numBatches });
}

/**
 * The train and test transforms of a recipe at `inputSize`:
 * - 'paper' (models A, B, C, vgg19): the paper's (P §3) scaled by inputSize / 224: shorter side s
 *   uniform in [256, 512] x inputSize / 224, a random inputSize crop, flip, PCA colour noise (0.1),
 *   mean subtraction only (pixels in about [-128, 128]); tests resize to 256 x inputSize / 224.
 * - 'small' (the Fashion-MNIST-scale models): s in [8/7, 2] x inputSize, crop, flip, colour noise,
 *   torchvision normalisation.
 */
export function recipeTransforms(
  recipe: 'paper' | 'small',
  inputSize: number,
): { train: Transform; test: Transform; resize: number } {
  const paper = recipe === 'paper';
  const resize = Math.round((inputSize * (paper ? 256 : 8)) / (paper ? 224 : 7));
  const top = paper ? Math.round((inputSize * 512) / 224) : inputSize * 2;
  const normalization = paper ? PAPER_NORMALIZATION : TORCHVISION_NORMALIZATION;
  return {
    train: {
      kind: 'train',
      scaleRange: [resize, top],
      cropSize: inputSize,
      flipProb: 0.5,
      lighting: 0.1,
      normalization,
    },
    test: { kind: 'center', resize, cropSize: inputSize, normalization },
    resize,
  };
}

/**
 * An ImageNet-layout directory (`train/<class>/*` and `val/`, sorted or flat with ground truth) as
 * a data bundle with the transforms of `recipe` (see {@link recipeTransforms}).
 */
export function folderBundle(
  root: string,
  inputSize = 32,
  recipe: 'paper' | 'small' = 'small',
  opts: DataOptions = {},
): DataBundle {
  const trainDir = join(root, 'train');
  if (!existsSync(trainDir))
    throw new UserError(
      `${root} has no train/ directory (expected the ImageNet layout: train/<class>/*.JPEG, val/)`,
    );
  let train: FileDataset;
  let val: FileDataset;
  try {
    train = imageFolder(trainDir);
    val = existsSync(join(root, 'val')) ? valDataset(root, train.classes, opts) : { ...train, samples: [] };
  } catch (e) {
    throw new UserError((e as Error).message);
  }
  if (train.samples.length === 0) throw new UserError(`${trainDir} contains no images`);
  const { train: trainT, test: testT } = recipeTransforms(recipe, inputSize);
  const totals: LoaderTotals = { images: 0, busyMs: 0, workers: 0 };
  const badTrain = badFileReporter(train);
  const badTest = badFileReporter(val);
  return {
    name: root,
    source: root,
    badFiles: {
      train: badTrain.count,
      test: badTest.count,
      scanned: train.skipped.length + val.skipped.length,
    },
    classes: classNames(train.classes),
    inChannels: 3,
    imageSize: inputSize,
    numTrain: train.samples.length,
    numTest: val.samples.length,
    normalization: { kind: recipe === 'paper' ? 'paper' : 'imagenet', mean: 0, std: 1 },
    train: (o) => loaderSource(train, trainT, { ...o, shuffle: true, dropLast: true }, badTrain, totals),
    loaderStats: () => ({ ...totals }),
    test: (o) => loaderSource(val, testT, { ...o, seed: 0, shuffle: false, dropLast: false }, badTest),
  };
}

/** The imagenet package's generated ImageNet-like JPEG set under `dir` (written on first use). */
export async function generatedBundle(
  dir: string,
  inputSize = 32,
  recipe: 'paper' | 'small' = 'small',
): Promise<DataBundle> {
  if (!existsSync(join(dir, 'train'))) {
    process.stderr.write(
      `generating an ImageNet-layout JPEG dataset in ${dir} (10 classes, 100 train + 20 val images each)...\n`,
    );
    await generateImageNetLike(dir, {
      classes: 10,
      trainPerClass: 100,
      valPerClass: 20,
      size: Math.max(40, Math.round(inputSize * 1.25)),
      seed: 0,
    });
  }
  return folderBundle(dir, inputSize, recipe);
}
