import { ConstantLR } from './basic';
import { checkType, need, type Schedule, type ScheduleState } from './schedule';

/**
 * Linear warm-up over `warmupSteps` steps from `startFactor * base` to `base`, then the schedule
 * `after` (default constant) with its count shifted so that it starts at 0 when warm-up ends.
 * `lr = base * (startFactor + (1 - startFactor) * count / warmupSteps)` for count < warmupSteps.
 * Defaults: startFactor 0.1.
 *
 * @example new LRScheduler(opt, new LinearWarmup({ warmupSteps: 500, after: new CosineAnnealingLR({ tMax: 10_000 }) }))
 */
export class LinearWarmup implements Schedule {
  readonly type = 'LinearWarmup';
  readonly warmupSteps: number;
  readonly startFactor: number;
  readonly after: Schedule;
  constructor(opts: { warmupSteps: number; startFactor?: number; after?: Schedule }) {
    this.warmupSteps = opts.warmupSteps;
    this.startFactor = opts.startFactor ?? 0.1;
    this.after = opts.after ?? new ConstantLR();
    need(
      'LinearWarmup',
      'warmupSteps',
      this.warmupSteps,
      (v) => Number.isInteger(v) && v >= 0,
      'an integer >= 0',
    );
    need('LinearWarmup', 'startFactor', this.startFactor, (v) => v >= 0 && v <= 1, 'in [0, 1]');
  }
  lr(base: number, count: number): number {
    if (count < this.warmupSteps)
      return base * (this.startFactor + ((1 - this.startFactor) * count) / this.warmupSteps);
    return this.after.lr(base, count - this.warmupSteps);
  }
  observe(count: number, metric: number | undefined): void {
    if (count >= this.warmupSteps) this.after.observe?.(count - this.warmupSteps, metric);
  }
  stateDict(): ScheduleState {
    return {
      type: this.type,
      warmupSteps: this.warmupSteps,
      startFactor: this.startFactor,
      after: this.after.stateDict(),
    };
  }
  loadStateDict(state: ScheduleState): void {
    checkType(state, this.type);
    this.after.loadStateDict(state.after as ScheduleState);
  }
}

/**
 * Runs `schedules[i]` from step `milestones[i-1]` (0 for the first) to `milestones[i]`, each with its
 * own count starting at 0, like PyTorch's `SequentialLR`. `milestones.length === schedules.length - 1`.
 */
export class SequentialLR implements Schedule {
  readonly type = 'SequentialLR';
  readonly schedules: Schedule[];
  readonly milestones: number[];
  constructor(schedules: Schedule[], milestones: number[]) {
    if (schedules.length === 0) throw new Error('SequentialLR: needs at least one schedule');
    if (milestones.length !== schedules.length - 1) {
      throw new Error(
        `SequentialLR: needs ${schedules.length - 1} milestones for ${schedules.length} schedules, got ${milestones.length}`,
      );
    }
    for (let i = 0; i < milestones.length; i++) {
      need(
        'SequentialLR',
        'each milestone',
        milestones[i],
        (v) => Number.isInteger(v) && v > (milestones[i - 1] ?? 0) - 1 && v >= 0,
        'a non-decreasing integer >= 0',
      );
    }
    this.schedules = schedules;
    this.milestones = milestones;
  }
  private active(count: number): [Schedule, number] {
    let i = 0;
    while (i < this.milestones.length && count >= this.milestones[i]) i++;
    return [this.schedules[i], count - (i === 0 ? 0 : this.milestones[i - 1])];
  }
  lr(base: number, count: number): number {
    const [s, c] = this.active(count);
    return s.lr(base, c);
  }
  observe(count: number, metric: number | undefined): void {
    const [s, c] = this.active(count);
    s.observe?.(c, metric);
  }
  stateDict(): ScheduleState {
    return {
      type: this.type,
      milestones: this.milestones,
      schedules: this.schedules.map((s) => s.stateDict()),
    };
  }
  loadStateDict(state: ScheduleState): void {
    checkType(state, this.type);
    const list = state.schedules as ScheduleState[];
    if (!Array.isArray(list) || list.length !== this.schedules.length) {
      throw new Error(
        `SequentialLR.loadStateDict: the state has ${list?.length} schedules, this one has ${this.schedules.length}`,
      );
    }
    for (const [i, s] of list.entries()) this.schedules[i].loadStateDict(s);
  }
}
