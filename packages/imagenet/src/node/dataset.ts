/**
 * Datasets on disk: a generic class-per-folder `imageFolder` and the ILSVRC2012 layouts
 * (train/<wnid>/*.JPEG; val/ flat with devkit ground truth or LOC_val_solution.csv; val/ in folders).
 * Unreadable directories and unusable labels never throw: they are listed in `skipped`.
 */
import { type Dirent, existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { ClassTable, imagenetClasses } from '../classes.js';
import {
  parseDevkitGroundTruth,
  parseIdMapping,
  parseLocValSolution,
  type ValLabel,
} from '../ground-truth.js';
import { readDevkitMeta } from './matlab.js';

/** One labelled file. */
export interface Sample {
  path: string;
  label: number;
}

/** A file or folder left out, with why. */
export interface BadEntry {
  path: string;
  reason: string;
}

/** A list of labelled image files. */
export interface FileDataset {
  root: string;
  classes: ClassTable;
  samples: Sample[];
  /** Entries not usable as samples (unreadable folders, unknown classes, missing files...). */
  skipped: BadEntry[];
}

/** Default image extensions (compared case-insensitively), like torchvision's IMG_EXTENSIONS subset. */
export const IMAGE_EXTENSIONS: readonly string[] = ['.jpg', '.jpeg', '.png'];

/** Options of {@link imageFolder}. */
export interface ImageFolderOptions {
  /** File extensions to include (case-insensitive, with the dot); default {@link IMAGE_EXTENSIONS}. */
  extensions?: readonly string[];
  /**
   * Class order. Default: the sub-folder names sorted by code point (torchvision's ImageFolder).
   * An explicit list or table fixes the indices; folders not in it are skipped and reported.
   */
  classes?: readonly string[] | ClassTable;
}

function errText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return err.code ? `${err.code}: ${err.message}` : String(err?.message ?? e);
}

/**
 * Python's string order (by code point), which torchvision's sorted() uses. JavaScript's default sort
 * compares UTF-16 code units, which puts characters above U+FFFF (emoji) before U+E000-U+FFFF.
 * @example ['a\u{1F600}', 'a\uFFFF'].sort(byCodePoint) // ['a\uFFFF', 'a\u{1F600}']
 */
export function byCodePoint(a: string, b: string): number {
  for (let i = 0, j = 0; i < a.length && j < b.length; ) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(j)!;
    if (x !== y) return x - y;
    i += x > 0xffff ? 2 : 1;
    j += y > 0xffff ? 2 : 1;
  }
  // one is a prefix of the other (equal code points consume equal lengths)
  return a.length - b.length;
}

function listDir(dir: string, skipped: BadEntry[]): string[] | null {
  try {
    return readdirSync(dir).sort(byCodePoint);
  } catch (e) {
    skipped.push({ path: dir, reason: `unreadable directory (${errText(e)})` });
    return null;
  }
}

function isDir(p: string): boolean | 'error' {
  try {
    return statSync(p).isDirectory();
  } catch {
    return 'error';
  }
}

/**
 * The image files under one class folder, sub-folders included, in torchvision's `make_dataset`
 * order: `sorted(os.walk(dir, followlinks=True))`, i.e. folders by path, files by name within each.
 * Linked folders are followed once (a link cycle is not walked again); unreadable ones are reported.
 */
function classFiles(dir: string, exts: ReadonlySet<string>, skipped: BadEntry[]): string[] {
  const groups: { dir: string; files: string[] }[] = [];
  const seen = new Set<string>();
  const visit = (d: string): void => {
    let entries: Dirent[];
    try {
      const real = realpathSync(d);
      if (seen.has(real)) return;
      seen.add(real);
      entries = readdirSync(d, { withFileTypes: true });
    } catch (e) {
      skipped.push({ path: d, reason: `unreadable directory (${errText(e)})` });
      return;
    }
    const files: string[] = [];
    for (const e of entries.sort((a, b) => byCodePoint(a.name, b.name))) {
      const p = join(d, e.name);
      // only links need a stat; a broken link is kept as a file when its extension matches (the
      // loader then reports it), as os.walk lists it among the files
      if (e.isDirectory() || (e.isSymbolicLink() && isDir(p) === true)) visit(p);
      else if (exts.has(extname(e.name).toLowerCase())) files.push(p);
    }
    groups.push({ dir: d, files });
  };
  visit(dir);
  groups.sort((a, b) => byCodePoint(a.dir, b.dir));
  return groups.flatMap((g) => g.files);
}

/**
 * Scans a class-per-folder tree `root/<class>/.../<files>` like torchvision's `ImageFolder`: classes
 * are the sub-folders of `root` sorted by name, and each class takes the image files anywhere below
 * its folder (folders by path, files by name).
 * @example const ds = imageFolder('/data/flowers'); ds.classes.ids // ['daisy', 'rose', ...]
 */
export function imageFolder(root: string, opts: ImageFolderOptions = {}): FileDataset {
  const exts = new Set((opts.extensions ?? IMAGE_EXTENSIONS).map((e) => e.toLowerCase()));
  const skipped: BadEntry[] = [];
  const entries = listDir(root, []);
  if (!entries) throw new Error(`imageFolder: cannot read dataset root '${root}'`);
  const folders: string[] = [];
  for (const name of entries) {
    const p = join(root, name);
    const d = isDir(p);
    if (d === true) folders.push(name);
    else if (d === 'error')
      skipped.push({ path: p, reason: 'unreadable directory entry (broken link or no permission)' });
  }
  const classes =
    opts.classes instanceof ClassTable
      ? opts.classes
      : new ClassTable(opts.classes ? [...opts.classes] : folders);
  const samples: Sample[] = [];
  for (const name of folders) {
    const dir = join(root, name);
    const label = classes.indexOf(name);
    if (label < 0) {
      skipped.push({ path: dir, reason: `folder '${name}' is not in the class table` });
      continue;
    }
    for (const path of classFiles(dir, exts, skipped)) samples.push({ path, label });
  }
  // An explicit list promises those folders; report the missing ones (a full class table such as
  // ImageNet's may legitimately be covered only in part).
  if (Array.isArray(opts.classes))
    for (const id of classes.ids)
      if (!folders.includes(id)) skipped.push({ path: join(root, id), reason: 'class folder missing' });
  return { root, classes, samples, skipped };
}

/** Where to find ILSVRC2012 validation labels (all optional: default file names are searched). */
export interface ImageNetValOptions {
  /** Path of `LOC_val_solution.csv`. */
  locCsv?: string;
  /** Path of the devkit's `ILSVRC2012_validation_ground_truth.txt`. */
  groundTruth?: string;
  /**
   * The ILSVRC2012_ID -> wnid mapping: the devkit's `meta.mat` (read directly) or a text file
   * (`<id> <wnid>` per line, or wnids in ID order). Searched by default as `ILSVRC2012_mapping.txt`,
   * then `meta.mat`.
   */
  idMapping?: string;
}

/** Options of {@link imagenetDataset}. */
export interface ImageNetOptions extends ImageNetValOptions {
  /** 'train' (default) or 'val'. */
  split?: 'train' | 'val';
  /** Extensions (default {@link IMAGE_EXTENSIONS}). */
  extensions?: readonly string[];
}

function findFile(candidates: string[]): string | undefined {
  return candidates.find((c) => existsSync(c));
}

/**
 * An ILSVRC2012 split with the standard 1000-class indices (sorted wnids; labels are the same
 * whether the folder holds all classes or a subset). `root` contains `train/` and `val/`.
 * - train: `train/<wnid>/*.JPEG`.
 * - val: `val/<wnid>/*` when sorted into folders; else flat `val/*.JPEG` labelled by
 *   `LOC_val_solution.csv`, or by `ILSVRC2012_validation_ground_truth.txt` + an ID -> wnid mapping
 *   (searched in root, root/val, root/ILSVRC2012_devkit_t12/data, root/devkit/data).
 * @example const train = imagenetDataset('/data/ILSVRC2012', { split: 'train' });
 */
export function imagenetDataset(root: string, opts: ImageNetOptions = {}): FileDataset {
  const split = opts.split ?? 'train';
  const dir = join(root, split);
  if (isDir(dir) !== true) throw new Error(`imagenetDataset: '${dir}' is not a readable directory`);
  const classes = imagenetClasses();
  const top = listDir(dir, []) ?? [];
  const hasClassFolders = top.some((n) => /^n\d{8}$/.test(n) && isDir(join(dir, n)) === true);
  if (split === 'train' || hasClassFolders) {
    const ds = imageFolder(dir, { classes, extensions: opts.extensions });
    for (const s of ds.skipped)
      if (/not in the class table/.test(s.reason)) s.reason += ' (not an ILSVRC2012 wnid)';
    return ds;
  }
  const exts = new Set((opts.extensions ?? IMAGE_EXTENSIONS).map((e) => e.toLowerCase()));
  const dirs = [root, dir, join(root, 'ILSVRC2012_devkit_t12', 'data'), join(root, 'devkit', 'data')];
  const skipped: BadEntry[] = [];
  let labels: ValLabel[];
  const csv = opts.locCsv ?? findFile(dirs.map((d) => join(d, 'LOC_val_solution.csv')));
  const gt = opts.groundTruth ?? findFile(dirs.map((d) => join(d, 'ILSVRC2012_validation_ground_truth.txt')));
  if (csv && !opts.groundTruth) labels = parseLocValSolution(readFileSync(csv, 'utf8'), csv);
  else if (gt) {
    const mapPath =
      opts.idMapping ??
      findFile(dirs.flatMap((d) => [join(d, 'ILSVRC2012_mapping.txt'), join(d, 'meta.mat')]));
    if (!mapPath)
      throw new Error(
        `imagenetDataset: found ${gt} but no ILSVRC2012_ID -> wnid mapping (meta.mat or ILSVRC2012_mapping.txt); pass idMapping (CLI: --id-mapping FILE; devkit IDs are not sorted-wnid indices)`,
      );
    const mapping = mapPath.toLowerCase().endsWith('.mat')
      ? readDevkitMeta(mapPath)
      : parseIdMapping(readFileSync(mapPath, 'utf8'), mapPath);
    const r = parseDevkitGroundTruth(readFileSync(gt, 'utf8'), mapping, gt);
    labels = r.labels;
    for (const b of r.bad) skipped.push({ path: join(dir, b.file), reason: b.reason });
  } else
    throw new Error(
      `imagenetDataset: '${dir}' is flat and no labels were found: give locCsv (LOC_val_solution.csv) or groundTruth + idMapping (CLI: --id-mapping FILE)`,
    );
  const present = new Set(top);
  const samples: Sample[] = [];
  for (const { file, wnid } of labels) {
    const path = join(dir, file);
    const label = classes.indexOf(wnid);
    if (!present.has(file)) skipped.push({ path, reason: 'listed in the ground truth but missing' });
    else if (label < 0) skipped.push({ path, reason: `label '${wnid}' is not in the class table` });
    else if (exts.has(extname(file).toLowerCase())) samples.push({ path, label });
  }
  // Images in val/ that no ground truth line labels: not samples, but reported (a partial label file
  // or a stray file would otherwise go unnoticed).
  const listed = new Set(labels.map((l) => l.file));
  for (const name of top)
    if (!listed.has(name) && exts.has(extname(name).toLowerCase()))
      skipped.push({ path: join(dir, name), reason: 'not listed in the ground truth (no label)' });
  samples.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { root: dir, classes, samples, skipped };
}
