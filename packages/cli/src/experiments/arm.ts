import { join } from 'node:path';
import type { Module } from '@rectifier/nn';
import { manualSeed } from '@rectifier/tensor';
import {
  type EvalResult,
  evaluateModel,
  LRScheduler,
  type ScheduleConfig,
  SGD,
  type StepInfo,
  scheduleFromConfig,
  Trainer,
} from '@rectifier/train';
import { buildModelFor } from '../build-model';
import type { DataBundle } from '../data/sources';
import type { Io } from '../io';
import type { ModelConfig } from '../models';

/** One training run of an experiment (an "arm"): a model config trained for a fixed number of steps. */
export interface ArmOptions {
  name: string;
  modelConfig: ModelConfig;
  data: DataBundle;
  outDir: string;
  steps: number;
  batchSize: number;
  lr: number;
  seed: number;
  schedule: ScheduleConfig;
  /** Steps between evaluations of the error curve (and at step 0). */
  evalEvery: number;
  /** Test images used for the curve (the paper: 3,000 val images, center crop). */
  evalImages: number;
  /** Record per-layer gradient norms every n steps (and at step 1). */
  gradNormsEvery?: number;
  io: Io;
}

/** What an arm produced. */
export interface ArmResult {
  name: string;
  modelConfig: ModelConfig;
  steps: number;
  seconds: number;
  imagesPerSecond: number;
  /** [epochs seen, top-1 error on the curve subset] */
  curve: Array<[number, number]>;
  /** [step, train loss] (every step) */
  losses: Array<[number, number]>;
  /** step -> weight-layer name -> gradient L2 norm */
  gradNorms: Record<number, Record<string, number>>;
  /** top-1 / top-5 error on the whole test split at the end */
  final: EvalResult;
  reason: string;
  model: Module;
}

/** Trains one arm with SGD (momentum 0.9, weight decay 5e-4, none on PReLU slopes) and records its curves. */
export async function runArm(o: ArmOptions): Promise<ArmResult> {
  manualSeed(o.seed);
  const { model, generator } = buildModelFor(o.modelConfig, o.seed);
  const optimizer = new SGD(model.parameters(), { lr: o.lr, momentum: 0.9, weightDecay: 5e-4 });
  const scheduler = new LRScheduler(optimizer, scheduleFromConfig(o.schedule));
  const inputSize = o.modelConfig.inputSize;
  const train = o.data.train({ batchSize: o.batchSize, seed: o.seed, inputSize });
  const curveSet = o.data.test({ batchSize: 250, inputSize, limit: o.evalImages });
  const curve: Array<[number, number]> = [];
  const losses: Array<[number, number]> = [];
  const gradNorms: Record<number, Record<string, number>> = {};
  const perEpoch = o.data.numTrain;
  const point = async (step: number) => {
    const r = await evaluateModel(model, curveSet, { topK: [1] });
    curve.push([(step * o.batchSize) / perEpoch, r.top1]);
  };
  await point(0);
  const trainer = new Trainer({
    model,
    optimizer,
    scheduler,
    schedulerInterval: 'step',
    maxEpochs: Math.max(1, Math.ceil(o.steps / train.numBatches)),
    maxSteps: o.steps,
    outDir: join(o.outDir, o.name),
    checkpoint: { keepLast: 1 },
    generators: { model: generator },
    gradNorms: o.gradNormsEvery ?? false,
    stdout: o.io.stdout,
    progress: 'lines',
    logEvery: Math.max(50, Math.round(o.steps / 10)),
    callbacks: [
      {
        async onStepEnd(_t, s: StepInfo) {
          losses.push([s.step, s.loss]);
          if (s.gradNorms)
            gradNorms[s.step] = Object.fromEntries(
              Object.entries(s.gradNorms).filter(([k]) => k.endsWith('.weight') && !k.includes('prelu')),
            );
          if (s.step % o.evalEvery === 0 || s.step === o.steps) await point(s.step);
        },
      },
    ],
  });
  const t0 = performance.now();
  const fit = await trainer.fit(train);
  const seconds = (performance.now() - t0) / 1000;
  const final = await evaluateModel(model, o.data.test({ batchSize: 250, inputSize }));
  return {
    name: o.name,
    modelConfig: o.modelConfig,
    steps: fit.steps,
    seconds,
    imagesPerSecond: (fit.steps * o.batchSize) / seconds,
    curve,
    losses,
    gradNorms,
    final,
    reason: fit.reason,
    model,
  };
}

/** Mean training loss over the last `n` steps. */
export function tailLoss(r: ArmResult, n = 50): number {
  const t = r.losses.slice(-n);
  return t.reduce((s, [, l]) => s + l, 0) / Math.max(1, t.length);
}
