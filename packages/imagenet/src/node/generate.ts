/**
 * Writes a small ImageNet-layout dataset of real JPEG files with procedurally drawn, learnable
 * classes (shape x colour x background texture per class, random position/scale/noise per image), for
 * tests, demos and docs. Layout: train/<wnid>/<wnid>_<i>.JPEG, flat val/ILSVRC2012_val_XXXXXXXX.JPEG,
 * and val labels as LOC_val_solution.csv, ILSVRC2012_validation_ground_truth.txt and
 * ILSVRC2012_mapping.txt (a SYNTHETIC ID -> wnid table in the devkit text form: the IDs are a seeded
 * permutation, deliberately not the sorted-wnid order, so code that confuses them fails).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { imagenetClasses } from '../classes.js';
import { valFileName } from '../ground-truth.js';
import { SampleRandom } from '../rng.js';
import { permutation } from '../shuffle.js';

/** Options of {@link generateImageNetLike}. */
export interface GenerateOptions {
  /** Number of classes (1..1000); real wnids spread evenly over the table. Default 10. */
  classes?: number;
  /** Training images per class; default 20. */
  trainPerClass?: number;
  /** Validation images per class; default 5. */
  valPerClass?: number;
  /** Shorter side of every image; the longer side is 1x-1.33x of it. Default 64. */
  size?: number;
  /** Seed; default 0. */
  seed?: number;
  /** JPEG quality; default 90. */
  quality?: number;
}

/** What {@link generateImageNetLike} wrote. */
export interface GeneratedDataset {
  root: string;
  /** wnids used, in class-index order of this subset (sorted). */
  wnids: string[];
  /** Standard 1000-class indices of those wnids. */
  labels: number[];
  train: number;
  val: number;
}

function hsv(h: number, s: number, v: number): [number, number, number] {
  const f = (n: number) => {
    const k = (n + h * 6) % 6;
    return Math.round(255 * (v - v * s * Math.max(0, Math.min(k, 4 - k, 1))));
  };
  return [f(5), f(3), f(1)];
}

/**
 * Draws one image of class k: a shape (disc, square, triangle, ring) in a class colour over a class
 * background texture (flat, stripes, checks), jittered in position, size, brightness and noise.
 * @returns RGB bytes, HWC
 */
export function drawClassImage(k: number, width: number, height: number, rng: SampleRandom): Uint8Array {
  const shape = k % 4;
  const texture = Math.floor(k / 4) % 3;
  const fg = hsv((k * 0.618034) % 1, 0.85, 0.95);
  const bg = hsv((k * 0.618034 + 0.5) % 1, 0.35, 0.45 + 0.1 * (k % 3));
  const s = Math.min(width, height);
  const r = s * (0.22 + 0.14 * rng.uniform());
  const cx = width / 2 + (rng.uniform() - 0.5) * 0.4 * width;
  const cy = height / 2 + (rng.uniform() - 0.5) * 0.4 * height;
  const bright = 0.85 + 0.3 * rng.uniform();
  const period = Math.max(4, Math.round(s / (6 + (k % 5))));
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const dx = x - cx;
      const dy = y - cy;
      let inside: boolean;
      if (shape === 0) inside = dx * dx + dy * dy < r * r;
      else if (shape === 1) inside = Math.abs(dx) < r * 0.85 && Math.abs(dy) < r * 0.85;
      else if (shape === 2) inside = dy < r * 0.7 && dy > -r && Math.abs(dx) < (dy + r) * 0.6;
      else inside = dx * dx + dy * dy < r * r && dx * dx + dy * dy > r * r * 0.36;
      let col: readonly number[] = bg;
      if (inside) col = fg;
      else if (texture === 1 && Math.floor(y / period) % 2 === 0) col = bg.map((v) => v * 0.6);
      else if (texture === 2 && (Math.floor(x / period) + Math.floor(y / period)) % 2 === 0)
        col = bg.map((v) => v * 1.4);
      const o = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) {
        const v = col[c] * bright + (rng.uniform() - 0.5) * 24;
        out[o + c] = Math.min(255, Math.max(0, v));
      }
    }
  return out;
}

async function writeJpeg(
  path: string,
  k: number,
  size: number,
  quality: number,
  rng: SampleRandom,
): Promise<void> {
  const longer = Math.round(size * (1 + 0.33 * rng.uniform()));
  const portrait = rng.uniform() < 0.3;
  const w = portrait ? size : longer;
  const h = portrait ? longer : size;
  const rgb = drawClassImage(k, w, h, rng);
  await writeFile(
    path,
    await sharp(rgb, { raw: { width: w, height: h, channels: 3 } })
      .jpeg({ quality })
      .toBuffer(),
  );
}

/**
 * Generates the dataset under `dir` (created if needed). Deterministic in its options.
 * @example await generateImageNetLike('/tmp/tiny', { classes: 10, trainPerClass: 50, valPerClass: 10, size: 64, seed: 1 })
 */
export async function generateImageNetLike(
  dir: string,
  opts: GenerateOptions = {},
): Promise<GeneratedDataset> {
  const { classes = 10, trainPerClass = 20, valPerClass = 5, size = 64, seed = 0, quality = 90 } = opts;
  if (!Number.isInteger(classes) || classes < 1 || classes > 1000)
    throw new Error(`generateImageNetLike: classes must be an integer in [1, 1000], got ${classes}`);
  if (size < 8) throw new Error(`generateImageNetLike: size must be >= 8, got ${size}`);
  const table = imagenetClasses();
  const labels = Array.from({ length: classes }, (_, k) => Math.floor((k * 1000) / classes));
  const wnids = labels.map((l) => table.id(l));
  const jobs: (() => Promise<void>)[] = [];
  for (let k = 0; k < classes; k++) {
    const d = join(dir, 'train', wnids[k]);
    await mkdir(d, { recursive: true });
    for (let i = 0; i < trainPerClass; i++)
      jobs.push(() =>
        writeJpeg(
          join(d, `${wnids[k]}_${i}.JPEG`),
          k,
          size,
          quality,
          new SampleRandom(seed, 1, k * 100_003 + i),
        ),
      );
  }
  await mkdir(join(dir, 'val'), { recursive: true });
  const nVal = classes * valPerClass;
  const order = permutation(nVal, seed, 2); // val files interleave classes like the real val set
  const valClass = Array.from(order, (p) => p % classes);
  valClass.forEach((k, n) => {
    jobs.push(() =>
      writeJpeg(join(dir, 'val', valFileName(n + 1)), k, size, quality, new SampleRandom(seed, 3, n)),
    );
  });
  // Synthetic devkit IDs: a seeded permutation of the 1000 wnids (NOT the sorted order).
  const idOf = new Map<string, number>();
  Array.from(permutation(1000, seed, 4)).forEach((classIndex, i) => {
    idOf.set(table.id(classIndex), i + 1);
  });
  const mapping = [...idOf].sort((a, b) => a[1] - b[1]).map(([w, id]) => `${id} ${w}`);
  await writeFile(
    join(dir, 'ILSVRC2012_mapping.txt'),
    `# synthetic ILSVRC2012_ID wnid table (generated, not the devkit's)\n${mapping.join('\n')}\n`,
  );
  await writeFile(
    join(dir, 'ILSVRC2012_validation_ground_truth.txt'),
    `${valClass.map((k) => idOf.get(wnids[k])).join('\n')}\n`,
  );
  const csv = valClass.map((k, n) => `${valFileName(n + 1, '')},${wnids[k]} 0 0 ${size} ${size}`);
  await writeFile(join(dir, 'LOC_val_solution.csv'), `ImageId,PredictionString\n${csv.join('\n')}\n`);
  // Bounded concurrency: sharp encodes on the libuv pool.
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < jobs.length) await jobs[next++]();
    }),
  );
  return { root: dir, wnids, labels, train: classes * trainPerClass, val: nVal };
}
