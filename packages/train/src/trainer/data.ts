import type { Batch, BatchIterable, DataSource } from './types';

/** A pull-based cursor over sync or async batches, so the loop can peek and stop cleanly. */
export interface BatchCursor {
  next(): Promise<Batch | null>;
  close(): Promise<void>;
  /** Batches per epoch when the source says (arrays, loaders with `length`/`numBatches`). */
  readonly length: number | undefined;
}

function lengthOf(it: unknown): number | undefined {
  const o = it as { length?: unknown; numBatches?: unknown };
  if (typeof o.length === 'number') return o.length;
  if (typeof o.numBatches === 'number') return o.numBatches;
  return undefined;
}

/**
 * Opens the batches of `epoch` starting at batch `start`. Function sources seek themselves; plain
 * iterables are iterated from the beginning and the first `start` batches are discarded (disposed
 * when `dispose` is set).
 */
export async function openEpoch(
  source: DataSource,
  epoch: number,
  start: number,
  dispose: boolean,
): Promise<BatchCursor> {
  const seeks = typeof source === 'function';
  const iterable: BatchIterable = seeks ? source({ epoch, startBatch: start }) : source;
  if (
    iterable === null ||
    typeof iterable !== 'object' ||
    (!(Symbol.asyncIterator in iterable) && !(Symbol.iterator in iterable))
  ) {
    throw new Error(
      `Trainer: the data source for epoch ${epoch} is not an iterable of { input, target } batches`,
    );
  }
  const total = lengthOf(iterable);
  const it =
    Symbol.asyncIterator in iterable
      ? (iterable as AsyncIterable<Batch>)[Symbol.asyncIterator]()
      : (iterable as Iterable<Batch>)[Symbol.iterator]();
  const cursor: BatchCursor = {
    length: total === undefined ? undefined : seeks ? total + start : total,
    async next() {
      const r = await it.next();
      if (r.done) return null;
      const b = r.value;
      if (!b || typeof b !== 'object' || !('input' in b) || !('target' in b)) {
        throw new Error('Trainer: a batch must be an object { input: Tensor, target: Tensor }');
      }
      return b;
    },
    async close() {
      await it.return?.();
    },
  };
  if (!seeks) {
    for (let i = 0; i < start; i++) {
      const b = await cursor.next();
      if (b === null)
        throw new Error(
          `Trainer: cannot resume at batch ${start} of epoch ${epoch}: the data has only ${i} batches`,
        );
      if (dispose) disposeBatch(b);
    }
  }
  return cursor;
}

/**
 * Whether batches from `source` are disposed after use when the user did not say: yes for loaders
 * and generators (they make fresh tensors every epoch), no for an array of batches, which is a
 * dataset held in memory and iterated again every epoch (like Keras `fit(x, y)`).
 */
export function disposesByDefault(source: DataSource): boolean {
  return !Array.isArray(source);
}

/** Disposes a batch's tensors (if not already disposed). */
export function disposeBatch(b: Batch): void {
  if (!b.input.isDisposed) b.input.dispose();
  if (!b.target.isDisposed) b.target.dispose();
}
