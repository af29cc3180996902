/**
 * Packed datasets: images pre-resized (shorter side, default 256) and stored back to back in large
 * shard files, with a binary index. `encoding: 'raw'` stores RGB bytes so "decoding" is a read;
 * `'jpeg'` stores re-encoded JPEGs (about 10x smaller, still skips the large-image decode).
 * Layout: meta.json, index.bin (6 little-endian uint32 per image: shard, offset, length, width,
 * height, label), shard-00000.bin, ...
 */
import { type FileHandle, mkdir, open, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { ClassTable } from '../classes.js';
import type { RGBImage } from '../resample.js';
import type { BadEntry, FileDataset } from './dataset.js';
import { BadImageError, decodeImage } from './decode.js';
import { checkMaxFileBytes, readImageFile } from './read-file.js';

/** Contents of meta.json. */
export interface PackedMeta {
  format: 'rectifier-packed-v1';
  encoding: 'raw' | 'jpeg';
  shorterSide: number;
  count: number;
  classes: { ids: string[]; names: string[] };
  shards: string[];
}

/** Index entry of one packed image. */
export interface PackedRecord {
  shard: number;
  offset: number;
  length: number;
  width: number;
  height: number;
  label: number;
}

/** Options of {@link pack}. */
export interface PackOptions {
  /** Shorter side after resizing (never upscales: smaller images keep their size). Default 256. */
  shorterSide?: number;
  /** 'raw' (default) or 'jpeg'. */
  encoding?: 'raw' | 'jpeg';
  /** JPEG quality for 'jpeg'; default 90. */
  quality?: number;
  /** Start a new shard after this many bytes; default 1 GiB (offsets are uint32). */
  shardBytes?: number;
  /** Images decoded at once; default 4. */
  concurrency?: number;
  /** Called once per unusable file (default: one console.warn line). */
  onBadFile?: (e: BadEntry) => void;
  /** Largest image file read, in bytes (larger ones are skipped and reported); default 64 MiB. */
  maxFileBytes?: number;
}

const RECORD_WORDS = 6;

/**
 * Packs a file dataset into `outDir`. Bad files are logged, skipped and returned; sample order is
 * kept. Returns the number of images packed, the skipped entries and the bytes written.
 * @example await pack(imagenetDataset(root), '/data/packed-train', { shorterSide: 256 });
 */
export async function pack(
  ds: FileDataset,
  outDir: string,
  opts: PackOptions = {},
): Promise<{ count: number; bad: BadEntry[]; bytes: number }> {
  const { shorterSide = 256, encoding = 'raw', quality = 90, concurrency = 4 } = opts;
  const shardBytes = Math.min(opts.shardBytes ?? 2 ** 30, 2 ** 32 - 1);
  const maxFileBytes = checkMaxFileBytes(opts.maxFileBytes, 'pack');
  const log = opts.onBadFile ?? ((e: BadEntry) => console.warn(`[imagenet] skipped ${e.path}: ${e.reason}`));
  await mkdir(outDir, { recursive: true });
  const bad: BadEntry[] = [...ds.skipped];
  ds.skipped.forEach(log);
  const shards: string[] = [];
  const index: number[] = [];
  let fh: FileHandle | null = null;
  let shardOffset = 0;
  let total = 0;
  const encode = async (
    path: string,
    label: number,
  ): Promise<{ bytes: Uint8Array; w: number; h: number } | null> => {
    try {
      if (label < 0 || label >= ds.classes.size)
        throw new BadImageError(path, `label ${label} outside the class table [0, ${ds.classes.size})`);
      const buf = await readImageFile(path, maxFileBytes);
      const probeImg = await decodeImage(buf, { path });
      const s = Math.min(probeImg.width, probeImg.height) > shorterSide ? shorterSide : undefined;
      const img: RGBImage = s ? await decodeImage(buf, { path, shorterSide: s }) : probeImg;
      if (encoding === 'raw') return { bytes: img.data, w: img.width, h: img.height };
      const jpg = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
        .jpeg({ quality })
        .toBuffer();
      return { bytes: jpg, w: img.width, h: img.height };
    } catch (e) {
      const entry =
        e instanceof BadImageError
          ? { path, reason: e.reason }
          : { path, reason: `unreadable (${(e as Error).message})` };
      bad.push(entry);
      log(entry);
      return null;
    }
  };
  // Decode in parallel, write in dataset order.
  const pending: Promise<{ bytes: Uint8Array; w: number; h: number } | null>[] = [];
  let next = 0;
  const fill = () => {
    while (pending.length < concurrency && next < ds.samples.length) {
      const s = ds.samples[next++];
      pending.push(encode(s.path, s.label));
    }
  };
  const labels: number[] = [];
  let k = 0;
  fill();
  while (pending.length) {
    const r = await pending.shift()!;
    const label = ds.samples[k++].label;
    fill();
    if (!r) continue;
    if (!fh || shardOffset + r.bytes.length > shardBytes) {
      await fh?.close();
      const name = `shard-${String(shards.length).padStart(5, '0')}.bin`;
      shards.push(name);
      fh = await open(join(outDir, name), 'w');
      shardOffset = 0;
    }
    await fh.write(r.bytes, 0, r.bytes.length, shardOffset);
    index.push(shards.length - 1, shardOffset, r.bytes.length, r.w, r.h, label);
    labels.push(label);
    shardOffset += r.bytes.length;
    total += r.bytes.length;
  }
  await fh?.close();
  const idx = new Uint32Array(index);
  await writeFile(join(outDir, 'index.bin'), new Uint8Array(idx.buffer));
  const meta: PackedMeta = {
    format: 'rectifier-packed-v1',
    encoding,
    shorterSide,
    count: labels.length,
    classes: { ids: [...ds.classes.ids], names: [...ds.classes.names] },
    shards,
  };
  await writeFile(join(outDir, 'meta.json'), `${JSON.stringify(meta)}\n`);
  return { count: labels.length, bad, bytes: total };
}

/** An opened packed dataset (index in memory, shards read on demand). */
export interface PackedDataset {
  kind: 'packed';
  dir: string;
  meta: PackedMeta;
  classes: ClassTable;
  /** Raw index: 6 uint32 per image. */
  index: Uint32Array;
  length: number;
  /** Index entry of image i. */
  record(i: number): PackedRecord;
}

/**
 * Opens a packed dataset written by {@link pack}, validating meta.json and the index size.
 * @example const ds = await openPacked('/data/packed-train'); ds.length
 */
export async function openPacked(dir: string): Promise<PackedDataset> {
  const meta = JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8')) as PackedMeta;
  if (meta.format !== 'rectifier-packed-v1')
    throw new Error(`openPacked: ${dir}/meta.json has format '${meta.format}', expected rectifier-packed-v1`);
  const buf = await readFile(join(dir, 'index.bin'));
  if (buf.length !== meta.count * RECORD_WORDS * 4)
    throw new Error(
      `openPacked: ${dir}/index.bin has ${buf.length} bytes, expected ${meta.count * RECORD_WORDS * 4} for ${meta.count} images`,
    );
  const index = new Uint32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length));
  const classes = new ClassTable(meta.classes.ids, meta.classes.names);
  return {
    kind: 'packed',
    dir,
    meta,
    classes,
    index,
    length: meta.count,
    record(i: number): PackedRecord {
      if (!Number.isInteger(i) || i < 0 || i >= meta.count)
        throw new Error(`PackedDataset: index ${i} outside [0, ${meta.count})`);
      const o = i * RECORD_WORDS;
      return {
        shard: index[o],
        offset: index[o + 1],
        length: index[o + 2],
        width: index[o + 3],
        height: index[o + 4],
        label: index[o + 5],
      };
    },
  };
}

/** Reads packed records with one open handle per shard (used by loader workers). */
export class ShardReader {
  private handles = new Map<number, Promise<FileHandle>>();
  constructor(
    private readonly dir: string,
    private readonly shards: readonly string[],
  ) {}

  /** Bytes of one record. */
  async read(r: PackedRecord): Promise<Uint8Array> {
    let h = this.handles.get(r.shard);
    if (!h) {
      const name = this.shards[r.shard];
      if (!name) throw new Error(`ShardReader: shard ${r.shard} not in meta.json`);
      h = open(join(this.dir, name), 'r');
      this.handles.set(r.shard, h);
    }
    const out = new Uint8Array(r.length);
    const { bytesRead } = await (await h).read(out, 0, r.length, r.offset);
    if (bytesRead !== r.length)
      throw new Error(`shard ${this.shards[r.shard]} is truncated at offset ${r.offset}`);
    return out;
  }

  /** Closes every shard handle. */
  async close(): Promise<void> {
    for (const h of this.handles.values()) await (await h).close();
    this.handles.clear();
  }
}
