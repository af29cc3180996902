import { type BatchCursor, disposeBatch } from './data';
import type { Batch } from './types';

/**
 * A small queue of batches requested ahead of the step that uses them. A loader creates each
 * batch's tensors as it produces them (on a GPU backend that queues the upload at once), so asking
 * for batch k + 1 before step k is encoded lets its decoding and upload overlap step k on the
 * device. `depth` 0 asks for each batch only when it is needed (the order of everything, random
 * draws of the loader included, is then exactly that of a loop without the queue).
 */
export class BatchQueue {
  private readonly ahead: Promise<Batch | null>[] = [];
  private ended = false;

  constructor(
    private readonly cursor: BatchCursor,
    private readonly depth: number,
    private readonly dispose: boolean,
  ) {}

  private request(): void {
    const p = this.cursor.next();
    // a failure surfaces when the batch is taken; never as an unhandled rejection meanwhile
    p.catch(() => {});
    this.ahead.push(p);
  }

  /**
   * The next batch (null at the end of the epoch). Then requests up to `allowed` (at most the
   * queue's depth) further batches, e.g. fewer when a checkpoint will be written after this batch's
   * step (a batch drawn ahead would advance random generators that the checkpoint saves).
   */
  async next(allowed = this.depth): Promise<Batch | null> {
    if (this.ahead.length === 0) {
      if (this.ended) return null;
      this.request();
    }
    const batch = await (this.ahead.shift() as Promise<Batch | null>);
    if (batch === null) {
      this.ended = true;
      return null;
    }
    this.topUp(allowed);
    return batch;
  }

  /** Requests batches until `min(allowed, depth)` are in flight. */
  topUp(allowed = this.depth): void {
    while (!this.ended && this.ahead.length < Math.min(allowed, this.depth)) this.request();
  }

  /** Disposes the batches fetched ahead (when batches are disposed after use) and closes the cursor. */
  async close(): Promise<void> {
    const rest = this.ahead.splice(0);
    for (const p of rest) {
      const b = await p.catch(() => null);
      if (b && this.dispose) disposeBatch(b);
    }
    await this.cursor.close();
  }
}
