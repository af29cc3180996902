/**
 * Running mean of a scalar weighted by sample count (e.g. the mean loss over an epoch, where
 * each batch contributes `batchMean * batchSize`). Sums in float64.
 */
export class MeanMeter {
  private sum = 0;
  private count = 0;
  /** Adds `value` with weight `n` (default 1). */
  update(value: number, n = 1): void {
    this.sum += value * n;
    this.count += n;
  }
  /** The weighted mean, NaN before any update. */
  get mean(): number {
    return this.count === 0 ? Number.NaN : this.sum / this.count;
  }
  get n(): number {
    return this.count;
  }
  reset(): void {
    this.sum = 0;
    this.count = 0;
  }
  /** JSON state (for checkpoints). */
  stateDict(): { sum: number; count: number } {
    return { sum: this.sum, count: this.count };
  }
  loadStateDict(s: { sum: number; count: number }): void {
    this.sum = s.sum;
    this.count = s.count;
  }
}

/** Accumulates top-k error counts over batches; `rates` gives the error fractions. */
export class TopKMeter {
  readonly ks: readonly number[];
  private wrong: number[];
  private total = 0;
  constructor(ks: readonly number[] = [1, 5]) {
    this.ks = ks;
    this.wrong = ks.map(() => 0);
  }
  update(r: { n: number; errors: number[] }): void {
    this.total += r.n;
    r.errors.forEach((e, i) => {
      this.wrong[i] += e;
    });
  }
  /** Error fraction for each k (NaN before any update). */
  get rates(): number[] {
    return this.wrong.map((w) => (this.total === 0 ? Number.NaN : w / this.total));
  }
  get n(): number {
    return this.total;
  }
  reset(): void {
    this.total = 0;
    this.wrong = this.ks.map(() => 0);
  }
  /** JSON state (for checkpoints). */
  stateDict(): { total: number; wrong: number[] } {
    return { total: this.total, wrong: [...this.wrong] };
  }
  loadStateDict(s: { total: number; wrong: number[] }): void {
    if (s.wrong.length !== this.ks.length)
      throw new Error(`TopKMeter.loadStateDict: expected ${this.ks.length} counts, got ${s.wrong.length}`);
    this.total = s.total;
    this.wrong = [...s.wrong];
  }
}

/** Samples per second over the time spent inside `start()`/`stop()` windows. */
export class ThroughputMeter {
  private samples = 0;
  private ms = 0;
  private t0: number | null = null;
  start(): void {
    this.t0 = performance.now();
  }
  /** Ends a window that processed `n` samples. */
  stop(n: number): void {
    if (this.t0 === null) return;
    this.ms += performance.now() - this.t0;
    this.samples += n;
    this.t0 = null;
  }
  /** Samples per second (0 before any window). */
  get rate(): number {
    return this.ms === 0 ? 0 : (this.samples * 1000) / this.ms;
  }
  reset(): void {
    this.samples = 0;
    this.ms = 0;
    this.t0 = null;
  }
}
