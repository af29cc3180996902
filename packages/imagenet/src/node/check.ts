/**
 * `check(dir)`: scans a dataset, decodes every file and reports counts per class and every file or
 * folder that cannot be used (path and reason). Used by the CLI's check subcommand.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  type BadEntry,
  type FileDataset,
  type ImageNetValOptions,
  imageFolder,
  imagenetDataset,
} from './dataset.js';
import { BadImageError, decodeImage, probe } from './decode.js';
import { checkMaxFileBytes, readImageFile } from './read-file.js';

/** Per-class line of a {@link CheckReport}. */
export interface ClassCount {
  index: number;
  id: string;
  name: string;
  /** Files that decoded. */
  ok: number;
  /** Files that did not. */
  bad: number;
}

/** Result of {@link check} for one split or folder. */
export interface CheckReport {
  root: string;
  layout: 'imagenet-train' | 'imagenet-val' | 'image-folder';
  /** Classes that have at least one file (ok or bad). */
  classes: ClassCount[];
  total: number;
  ok: number;
  /** Every unusable file or folder: decode failures plus entries the scan skipped. */
  bad: BadEntry[];
}

/** Options of {@link check}. */
export interface CheckOptions extends ImageNetValOptions {
  /** Files decoded at once; default 4. */
  concurrency?: number;
  /** Only read headers instead of full decodes (fast, misses truncated data); default false. */
  headersOnly?: boolean;
  /** Largest image file read, in bytes (larger ones are reported); default 64 MiB. */
  maxFileBytes?: number;
}

async function checkDataset(
  ds: FileDataset,
  layout: CheckReport['layout'],
  opts: CheckOptions,
): Promise<CheckReport> {
  const bad: BadEntry[] = [...ds.skipped];
  const maxFileBytes = checkMaxFileBytes(opts.maxFileBytes, 'check');
  const okByClass = new Map<number, number>();
  const badByClass = new Map<number, number>();
  let next = 0;
  const work = async () => {
    while (next < ds.samples.length) {
      const s = ds.samples[next++];
      try {
        const bytes = await readImageFile(s.path, maxFileBytes);
        if (opts.headersOnly) probe(bytes, s.path);
        else await decodeImage(bytes, { path: s.path, shorterSide: undefined });
        okByClass.set(s.label, (okByClass.get(s.label) ?? 0) + 1);
      } catch (e) {
        const reason = e instanceof BadImageError ? e.reason : `unreadable (${(e as Error).message})`;
        bad.push({ path: s.path, reason });
        badByClass.set(s.label, (badByClass.get(s.label) ?? 0) + 1);
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency ?? 4 }, work));
  const labels = [...new Set([...okByClass.keys(), ...badByClass.keys()])].sort((a, b) => a - b);
  const classes = labels.map((i) => ({
    index: i,
    id: ds.classes.id(i),
    name: ds.classes.name(i),
    ok: okByClass.get(i) ?? 0,
    bad: badByClass.get(i) ?? 0,
  }));
  const ok = classes.reduce((a, c) => a + c.ok, 0);
  return { root: ds.root, layout, classes, total: ds.samples.length, ok, bad };
}

/**
 * Checks a dataset directory. An ILSVRC2012 root (with train/ and/or val/) gives one report per
 * split present; any other directory is treated as an ImageFolder.
 * @example const [train] = await check('/data/ILSVRC2012'); console.log(train.ok, train.bad.length);
 */
export async function check(dir: string, opts: CheckOptions = {}): Promise<CheckReport[]> {
  const reports: CheckReport[] = [];
  const hasTrain = existsSync(join(dir, 'train'));
  const hasVal = existsSync(join(dir, 'val'));
  if (!hasTrain && !hasVal) return [await checkDataset(imageFolder(dir), 'image-folder', opts)];
  if (hasTrain)
    reports.push(await checkDataset(imagenetDataset(dir, { split: 'train' }), 'imagenet-train', opts));
  if (hasVal)
    reports.push(await checkDataset(imagenetDataset(dir, { ...opts, split: 'val' }), 'imagenet-val', opts));
  return reports;
}
