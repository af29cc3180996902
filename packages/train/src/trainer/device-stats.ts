import {
  gather,
  maximum,
  noGrad,
  sumOfSquares,
  type Tensor,
  type TypedArray,
  tidy,
  zeros,
} from '@rectifier/tensor';

/**
 * What the host knows of a step whose statistics are still on the device.
 */
export interface PendingStep {
  step: number;
  epoch: number;
  /** Batches consumed in the epoch including this one. */
  batch: number;
  lr: number;
  batchSize: number;
  /** Indices (in the trainer's parameter order) of the parameters that had a gradient. */
  present: number[];
  /** Extra data to attach when the step is reported (e.g. its step profile). */
  extra?: Record<string, unknown>;
}

/** A step's statistics as read back. */
export interface StepStats {
  loss: number;
  /** Rows whose target scored at least as high as every class (top-1 correct). */
  correct: number;
  /** Sum of squares of each present parameter's gradient. */
  gradSq: number[];
  /** Index into `present` of the first gradient with a NaN or an infinity, or -1. */
  firstBadGrad: number;
  /** Whether the loss is NaN or infinite. */
  lossBad: boolean;
}

/**
 * Per-step training statistics kept on the device and read back together, so that a training loop
 * on an asynchronous device (a GPU) never waits for the device in the middle of a step: each step
 * writes one row [loss, top-1 correct count, sums of squares and non-finite flags of the gradients
 * and the loss] into a table, and a sticky flag that becomes 1 at the first non-finite value; the
 * optimizer skips its update on the device while the flag is set (`step({ skipIf })`), so the
 * parameters stay those from before the first bad step. The table is read with one transfer per
 * interval, requested when the interval is full and collected after the next step is encoded.
 */
export class DeviceStepStats {
  private table: Tensor | null = null;
  private readonly flag: Tensor;
  private rows: PendingStep[] = [];
  private inFlight: { data: Promise<TypedArray>; rows: PendingStep[]; width: number } | null = null;
  private readonly width: number;

  /**
   * @param capacity steps per read
   * @param params number of parameters (a row holds up to params + 1 sums and flags)
   */
  constructor(
    readonly capacity: number,
    params: number,
  ) {
    this.width = 2 + 2 * (params + 1) + 1;
    this.flag = noGrad(() => zeros([1]));
  }

  /** The sticky non-finite flag (one float32 element) for `optimizer.step({ skipIf })`. */
  get skipIf(): Tensor {
    return this.flag;
  }

  /** Steps recorded since the last read request. */
  get recorded(): number {
    return this.rows.length;
  }

  /**
   * Encodes the statistics of one step: `loss` (scalar), `output` [N, C] logits, `target` [N]
   * class indices, `grads` the gradients of the present parameters (in `meta.present` order).
   */
  record(loss: Tensor, output: Tensor, target: Tensor, grads: Tensor[], meta: PendingStep): void {
    if (this.rows.length >= this.capacity)
      throw new Error('DeviceStepStats: the table is full; read it first');
    const row = this.rows.length;
    noGrad(() => {
      if (this.table === null) this.table = zeros([this.capacity, this.width]);
      const table = this.table;
      tidy(() => {
        const m = grads.length + 1;
        const sq = sumOfSquares([...grads, loss]);
        const best = output.amax(1, true);
        const idx = target.reshape([target.shape[0], 1]);
        const mine = gather(output, 1, idx.dtype === 'int32' ? idx : idx.cast('int32'));
        const correct = mine.ge(best).sum();
        const r = table.narrow(0, row, 1).reshape([this.width]);
        r.narrow(0, 0, 1).assign(loss.reshape([1]));
        r.narrow(0, 1, 1).assign(correct.reshape([1]).cast('float32'));
        r.narrow(0, 2, 2 * m + 1).assign(sq);
        this.flag.assign(maximum(this.flag, sq.narrow(0, 2 * m, 1)));
      });
    });
    this.rows.push(meta);
  }

  /** Requests the read of the rows recorded so far (no wait); the next rows start a new interval. */
  requestRead(): void {
    if (this.rows.length === 0 || this.table === null) return;
    if (this.inFlight) throw new Error('DeviceStepStats: a read is already in flight; collect it first');
    // The copy is encoded now, before any later step writes the table: one table suffices. The
    // whole table is read (rows past `recorded` are ignored), so every read has the same size and
    // reuses the same staging buffer.
    const data = this.table.data(); // encodes the copy before returning
    data.catch(() => {});
    this.inFlight = { data, rows: this.rows, width: this.width };
    this.rows = [];
  }

  /** Whether a read was requested and not collected. */
  get pending(): boolean {
    return this.inFlight !== null;
  }

  /** Waits for the requested read and decodes its rows (empty when none was requested). */
  async collect(): Promise<Array<{ meta: PendingStep; stats: StepStats }>> {
    const f = this.inFlight;
    if (!f) return [];
    this.inFlight = null;
    const d = await f.data;
    return f.rows.map((meta, i) => {
      const base = i * f.width;
      const m = meta.present.length + 1;
      const at = (k: number) => d[base + k] as number;
      const gradSq = meta.present.map((_, j) => at(2 + j));
      let firstBadGrad = -1;
      for (let j = 0; j < m - 1; j++) {
        if (at(2 + m + j) !== 0) {
          firstBadGrad = j;
          break;
        }
      }
      return {
        meta,
        stats: {
          loss: at(0),
          correct: at(1),
          gradSq,
          firstBadGrad,
          lossBad: at(2 + m + m - 1) !== 0,
        },
      };
    });
  }

  dispose(): void {
    this.table?.dispose();
    this.table = null;
    this.flag.dispose();
  }
}
