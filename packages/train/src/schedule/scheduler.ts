import type { Optimizer } from '../optim/optimizer';
import { ConstantLR, CosineAnnealingLR, MultiStepLR, StepLR } from './basic';
import { LinearWarmup } from './compose';
import { ReduceLROnPlateau } from './plateau';
import type { Schedule, ScheduleState } from './schedule';

/** Serialized `LRScheduler`. */
export interface LRSchedulerState {
  count: number;
  baseLrs: number[];
  schedule: ScheduleState;
}

/**
 * Binds a `Schedule` to an optimizer: remembers each group's initial learning rate (`baseLrs`) and,
 * on every `step(metric?)`, increments the count and writes `schedule.lr(base, count)` into each
 * group. Call it once per epoch (the paper) or once per iteration, consistently.
 *
 * @example
 * ```ts
 * const sched = new LRScheduler(opt, new StepLR({ stepSize: 30, gamma: 0.1 }));
 * for (let epoch = 0; epoch < 90; epoch++) { trainOneEpoch(); sched.step(); }
 * ```
 */
export class LRScheduler {
  readonly optimizer: Optimizer;
  readonly schedule: Schedule;
  /** Learning rate of each group when the scheduler was created. */
  baseLrs: number[];
  /** Number of `step()` calls so far. */
  count = 0;

  constructor(optimizer: Optimizer, schedule: Schedule) {
    this.optimizer = optimizer;
    this.schedule = schedule;
    this.baseLrs = optimizer.lrs;
    this.apply();
  }

  /** Advances the schedule by one; `metric` feeds metric-driven schedules (ReduceLROnPlateau). */
  step(metric?: number): void {
    this.count += 1;
    this.schedule.observe?.(this.count, metric);
    this.apply();
  }

  /** The learning rates currently set in the optimizer, one per group. */
  get lastLrs(): number[] {
    return this.optimizer.lrs;
  }

  private apply(): void {
    this.optimizer.paramGroups.forEach((g, i) => {
      g.lr = this.schedule.lr(this.baseLrs[i], this.count);
    });
  }

  stateDict(): LRSchedulerState {
    return { count: this.count, baseLrs: [...this.baseLrs], schedule: this.schedule.stateDict() };
  }

  loadStateDict(state: LRSchedulerState): void {
    if (!Array.isArray(state?.baseLrs) || state.baseLrs.length !== this.optimizer.paramGroups.length) {
      throw new Error(
        `LRScheduler.loadStateDict: the state has ${state?.baseLrs?.length} base learning rates, the optimizer has ${this.optimizer.paramGroups.length} groups`,
      );
    }
    this.schedule.loadStateDict(state.schedule);
    this.count = state.count;
    this.baseLrs = [...state.baseLrs];
    this.apply();
  }
}

/** JSON description of a schedule, as accepted by `scheduleFromConfig` (CLI configs). */
export type ScheduleConfig =
  | { type: 'constant' }
  | { type: 'step'; stepSize: number; gamma?: number }
  | { type: 'multistep'; milestones: number[]; gamma?: number }
  | { type: 'cosine'; tMax: number; etaMin?: number }
  | ({ type: 'plateau' } & ConstructorParameters<typeof ReduceLROnPlateau>[0])
  | { type: 'warmup'; warmupSteps: number; startFactor?: number; after?: ScheduleConfig };

/**
 * Builds a schedule from a JSON description, e.g. `{ type: 'plateau', patience: 2 }` or
 * `{ type: 'warmup', warmupSteps: 100, after: { type: 'cosine', tMax: 1000 } }`.
 */
export function scheduleFromConfig(c: ScheduleConfig): Schedule {
  switch (c?.type) {
    case 'constant':
      return new ConstantLR();
    case 'step':
      return new StepLR(c);
    case 'multistep':
      return new MultiStepLR(c);
    case 'cosine':
      return new CosineAnnealingLR(c);
    case 'plateau': {
      const { type: _t, ...o } = c;
      return new ReduceLROnPlateau(o);
    }
    case 'warmup':
      return new LinearWarmup({ ...c, after: c.after ? scheduleFromConfig(c.after) : undefined });
    default:
      throw new Error(
        `scheduleFromConfig: unknown schedule type ${JSON.stringify((c as { type?: unknown })?.type)} (expected constant, step, multistep, cosine, plateau or warmup)`,
      );
  }
}
