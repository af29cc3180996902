import { describe, expect, it } from 'vitest';
import type { Optimizer } from '../optim/optimizer';
import { ConstantLR, CosineAnnealingLR, MultiStepLR, StepLR } from './basic';
import { LinearWarmup, SequentialLR } from './compose';
import { ReduceLROnPlateau } from './plateau';
import { LRScheduler, scheduleFromConfig } from './scheduler';

/** The scheduler only touches `paramGroups[i].lr` and `lrs`: a two-group stand-in is enough. */
function fakeOptimizer(lrs: number[]): Optimizer {
  const paramGroups = lrs.map((lr) => ({ lr }));
  return {
    paramGroups,
    get lrs() {
      return paramGroups.map((g) => g.lr);
    },
  } as unknown as Optimizer;
}

describe('closed-form schedules', () => {
  it('StepLR divides by 10 every stepSize steps', () => {
    const s = new StepLR({ stepSize: 3 });
    expect([0, 1, 2, 3, 5, 6, 9].map((c) => s.lr(1, c))).toEqual([1, 1, 1, 0.1, 0.1, 0.1 ** 2, 0.1 ** 3]);
  });
  it('MultiStepLR counts the milestones reached (the paper: 1e-2, 1e-3, 1e-4)', () => {
    const s = new MultiStepLR({ milestones: [30, 10] });
    expect(s.lr(0.01, 9)).toBe(0.01);
    expect(s.lr(0.01, 10)).toBeCloseTo(1e-3, 15);
    expect(s.lr(0.01, 29)).toBeCloseTo(1e-3, 15);
    expect(s.lr(0.01, 30)).toBeCloseTo(1e-4, 15);
  });
  it('CosineAnnealingLR goes from base to etaMin and stays there', () => {
    const s = new CosineAnnealingLR({ tMax: 4, etaMin: 0.1 });
    expect(s.lr(1, 0)).toBe(1);
    expect(s.lr(1, 2)).toBeCloseTo(0.55, 12); // halfway: (1 + 0.1) / 2
    expect(s.lr(1, 4)).toBeCloseTo(0.1, 12);
    expect(s.lr(1, 40)).toBeCloseTo(0.1, 12);
  });
  it('LinearWarmup ramps linearly, then hands over with a shifted count', () => {
    const s = new LinearWarmup({ warmupSteps: 4, startFactor: 0.2, after: new StepLR({ stepSize: 2 }) });
    expect([0, 1, 2, 3].map((c) => s.lr(1, c))).toEqual([0.2, 0.4, 0.6000000000000001, 0.8]);
    expect(s.lr(1, 4)).toBe(1);
    expect(s.lr(1, 5)).toBe(1);
    expect(s.lr(1, 6)).toBeCloseTo(0.1, 15);
  });
  it('SequentialLR switches at milestones and restarts the count', () => {
    const s = new SequentialLR([new ConstantLR(), new CosineAnnealingLR({ tMax: 2 })], [3]);
    expect(s.lr(2, 2)).toBe(2);
    expect(s.lr(2, 3)).toBe(2);
    expect(s.lr(2, 4)).toBeCloseTo(1, 12);
    expect(s.lr(2, 5)).toBeCloseTo(0, 12);
  });
  it('rejects bad configuration with the argument named', () => {
    expect(() => new StepLR({ stepSize: 0 })).toThrow(/StepLR: stepSize must be a positive integer, got 0/);
    expect(() => new ReduceLROnPlateau({ factor: 2 })).toThrow(/factor must be in \(0, 1\)/);
    expect(() => new SequentialLR([new ConstantLR()], [1])).toThrow(/needs 0 milestones/);
    expect(() => scheduleFromConfig({ type: 'nope' } as never)).toThrow(/unknown schedule type "nope"/);
  });
});

describe('ReduceLROnPlateau (the paper: divide by 10 when the error plateaus)', () => {
  it('reduces after patience bad steps, honours threshold, cooldown and maxReductions', () => {
    const opt = fakeOptimizer([0.01, 0.02]);
    const sched = new LRScheduler(
      opt,
      new ReduceLROnPlateau({ patience: 1, threshold: 0.01, cooldown: 1, maxReductions: 2 }),
    );
    const lrs: number[] = [];
    // errors: improve, improve, flat (< 1% rel), flat -> reduce, cooldown, flat, flat -> reduce, flat, flat (max reached)
    for (const e of [0.9, 0.8, 0.799, 0.798, 0.797, 0.796, 0.795, 0.794, 0.793, 0.792]) {
      sched.step(e);
      lrs.push(opt.lrs[0]);
    }
    expect(lrs.map((x) => Number(x.toPrecision(6)))).toEqual([
      0.01, 0.01, 0.01, 0.001, 0.001, 0.001, 0.0001, 0.0001, 0.0001, 0.0001,
    ]);
    expect(opt.lrs[1]).toBeCloseTo(0.0002, 15);
  });
  it('needs the metric', () => {
    const sched = new LRScheduler(fakeOptimizer([1]), new ReduceLROnPlateau());
    expect(() => sched.step()).toThrow(/needs the monitored value/);
  });
  it("mode 'max' treats increases as improvements", () => {
    const s = new ReduceLROnPlateau({ mode: 'max', patience: 0 });
    s.observe(1, 0.5);
    s.observe(2, 0.6);
    expect(s.reductions).toBe(0);
    s.observe(3, 0.6);
    expect(s.reductions).toBe(1);
  });
});

describe('LRScheduler state', () => {
  it('round-trips through JSON and continues identically', () => {
    const make = () => new LinearWarmup({ warmupSteps: 2, after: new ReduceLROnPlateau({ patience: 0 }) });
    const a = new LRScheduler(fakeOptimizer([0.1]), make());
    const metrics = [0.9, 0.8, 0.85, 0.85, 0.7, 0.7, 0.7];
    for (const m of metrics.slice(0, 4)) a.step(m);
    const json = JSON.parse(JSON.stringify(a.stateDict()));
    const optB = fakeOptimizer([123]);
    const b = new LRScheduler(optB, make());
    b.loadStateDict(json);
    expect(optB.lrs).toEqual(a.lastLrs);
    for (const m of metrics.slice(4)) {
      a.step(m);
      b.step(m);
      expect(b.lastLrs).toEqual(a.lastLrs);
    }
    expect(b.count).toBe(a.count);
  });
  it('refuses a state of another schedule type', () => {
    const a = new LRScheduler(fakeOptimizer([1]), new StepLR({ stepSize: 1 }));
    const b = new LRScheduler(fakeOptimizer([1]), new CosineAnnealingLR({ tMax: 3 }));
    expect(() => b.loadStateDict(a.stateDict())).toThrow(/the state is for StepLR, not CosineAnnealingLR/);
  });
  it('builds schedules from JSON configs', () => {
    const s = scheduleFromConfig({
      type: 'warmup',
      warmupSteps: 1,
      after: { type: 'multistep', milestones: [1] },
    });
    expect([0, 1, 2].map((c) => s.lr(1, c))).toEqual([0.1, 1, 0.1]);
  });
});
