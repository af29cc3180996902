import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  type ClassTable,
  imagenetClasses,
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
import type { DataBundle } from './sources';

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
 * Decode workers: `RECTIFIER_LOADER_WORKERS` (0 = decode in the main thread), else the loader's
 * default (up to 4 worker threads).
 */
export function loaderWorkers(): { workers?: number } {
  const v = process.env.RECTIFIER_LOADER_WORKERS;
  if (v === undefined || v === '') return {};
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0)
    throw new UserError(`RECTIFIER_LOADER_WORKERS must be an integer >= 0, got '${v}'`);
  return { workers: n };
}

/** Loader-backed batches of one epoch from a start batch (a fresh loader per epoch, closed at the end). */
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

function loaderSource(
  ds: FileDataset,
  transform: Transform,
  o: { batchSize: number; seed: number; shuffle: boolean; dropLast: boolean; limit?: number },
  bad: ReturnType<typeof badFileReporter>,
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
      try {
        for await (const b of loader) yield toTensors(b);
      } finally {
        await loader.close();
      }
    },
  });
  return Object.assign(fn, { numBatches });
}

/**
 * An ImageNet-layout directory (`train/<class>/*` and `val/`, sorted or flat with ground truth) as
 * a data bundle: the paper's augmentation scaled to `inputSize` (random shorter side in
 * [8/7, 2] x inputSize, random crop, flip) for training, a center crop for testing, torchvision
 * normalisation.
 */
export function folderBundle(root: string, inputSize = 32, opts: DataOptions = {}): DataBundle {
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
  const resize = Math.round((inputSize * 8) / 7);
  const trainT: Transform = {
    kind: 'train',
    scaleRange: [resize, inputSize * 2],
    cropSize: inputSize,
    normalization: TORCHVISION_NORMALIZATION,
  };
  const testT: Transform = {
    kind: 'center',
    resize,
    cropSize: inputSize,
    normalization: TORCHVISION_NORMALIZATION,
  };
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
    normalization: { kind: 'imagenet', mean: 0, std: 1 },
    train: (o) => loaderSource(train, trainT, { ...o, shuffle: true, dropLast: true }, badTrain),
    test: (o) => loaderSource(val, testT, { ...o, seed: 0, shuffle: false, dropLast: false }, badTest),
  };
}

/** The imagenet package's generated ImageNet-like JPEG set under `dir` (written on first use). */
export async function generatedBundle(dir: string, inputSize = 32): Promise<DataBundle> {
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
  return folderBundle(dir, inputSize);
}
