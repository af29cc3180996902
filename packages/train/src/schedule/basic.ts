import { checkType, need, type Schedule, type ScheduleState } from './schedule';

/** The learning rate stays at its base value. */
export class ConstantLR implements Schedule {
  readonly type = 'ConstantLR';
  lr(base: number): number {
    return base;
  }
  stateDict(): ScheduleState {
    return { type: this.type };
  }
  loadStateDict(state: ScheduleState): void {
    checkType(state, this.type);
  }
}

/**
 * `lr = base * gamma^floor(count / stepSize)`, as `torch.optim.lr_scheduler.StepLR`.
 * Defaults: gamma 0.1.
 * @example new LRScheduler(opt, new StepLR({ stepSize: 30 }))  // /10 every 30 epochs
 */
export class StepLR implements Schedule {
  readonly type = 'StepLR';
  readonly stepSize: number;
  readonly gamma: number;
  constructor(opts: { stepSize: number; gamma?: number }) {
    this.stepSize = opts.stepSize;
    this.gamma = opts.gamma ?? 0.1;
    need('StepLR', 'stepSize', this.stepSize, (v) => Number.isInteger(v) && v > 0, 'a positive integer');
    need('StepLR', 'gamma', this.gamma, (v) => v > 0, '> 0');
  }
  lr(base: number, count: number): number {
    return base * this.gamma ** Math.floor(count / this.stepSize);
  }
  stateDict(): ScheduleState {
    return { type: this.type, stepSize: this.stepSize, gamma: this.gamma };
  }
  loadStateDict(state: ScheduleState): void {
    checkType(state, this.type);
  }
}

/**
 * `lr = base * gamma^(number of milestones <= count)`, as PyTorch's `MultiStepLR`.
 * The paper's fixed form of "1e-2, 1e-3, 1e-4" is `new MultiStepLR({ milestones: [a, b] })`.
 */
export class MultiStepLR implements Schedule {
  readonly type = 'MultiStepLR';
  readonly milestones: number[];
  readonly gamma: number;
  constructor(opts: { milestones: number[]; gamma?: number }) {
    this.milestones = [...opts.milestones].sort((a, b) => a - b);
    this.gamma = opts.gamma ?? 0.1;
    for (const m of this.milestones)
      need('MultiStepLR', 'each milestone', m, (v) => Number.isInteger(v) && v >= 0, 'an integer >= 0');
    need('MultiStepLR', 'gamma', this.gamma, (v) => v > 0, '> 0');
  }
  lr(base: number, count: number): number {
    return base * this.gamma ** this.milestones.filter((m) => m <= count).length;
  }
  stateDict(): ScheduleState {
    return { type: this.type, milestones: this.milestones, gamma: this.gamma };
  }
  loadStateDict(state: ScheduleState): void {
    checkType(state, this.type);
  }
}

/**
 * Cosine annealing without restarts, closed form (PyTorch's `CosineAnnealingLR`):
 * `lr = etaMin + (base - etaMin) * (1 + cos(pi * min(count, tMax) / tMax)) / 2`. Default etaMin 0.
 */
export class CosineAnnealingLR implements Schedule {
  readonly type = 'CosineAnnealingLR';
  readonly tMax: number;
  readonly etaMin: number;
  constructor(opts: { tMax: number; etaMin?: number }) {
    this.tMax = opts.tMax;
    this.etaMin = opts.etaMin ?? 0;
    need('CosineAnnealingLR', 'tMax', this.tMax, (v) => v > 0, '> 0');
    need('CosineAnnealingLR', 'etaMin', this.etaMin, (v) => v >= 0, '>= 0');
  }
  lr(base: number, count: number): number {
    const t = Math.min(count, this.tMax) / this.tMax;
    return this.etaMin + ((base - this.etaMin) * (1 + Math.cos(Math.PI * t))) / 2;
  }
  stateDict(): ScheduleState {
    return { type: this.type, tMax: this.tMax, etaMin: this.etaMin };
  }
  loadStateDict(state: ScheduleState): void {
    checkType(state, this.type);
  }
}
