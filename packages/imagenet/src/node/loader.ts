/**
 * The Node data loader: seeded per-epoch shuffling, sharding (rank/worldSize), a worker_threads pool
 * with prefetching, bad-file skipping, and a resumable `{ epoch, position }` state.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { ClassTable } from '../classes.js';
import { type EpochBatch, epochBatches } from '../epoch-batches.js';
import { epochOrder } from '../shuffle.js';
import { resolveTransform, type Transform, viewsPerSample } from '../transform.js';
import type { BadEntry, FileDataset } from './dataset.js';
import type { SharpOptions } from './decode.js';
import type { PackedDataset } from './pack.js';
import { defaultWorkerUrl, toPath, WorkerPool } from './pool.js';
import { processItems, type WorkContext, type WorkItem, type WorkResult } from './process.js';

/** Where an epoch stands: the next sample position (in this rank's order) of `epoch`. */
export interface LoaderState {
  epoch: number;
  position: number;
}

/** Options of {@link ImageLoader}. */
export interface LoaderOptions {
  /** What to produce per sample; e.g. `{ kind: 'train' }` (paper defaults) or `{ kind: 'center' }`. */
  transform: Transform;
  /** Samples per batch; default 128 (the paper's mini-batch). */
  batchSize?: number;
  /** Seeded shuffle per epoch; default true. */
  shuffle?: boolean;
  /** Seed of the shuffle and the augmentation; default 0. */
  seed?: number;
  /** Drop the last incomplete batch; default false. */
  dropLast?: boolean;
  /**
   * Worker threads; default min(4, availableParallelism()), or 0 with a warning when no built worker
   * script exists (running from TypeScript sources). 0 processes in the main thread.
   */
  workers?: number;
  /** Batches in flight; default 2 per worker (at least 2). */
  prefetch?: number;
  /** Samples each batch task decodes at once (sharp runs them on libuv threads); default 2. */
  itemConcurrency?: number;
  /** This process's rank and the number of processes; defaults 0 and 1. */
  rank?: number;
  worldSize?: number;
  /** Start (or resume) here; default `{ epoch: 0, position: 0 }`. */
  state?: LoaderState;
  /** Called once per skipped file; default: one `console.warn` line `[imagenet] skipped <path>: <reason>`. */
  onBadFile?: (e: BadEntry) => void;
  /** sharp settings (failOn, kernel, cmyk, resampler). */
  sharp?: SharpOptions;
  /**
   * The worker script. Default: `worker.js` next to the built module (dist/worker.js). Running from
   * TypeScript sources needs a built worker: pass its URL or path here.
   */
  workerUrl?: URL | string;
}

/** One batch. Views of a sample are adjacent: with tenCrop, rows i*10..i*10+9 belong to labels[i]. */
export interface Batch extends EpochBatch {}

/**
 * Iterates batches of a file dataset or a packed dataset. `for await (const b of loader)` yields the
 * rest of the current epoch; afterwards the state is `{ epoch + 1, position: 0 }`.
 * @example
 * const loader = new ImageLoader(imagenetDataset(root), { transform: { kind: 'train' }, batchSize: 128, seed: 1 });
 * for (let e = loader.state().epoch; e < 90; e++) for await (const b of loader) train(b);
 * await loader.close();
 */
export class ImageLoader implements AsyncIterable<Batch> {
  readonly classes: ClassTable;
  readonly size: number;
  private readonly opts: Required<Omit<LoaderOptions, 'state' | 'workerUrl' | 'onBadFile' | 'sharp'>>;
  private readonly onBad: (e: BadEntry) => void;
  private readonly ctxBase: Omit<WorkContext, 'epoch'>;
  private readonly workerUrl: URL | string;
  private pos: LoaderState;
  private pool: WorkerPool | null = null;
  private badCount = 0;
  private scanBadLogged = false;
  private iterating = false;
  private spare: Float32Array[] = [];

  constructor(
    private readonly dataset: FileDataset | PackedDataset,
    options: LoaderOptions,
  ) {
    this.workerUrl = options.workerUrl ?? defaultWorkerUrl();
    let workers = options.workers ?? Math.min(4, availableParallelism());
    if (options.workers === undefined && workers > 0 && !existsSync(toPath(this.workerUrl))) {
      // Running from TypeScript sources (e.g. another package's tests): no built worker exists.
      // An explicit `workers` count still fails loudly in startPool.
      console.warn(
        `[imagenet] no built worker at ${toPath(this.workerUrl)}; loading in the main thread (pass workers/workerUrl to change)`,
      );
      workers = 0;
    }
    this.opts = {
      transform: options.transform,
      batchSize: options.batchSize ?? 128,
      shuffle: options.shuffle ?? true,
      seed: options.seed ?? 0,
      dropLast: options.dropLast ?? false,
      workers,
      prefetch: options.prefetch ?? Math.max(2, 2 * workers),
      itemConcurrency: options.itemConcurrency ?? 2,
      rank: options.rank ?? 0,
      worldSize: options.worldSize ?? 1,
    };
    if (!Number.isInteger(this.opts.batchSize) || this.opts.batchSize < 1)
      throw new Error(`ImageLoader: batchSize must be a positive integer, got ${this.opts.batchSize}`);
    this.classes = dataset.classes;
    this.size = 'kind' in dataset ? dataset.length : dataset.samples.length;
    this.onBad = options.onBadFile ?? ((e) => console.warn(`[imagenet] skipped ${e.path}: ${e.reason}`));
    this.pos = { ...(options.state ?? { epoch: 0, position: 0 }) };
    const transform = resolveTransform(options.transform);
    this.ctxBase = {
      transform,
      seed: this.opts.seed,
      numClasses: this.classes.size,
      sharp: options.sharp ?? {},
      itemConcurrency: this.opts.itemConcurrency,
      packed:
        'kind' in dataset
          ? { dir: dataset.dir, shards: dataset.meta.shards, encoding: dataset.meta.encoding }
          : undefined,
    };
    epochOrder(0, 0, { rank: this.opts.rank, worldSize: this.opts.worldSize }); // validates rank/worldSize
  }

  /** Current position; save it with a checkpoint and pass it back as `state` to resume. */
  state(): LoaderState {
    return { ...this.pos };
  }

  /** Moves to a state (e.g. `{ epoch: 5, position: 0 }`). Not allowed while iterating. */
  setState(s: LoaderState): void {
    if (this.iterating)
      throw new Error('ImageLoader.setState: cannot change state while an epoch is being iterated');
    this.pos = { ...s };
  }

  /** Samples this rank sees per epoch. */
  get samplesPerEpoch(): number {
    const n = this.size;
    const w = this.opts.worldSize;
    return this.opts.dropLast ? Math.floor(n / w) : Math.ceil(n / w);
  }

  /** Batches per epoch on this rank. */
  get length(): number {
    const m = this.samplesPerEpoch;
    return this.opts.dropLast ? Math.floor(m / this.opts.batchSize) : Math.ceil(m / this.opts.batchSize);
  }

  /** Files skipped so far (dataset scan + decode failures). */
  get skipped(): number {
    return this.badCount;
  }

  private item(i: number): WorkItem {
    const ds = this.dataset;
    if ('kind' in ds) {
      const rec = ds.record(i);
      return { index: i, label: rec.label, path: `${ds.dir}#${i}`, rec };
    }
    const s = ds.samples[i];
    return { index: i, label: s.label, path: s.path };
  }

  private startPool(): void {
    if (!this.pool && this.opts.workers > 0) this.pool = new WorkerPool(this.opts.workers, this.workerUrl);
  }

  private run(items: WorkItem[], epoch: number): Promise<WorkResult> {
    const ctx: WorkContext = { ...this.ctxBase, epoch };
    if (!this.pool) return processItems(items, ctx, this.spare.pop());
    return this.pool.run(items, ctx);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Batch> {
    if (this.iterating) throw new Error('ImageLoader: already iterating (one epoch at a time)');
    this.iterating = true;
    try {
      if (!this.scanBadLogged && !('kind' in this.dataset)) {
        this.scanBadLogged = true;
        for (const e of this.dataset.skipped) {
          this.badCount++;
          this.onBad(e);
        }
      }
      this.startPool();
      yield* epochBatches({
        ...this.opts,
        size: this.size,
        ...this.pos,
        views: viewsPerSample(this.ctxBase.transform),
        cropSize: this.ctxBase.transform.cropSize,
        item: (i) => this.item(i),
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

  /**
   * Hands a batch's buffer back for reuse once you are done with it (e.g. after `toTensors`, which
   * copies). Optional: it saves faulting in fresh memory for every batch. Do not touch
   * `batch.data` afterwards: with workers it is transferred away (its length becomes 0).
   */
  recycle(batch: Batch): void {
    const buf = batch.data;
    if (buf.length === 0) return;
    if (this.pool) this.pool.recycle(buf);
    else if (this.spare.length < 4) this.spare.push(buf);
  }

  /** Terminates the worker threads (a later iteration starts new ones). */
  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = null;
    await pool?.close();
  }
}
