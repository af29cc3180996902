/**
 * The browser data loader: the Node `ImageLoader`'s epoch logic (seeded shuffle per epoch, sharding,
 * resumable `{ epoch, position }`, bad files skipped and counted) over image URLs, with a pool of
 * Web Workers that fetch, decode (createImageBitmap / ImageDecoder) and transform whole batches and
 * hand the float buffer back as a transfer. With `workers: 0` the same code runs on the calling thread.
 */
import { type EpochBatch, epochBatches } from '../epoch-batches.js';
import { epochOrder } from '../shuffle.js';
import { type ResolvedTransform, resolveTransform, type Transform, viewsPerSample } from '../transform.js';
import { loadSampleBrowser } from './index.js';

/** One labelled image: any URL `fetch` can read in the worker (http(s), blob:, data:). */
export interface BrowserSample {
  url: string;
  label: number;
}

/** A file left out of a batch, with why (same shape as the Node loader's). */
export interface BrowserBadEntry {
  path: string;
  reason: string;
}

/** Where an epoch stands: the next sample position (in this rank's order) of `epoch`. */
export interface BrowserLoaderState {
  epoch: number;
  position: number;
}

/** Options of {@link BrowserImageLoader}. */
export interface BrowserLoaderOptions {
  /** What to produce per sample (as in the Node loader); e.g. `{ kind: 'train' }`. */
  transform: Transform;
  /** Samples per batch; default 128. */
  batchSize?: number;
  /** Seeded shuffle per epoch; default true. */
  shuffle?: boolean;
  /** Seed of the shuffle and the augmentation; default 0. */
  seed?: number;
  /** Drop the last incomplete batch; default false. */
  dropLast?: boolean;
  /** Number of classes: labels outside [0, numClasses) are skipped as bad. Default: no check. */
  numClasses?: number;
  /**
   * A worker script that calls {@link serveLoaderWorker} (see the README). Without it the loader
   * runs on the calling thread (`workers` must then be 0 or unset).
   */
  workerUrl?: string | URL;
  /** `new Worker(url, { type })`; default 'module'. */
  workerType?: 'module' | 'classic';
  /** Web Workers; default min(4, navigator.hardwareConcurrency) with a `workerUrl`, else 0. */
  workers?: number;
  /** Batches in flight; default 2 per worker (at least 2). */
  prefetch?: number;
  /** This process's rank and the number of processes (e.g. tabs); defaults 0 and 1. */
  rank?: number;
  worldSize?: number;
  /** Start (or resume) here; default `{ epoch: 0, position: 0 }`. */
  state?: BrowserLoaderState;
  /** Called once per skipped file; default: one `console.warn` line `[imagenet] skipped <url>: <reason>`. */
  onBadFile?: (e: BrowserBadEntry) => void;
}

/** One batch, laid out like the Node loader's (views of a sample adjacent). */
export interface BrowserBatch extends EpochBatch {}

/** A batch task as sent to a worker (structured-cloneable). */
interface BatchTask {
  id: number;
  items: { index: number; label: number; url: string }[];
  transform: ResolvedTransform;
  seed: number;
  epoch: number;
  numClasses: number;
}

interface BatchResult {
  id: number;
  data: Float32Array;
  labels: Int32Array;
  indices: Int32Array;
  bad: BrowserBadEntry[];
}

/** Fetches, decodes and transforms one batch task; per-file failures become bad entries. */
async function processTask(t: BatchTask): Promise<BatchResult> {
  const per = viewsPerSample(t.transform) * 3 * t.transform.cropSize * t.transform.cropSize;
  const parts: Float32Array[] = [];
  const labels: number[] = [];
  const indices: number[] = [];
  const bad: BrowserBadEntry[] = [];
  for (const it of t.items) {
    try {
      if (!Number.isInteger(it.label) || it.label < 0 || it.label >= t.numClasses)
        throw new Error(`label ${it.label} outside the class table [0, ${t.numClasses})`);
      const res = await fetch(it.url);
      if (!res.ok) throw new Error(`fetch failed (HTTP ${res.status})`);
      const bytes = new Uint8Array(await res.arrayBuffer());
      parts.push(await loadSampleBrowser(bytes, t.transform, t.seed, t.epoch, it.index, it.url));
      labels.push(it.label);
      indices.push(it.index);
    } catch (e) {
      const msg = String((e as Error)?.message ?? e);
      bad.push({ path: it.url, reason: msg.startsWith(`${it.url}: `) ? msg.slice(it.url.length + 2) : msg });
    }
  }
  const data = new Float32Array(parts.length * per);
  parts.forEach((p, i) => {
    data.set(p, i * per);
  });
  return { id: t.id, data, labels: Int32Array.from(labels), indices: Int32Array.from(indices), bad };
}

/**
 * Makes the current worker serve {@link BrowserImageLoader} batch tasks. Call it at the top level of
 * the worker script you pass as `workerUrl`.
 * @example
 * // loader-worker.js
 * import { serveLoaderWorker } from '@rectifier/imagenet/browser';
 * serveLoaderWorker();
 */
export function serveLoaderWorker(scope: any = globalThis): void {
  scope.onmessage = async (ev: MessageEvent<BatchTask>) => {
    const r = await processTask(ev.data);
    scope.postMessage(r, [r.data.buffer]);
  };
}

/**
 * Iterates batches of labelled image URLs in a browser. `for await (const b of loader)` yields the
 * rest of the current epoch; afterwards the state is `{ epoch + 1, position: 0 }`. The order and the
 * augmentation of every sample depend only on (seed, epoch, index), as in the Node loader.
 * @example
 * const loader = new BrowserImageLoader(samples, {
 *   transform: { kind: 'train', scaleRange: [36, 64], cropSize: 32 },
 *   batchSize: 64,
 *   workerUrl: new URL('./loader-worker.js', import.meta.url),
 * });
 * for await (const b of loader) train(toTensors(b));
 * loader.close();
 */
export class BrowserImageLoader implements AsyncIterable<BrowserBatch> {
  private readonly transform: ResolvedTransform;
  private readonly opts: {
    batchSize: number;
    shuffle: boolean;
    seed: number;
    dropLast: boolean;
    numClasses: number;
    workers: number;
    prefetch: number;
    rank: number;
    worldSize: number;
  };
  private readonly onBad: (e: BrowserBadEntry) => void;
  private pos: BrowserLoaderState;
  private pool: Worker[] = [];
  private pending = new Map<number, { resolve: (r: BatchResult) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private badCount = 0;
  private iterating = false;

  constructor(
    private readonly samples: readonly BrowserSample[],
    private readonly options: BrowserLoaderOptions,
  ) {
    const hw = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator
      ?.hardwareConcurrency;
    const workers = options.workers ?? (options.workerUrl ? Math.min(4, hw ?? 2) : 0);
    if (!Number.isInteger(workers) || workers < 0)
      throw new Error(`BrowserImageLoader: workers must be an integer >= 0, got ${workers}`);
    if (workers > 0 && !options.workerUrl)
      throw new Error(
        'BrowserImageLoader: workers > 0 needs workerUrl, a worker script that calls serveLoaderWorker()',
      );
    this.transform = resolveTransform(options.transform);
    this.opts = {
      batchSize: options.batchSize ?? 128,
      shuffle: options.shuffle ?? true,
      seed: options.seed ?? 0,
      dropLast: options.dropLast ?? false,
      numClasses: options.numClasses ?? Number.MAX_SAFE_INTEGER,
      workers,
      prefetch: options.prefetch ?? Math.max(2, 2 * workers),
      rank: options.rank ?? 0,
      worldSize: options.worldSize ?? 1,
    };
    if (!Number.isInteger(this.opts.batchSize) || this.opts.batchSize < 1)
      throw new Error(`BrowserImageLoader: batchSize must be a positive integer, got ${this.opts.batchSize}`);
    this.onBad = options.onBadFile ?? ((e) => console.warn(`[imagenet] skipped ${e.path}: ${e.reason}`));
    this.pos = { ...(options.state ?? { epoch: 0, position: 0 }) };
    epochOrder(0, 0, { rank: this.opts.rank, worldSize: this.opts.worldSize }); // validates rank/worldSize
  }

  /** Current position; save it and pass it back as `state` to resume. */
  state(): BrowserLoaderState {
    return { ...this.pos };
  }

  /** Files skipped so far. */
  get skipped(): number {
    return this.badCount;
  }

  private startPool(): void {
    if (this.pool.length > 0 || this.opts.workers === 0) return;
    const url = this.options.workerUrl!;
    for (let w = 0; w < this.opts.workers; w++) {
      const worker = new Worker(url, { type: this.options.workerType ?? 'module' });
      worker.onmessage = (ev: MessageEvent<BatchResult>) => {
        const p = this.pending.get(ev.data.id);
        this.pending.delete(ev.data.id);
        p?.resolve(ev.data);
      };
      worker.onerror = (ev: ErrorEvent) => {
        ev.preventDefault?.();
        const err = new Error(
          `BrowserImageLoader: worker ${String(url)} failed (${ev.message || 'script error'}); it must call serveLoaderWorker()`,
        );
        for (const p of this.pending.values()) p.reject(err);
        this.pending.clear();
      };
      this.pool.push(worker);
    }
  }

  private run(items: BatchTask['items'], epoch: number): Promise<BatchResult> {
    const task: BatchTask = {
      id: this.nextId++,
      items,
      transform: this.transform,
      seed: this.opts.seed,
      epoch,
      numClasses: this.opts.numClasses,
    };
    if (this.pool.length === 0) return processTask(task);
    return new Promise((resolve, reject) => {
      this.pending.set(task.id, { resolve, reject });
      this.pool[task.id % this.pool.length].postMessage(task);
    });
  }

  async *[Symbol.asyncIterator](): AsyncIterator<BrowserBatch> {
    if (this.iterating) throw new Error('BrowserImageLoader: already iterating (one epoch at a time)');
    this.iterating = true;
    try {
      this.startPool();
      yield* epochBatches({
        ...this.opts,
        size: this.samples.length,
        ...this.pos,
        views: viewsPerSample(this.transform),
        cropSize: this.transform.cropSize,
        item: (i) => ({ index: i, label: this.samples[i].label, url: this.samples[i].url }),
        run: (items, epoch) => this.run(items, epoch),
        onBad: (e) => {
          this.badCount++;
          this.onBad(e);
        },
        onPosition: (s) => {
          this.pos = s;
        },
      });
    } finally {
      this.iterating = false;
    }
  }

  /** Terminates the workers (a later iteration starts new ones). */
  close(): void {
    for (const w of this.pool) w.terminate();
    this.pool = [];
    const err = new Error('BrowserImageLoader: closed');
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}
