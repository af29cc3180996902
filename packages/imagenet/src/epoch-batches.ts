/**
 * The epoch loop shared by the Node `ImageLoader` and the `BrowserImageLoader` (browser-safe): order
 * the epoch, keep up to `prefetch` batch tasks in flight, and hand the batches out in order with a
 * resumable position. How a batch task runs (worker threads, Web Workers, the calling thread) is the
 * caller's `run`; everything here is the same on both sides.
 */
import { epochOrder } from './shuffle.js';

/** What one batch task gives back: the samples that loaded (views adjacent) and the files left out. */
export interface BatchOutcome<Bad> {
  data: Float32Array;
  labels: Int32Array;
  indices: Int32Array;
  bad: readonly Bad[];
}

/**
 * One batch, as both loaders yield it (the Node `Batch` and the `BrowserBatch`). Views of a sample
 * are adjacent: with tenCrop, rows i*10..i*10+9 belong to labels[i].
 */
export interface EpochBatch {
  /** NCHW float32, N = samples * views. */
  data: Float32Array;
  shape: [number, number, number, number];
  /** One label per sample (int32, standard class indices). */
  labels: Int32Array;
  /** Dataset index of each sample. */
  indices: Int32Array;
  /** Views per sample (10 for tenCrop, else 1). */
  views: number;
  epoch: number;
  /** State after this batch: resuming from it continues with the next batch. */
  position: number;
}

/** Inputs of {@link epochBatches}: the loader's settings and how it runs a batch task. */
export interface EpochPlan<Item, Bad> {
  /** Samples in the dataset. */
  size: number;
  /** The epoch to iterate and the position (in this rank's order) to start from. */
  epoch: number;
  position: number;
  batchSize: number;
  shuffle: boolean;
  seed: number;
  rank: number;
  worldSize: number;
  dropLast: boolean;
  /** Batch tasks in flight at most. */
  prefetch: number;
  /** Views per sample and crop side: the yielded shape is [labels * views, 3, cropSize, cropSize]. */
  views: number;
  cropSize: number;
  /** The task item of dataset index `i`. */
  item: (i: number) => Item;
  /** Runs one batch task; a rejection surfaces when that batch's turn comes. */
  run: (items: Item[], epoch: number) => Promise<BatchOutcome<Bad>>;
  /** Called once per file a batch left out, in batch order. */
  onBad: (e: Bad) => void;
  /**
   * Called with the resumable state: `{ epoch, position }` after each batch is taken (before it is
   * yielded, so an empty batch still advances it), and `{ epoch + 1, position: 0 }` at the end.
   */
  onPosition: (s: { epoch: number; position: number }) => void;
}

/**
 * Yields the rest of one epoch's batches, prefetching: up to `prefetch` tasks run while the caller
 * consumes the head batch; batches whose every file failed are skipped (their position still counts).
 * @example
 * yield* epochBatches({ ...settings, epoch: 0, position: 0, item, run, onBad, onPosition });
 */
export async function* epochBatches<Item, Bad>(plan: EpochPlan<Item, Bad>): AsyncGenerator<EpochBatch> {
  const { epoch, batchSize: B, views, cropSize: k } = plan;
  const order = epochOrder(plan.size, epoch, {
    shuffle: plan.shuffle,
    seed: plan.seed,
    rank: plan.rank,
    worldSize: plan.worldSize,
    dropTail: plan.dropLast,
  });
  const end = plan.dropLast ? order.length - (order.length % B) : order.length;
  const queue: { stop: number; p: Promise<BatchOutcome<Bad>> }[] = [];
  let cursor = plan.position;
  const launch = () => {
    while (queue.length < plan.prefetch && cursor < end) {
      const stop = Math.min(end, cursor + B);
      const items = Array.from(order.subarray(cursor, stop), (i) => plan.item(i));
      const p = plan.run(items, epoch);
      p.catch(() => {}); // the rejection is observed when the batch is awaited
      queue.push({ stop, p });
      cursor = stop;
    }
  };
  launch();
  while (queue.length) {
    const head = queue.shift()!;
    const r = await head.p;
    launch();
    for (const e of r.bad) plan.onBad(e);
    plan.onPosition({ epoch, position: head.stop });
    if (r.labels.length === 0) continue;
    yield {
      data: r.data,
      shape: [r.labels.length * views, 3, k, k],
      labels: r.labels,
      indices: r.indices,
      views,
      epoch,
      position: head.stop,
    };
  }
  plan.onPosition({ epoch: epoch + 1, position: 0 });
}
