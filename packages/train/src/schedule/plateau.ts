import { checkType, need, type Schedule, type ScheduleState } from './schedule';

/** Options of `ReduceLROnPlateau` (names and defaults of PyTorch's). */
export interface ReduceLROnPlateauOptions {
  /** 'min' for errors and losses (default), 'max' for accuracies. */
  mode?: 'min' | 'max';
  /** Multiplier applied at each reduction. Default 0.1 (the paper divides by 10). */
  factor?: number;
  /** Steps without improvement tolerated before a reduction. Default 10. */
  patience?: number;
  /** Minimum change that counts as an improvement. Default 1e-4. */
  threshold?: number;
  /** 'rel': improvement means better than best * (1 -/+ threshold); 'abs': best -/+ threshold. Default 'rel'. */
  thresholdMode?: 'rel' | 'abs';
  /** Steps to wait after a reduction before counting bad steps again. Default 0. */
  cooldown?: number;
  /** Lower bound on the learning rate. Default 0. */
  minLr?: number;
  /** Cap on the number of reductions (the paper: 1e-2 -> 1e-3 -> 1e-4 is 2). Default Infinity. */
  maxReductions?: number;
}

/**
 * The paper's rule (§3): "the learning rate is 1e-2, 1e-3, 1e-4, switched when the error plateaus".
 * The monitored value (by default the validation top-1 error) is passed to `LRScheduler.step(metric)`;
 * after `patience` steps without an improvement larger than `threshold`, the learning rate is
 * multiplied by `factor`. `lr = max(base * factor^reductions, minLr)`.
 *
 * @example
 * ```ts
 * const sched = new LRScheduler(opt, new ReduceLROnPlateau({ patience: 2, maxReductions: 2 }));
 * sched.step(valTop1Error); // once per epoch
 * ```
 */
export class ReduceLROnPlateau implements Schedule {
  readonly type = 'ReduceLROnPlateau';
  readonly opts: Required<ReduceLROnPlateauOptions>;
  /** Best value seen so far (Infinity / -Infinity before the first). */
  best: number;
  /** Consecutive steps without improvement. */
  numBad = 0;
  /** Steps of cooldown left. */
  cooldownLeft = 0;
  /** Reductions applied so far. */
  reductions = 0;

  constructor(opts: ReduceLROnPlateauOptions = {}) {
    this.opts = {
      mode: 'min',
      factor: 0.1,
      patience: 10,
      threshold: 1e-4,
      thresholdMode: 'rel',
      cooldown: 0,
      minLr: 0,
      maxReductions: Number.POSITIVE_INFINITY,
      ...Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)),
    };
    const o = this.opts;
    const who = 'ReduceLROnPlateau';
    if (o.mode !== 'min' && o.mode !== 'max')
      throw new Error(`${who}: mode must be 'min' or 'max', got ${String(o.mode)}`);
    if (o.thresholdMode !== 'rel' && o.thresholdMode !== 'abs')
      throw new Error(`${who}: thresholdMode must be 'rel' or 'abs'`);
    need(who, 'factor', o.factor, (v) => v > 0 && v < 1, 'in (0, 1)');
    need(who, 'patience', o.patience, (v) => Number.isInteger(v) && v >= 0, 'an integer >= 0');
    need(who, 'threshold', o.threshold, (v) => v >= 0, '>= 0');
    need(who, 'cooldown', o.cooldown, (v) => Number.isInteger(v) && v >= 0, 'an integer >= 0');
    need(who, 'minLr', o.minLr, (v) => v >= 0, '>= 0');
    if (!(o.maxReductions >= 0))
      throw new Error(`${who}: maxReductions must be >= 0, got ${o.maxReductions}`);
    this.best = o.mode === 'min' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  }

  private isBetter(v: number): boolean {
    const { mode, threshold, thresholdMode } = this.opts;
    const b = this.best;
    if (!Number.isFinite(b)) return mode === 'min' ? v < b : v > b;
    if (mode === 'min') return thresholdMode === 'rel' ? v < b * (1 - threshold) : v < b - threshold;
    return thresholdMode === 'rel' ? v > b * (1 + threshold) : v > b + threshold;
  }

  observe(_count: number, metric: number | undefined): void {
    if (metric === undefined || Number.isNaN(metric)) {
      throw new Error(
        'ReduceLROnPlateau: step(metric) needs the monitored value (e.g. the validation error), got none',
      );
    }
    if (this.isBetter(metric)) {
      this.best = metric;
      this.numBad = 0;
    } else {
      this.numBad += 1;
    }
    if (this.cooldownLeft > 0) {
      this.cooldownLeft -= 1;
      this.numBad = 0;
    }
    if (this.numBad > this.opts.patience && this.reductions < this.opts.maxReductions) {
      this.reductions += 1;
      this.cooldownLeft = this.opts.cooldown;
      this.numBad = 0;
    }
  }

  lr(base: number): number {
    return Math.max(base * this.opts.factor ** this.reductions, this.opts.minLr);
  }

  stateDict(): ScheduleState {
    // Infinity is not JSON: store the best value as a string when it is not finite.
    const best = Number.isFinite(this.best) ? this.best : String(this.best);
    const o = {
      ...this.opts,
      maxReductions: Number.isFinite(this.opts.maxReductions) ? this.opts.maxReductions : null,
    };
    return {
      type: this.type,
      options: o,
      best,
      numBad: this.numBad,
      cooldownLeft: this.cooldownLeft,
      reductions: this.reductions,
    };
  }

  loadStateDict(state: ScheduleState): void {
    checkType(state, this.type);
    this.best = Number(state.best);
    this.numBad = Number(state.numBad);
    this.cooldownLeft = Number(state.cooldownLeft);
    this.reductions = Number(state.reductions);
  }
}
