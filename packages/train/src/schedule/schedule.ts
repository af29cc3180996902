/**
 * A learning-rate schedule: a pure function of the base learning rate and the number of scheduler
 * steps taken (`count`), plus, for metric-driven schedules, state updated by `observe`.
 * Schedules compose (`LinearWarmup({ then })`, `SequentialLR`) and are bound to an optimizer by
 * `LRScheduler`. `count` is in whatever unit the caller steps: epochs (the paper) or iterations.
 */
export interface Schedule {
  /** Tag used in the state dict, e.g. 'StepLR'. */
  readonly type: string;
  /** The learning rate of a group whose initial learning rate is `base`, after `count` steps. */
  lr(base: number, count: number): number;
  /**
   * Called by `LRScheduler.step(metric)` with the new count, before `lr`. Metric-driven schedules
   * (ReduceLROnPlateau) update their state here; others ignore it.
   */
  observe?(count: number, metric: number | undefined): void;
  /** JSON-serializable configuration and state. */
  stateDict(): ScheduleState;
  /** Restores what `stateDict` returned (the type and configuration must match). */
  loadStateDict(state: ScheduleState): void;
}

/** Serialized schedule: its type tag plus configuration and state. */
export type ScheduleState = { type: string } & Record<string, unknown>;

/** Throws unless `state` was produced by a schedule of type `type`. */
export function checkType(state: ScheduleState, type: string): void {
  if (state?.type !== type)
    throw new Error(`${type}.loadStateDict: the state is for ${String(state?.type)}, not ${type}`);
}

/** Throws a clear error unless `v` is a finite number satisfying `ok`. */
export function need(who: string, name: string, v: number, ok: (v: number) => boolean, what: string): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v))
    throw new Error(`${who}: ${name} must be ${what}, got ${v}`);
}
