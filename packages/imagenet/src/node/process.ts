/**
 * Turns a list of samples into one batch buffer. Runs inside loader workers (and in the main thread
 * when `workers: 0`). Per-sample failures become bad entries; they never throw.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isMainThread } from 'node:worker_threads';
import { planSample, type ResolvedTransform, renderViewInto, viewsPerSample } from '../transform.js';
import type { BadEntry } from './dataset.js';
import { BadImageError, probe, renderViewsSharp, type SharpOptions } from './decode.js';
import { type PackedRecord, ShardReader } from './pack.js';

/** One sample to load: a file path or a packed record, with its label and dataset index. */
export type WorkItem =
  | { index: number; label: number; path: string }
  | { index: number; label: number; path: string; rec: PackedRecord };

/** Settings a worker needs to process items (structured-cloneable). */
export interface WorkContext {
  transform: ResolvedTransform;
  seed: number;
  epoch: number;
  numClasses: number;
  sharp: SharpOptions;
  /** Samples decoded at once within one batch. */
  itemConcurrency: number;
  packed?: { dir: string; shards: string[]; encoding: 'raw' | 'jpeg' };
}

/** A processed batch (successful samples only, in item order). */
export interface WorkResult {
  data: Float32Array;
  labels: Int32Array;
  indices: Int32Array;
  bad: BadEntry[];
}

const readers = new Map<string, ShardReader>();

async function one(item: WorkItem, ctx: WorkContext, out: Float32Array, offset: number): Promise<void> {
  const t = ctx.transform;
  // Evaluation gets PIL's pixels exactly (what predict and torchvision compute); training views may
  // shrink in libvips, within a few grey levels, for speed.
  const sharpOpts: SharpOptions = { resampler: t.kind === 'train' ? 'libvips' : 'pil', ...ctx.sharp };
  if (!Number.isInteger(item.label) || item.label < 0 || item.label >= ctx.numClasses)
    throw new BadImageError(item.path, `label ${item.label} outside the class table [0, ${ctx.numClasses})`);
  if ('rec' in item && ctx.packed) {
    const p = ctx.packed;
    let reader = readers.get(p.dir);
    if (!reader) {
      reader = new ShardReader(p.dir, p.shards);
      readers.set(p.dir, reader);
    }
    const bytes = await reader.read(item.rec);
    const { views, light } = planSample(t, item.rec.width, item.rec.height, ctx.seed, ctx.epoch, item.index);
    if (p.encoding === 'jpeg') {
      await renderViewsSharp(bytes, views, light, t.normalization, out, offset, {
        ...sharpOpts,
        path: item.path,
      });
      return;
    }
    const img = { data: bytes, width: item.rec.width, height: item.rec.height };
    let o = offset;
    for (const v of views) {
      renderViewInto(img, v, light, t.normalization, out, o);
      o += 3 * v.crop.width * v.crop.height;
    }
    return;
  }
  let bytes: Uint8Array;
  try {
    // In a worker, a blocking read is cheaper than four thread-pool hops and blocks nobody else.
    bytes = isMainThread ? await readFile(item.path) : readFileSync(item.path);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new BadImageError(item.path, `unreadable (${err.code ?? err.message})`);
  }
  const { width, height } = probe(bytes, item.path);
  const { views, light } = planSample(t, width, height, ctx.seed, ctx.epoch, item.index);
  await renderViewsSharp(bytes, views, light, t.normalization, out, offset, {
    ...sharpOpts,
    path: item.path,
  });
}

/**
 * Processes items into a compact NCHW float32 buffer (views of a sample adjacent), reusing `reuse`
 * when it has exactly the right length.
 * @returns data of (good samples x views x 3 x k x k), their labels and dataset indices, bad entries
 */
export async function processItems(
  items: readonly WorkItem[],
  ctx: WorkContext,
  reuse?: Float32Array,
): Promise<WorkResult> {
  const k = ctx.transform.cropSize;
  const per = viewsPerSample(ctx.transform) * 3 * k * k;
  // A recycled buffer of the right size avoids faulting in fresh pages for every batch.
  const out = reuse && reuse.length === items.length * per ? reuse : new Float32Array(items.length * per);
  const ok = new Uint8Array(items.length);
  const bad: BadEntry[] = [];
  let next = 0;
  const run = async () => {
    while (next < items.length) {
      const i = next++;
      try {
        await one(items[i], ctx, out, i * per);
        ok[i] = 1;
      } catch (e) {
        bad.push(
          e instanceof BadImageError
            ? { path: e.path, reason: e.reason }
            : { path: items[i].path, reason: String((e as Error)?.message ?? e) },
        );
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, ctx.itemConcurrency) }, run));
  let n = 0;
  const labels: number[] = [];
  const indices: number[] = [];
  for (let i = 0; i < items.length; i++) {
    if (!ok[i]) continue;
    if (n !== i) out.copyWithin(n * per, i * per, (i + 1) * per);
    labels.push(items[i].label);
    indices.push(items[i].index);
    n++;
  }
  const data = n === items.length ? out : out.slice(0, n * per);
  return { data, labels: Int32Array.from(labels), indices: Int32Array.from(indices), bad };
}
