import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Sequential } from '@rectifier/nn';
import { manualSeed } from '@rectifier/tensor';
import {
  AdamW,
  type Callback,
  CheckpointManager,
  type EvalResult,
  type FitResult,
  LRScheduler,
  type Optimizer,
  type ScheduleConfig,
  SGD,
  scheduleFromConfig,
  Trainer,
} from '@rectifier/train';
import { buildFromSpec } from './build-model';
import type { DataBundle } from './data/sources';
import { UsageError, UserError } from './errors';
import type { Io } from './io';
import { configMismatch, type ModelConfig, modelSpecFor } from './models';
import type { TrainConfig } from './run-config';

/** What a training session produced. */
export interface SessionResult {
  model: Sequential;
  trainer: Trainer;
  fit: FitResult;
  test: EvalResult | null;
  modelConfig: ModelConfig;
  outDir: string;
}

/** The JSON stored in every checkpoint (`extra`): enough to rebuild the model and its input pipeline. */
export interface CheckpointExtra {
  modelConfig: ModelConfig;
  data: {
    name: string;
    classes: string[];
    normalization: DataBundle['normalization'];
    inputSize: number;
    inChannels: number;
    /** Side of the stored images (28 for Fashion-MNIST); absent in checkpoints of older versions. */
    imageSize?: number;
  };
  config: TrainConfig;
}

/** The model config of a training config on a dataset. */
export function modelConfigOf(c: TrainConfig, data: DataBundle): ModelConfig {
  return {
    model: c.model,
    activation: c.activation,
    init: c.init,
    width: c.width as number,
    inputSize: c.inputSize as number,
    inChannels: data.inChannels,
    numClasses: data.classes.length,
    dropout: c.model === 'quicknet' ? 0 : c.dropout,
  };
}

function makeOptimizer(model: Sequential, c: TrainConfig): Optimizer {
  const params = model.parameters();
  return c.optimizer === 'adamw'
    ? new AdamW(params, { lr: c.lr, weightDecay: c.weightDecay })
    : new SGD(params, { lr: c.lr, momentum: c.momentum, weightDecay: c.weightDecay });
}

/** Epoch-based schedules in optimizer steps (for warm-up, which counts steps). */
function inSteps(s: ScheduleConfig, perEpoch: number): ScheduleConfig {
  switch (s.type) {
    case 'step':
      return { ...s, stepSize: s.stepSize * perEpoch };
    case 'multistep':
      return { ...s, milestones: s.milestones.map((m) => m * perEpoch) };
    case 'cosine':
      return { ...s, tMax: s.tMax * perEpoch };
    case 'plateau':
      throw new UsageError(
        '--warmup cannot be combined with --schedule plateau (plateau steps once per epoch on the validation error)',
      );
    default:
      return s;
  }
}

/**
 * Builds the model, optimizer, schedule and Trainer of a config, optionally resumes the run in
 * `outDir`, trains, and evaluates the final model on the test split.
 */
export async function runSession(
  c: TrainConfig,
  data: DataBundle,
  io: Io,
  opts: {
    outDir: string;
    resume?: boolean;
    logEvery?: number;
    callbacks?: Callback[];
    progress?: 'auto' | 'lines' | 'none';
    evalEachEpoch?: boolean;
    schedulerOverride?: { schedule: ScheduleConfig; interval: 'epoch' | 'step' };
  },
): Promise<SessionResult> {
  const modelConfig = modelConfigOf(c, data);
  const outDir = opts.outDir;
  if (opts.resume) {
    const mgr = new CheckpointManager(join(outDir, 'checkpoints'));
    const latest = await mgr.loadLatest((_p, e) =>
      io.stderr.write(`warning: ${e.message}; trying the previous checkpoint\n`),
    );
    if (!latest) throw new UserError(`--resume: no usable checkpoint in ${join(outDir, 'checkpoints')}`);
    for (const t of Object.values(latest.tensors)) t.dispose();
    const saved = (latest.meta.extra as CheckpointExtra | undefined)?.modelConfig;
    if (saved) {
      const diff = configMismatch(saved, modelConfig);
      if (diff) throw new UserError(`the checkpoint ${latest.path} is for another model: ${diff}`);
    }
  } else if (existsSync(join(outDir, 'checkpoints'))) {
    throw new UserError(
      `${outDir} already holds a run: pass --resume to continue it, or choose another --out`,
    );
  }
  await mkdir(outDir, { recursive: true });
  manualSeed(c.seed);
  const { model, generator } = buildFromSpec(modelSpecFor(modelConfig), c.seed);
  const optimizer = makeOptimizer(model, c);
  const train = data.train({
    batchSize: c.batchSize,
    seed: c.seed,
    inputSize: modelConfig.inputSize,
    limit: c.limit,
  });
  const test = data.numTest > 0 ? data.test({ batchSize: 250, inputSize: modelConfig.inputSize }) : undefined;
  let schedule = opts.schedulerOverride?.schedule ?? c.schedule;
  let interval: 'epoch' | 'step' = opts.schedulerOverride?.interval ?? 'epoch';
  if (!opts.schedulerOverride && c.warmup > 0) {
    schedule = { type: 'warmup', warmupSteps: c.warmup, after: inSteps(schedule, train.numBatches) };
    interval = 'step';
  }
  if (schedule.type === 'plateau' && !test)
    throw new UserError('the plateau schedule needs a test/validation split, and this data has none');
  const scheduler = new LRScheduler(optimizer, scheduleFromConfig(schedule));
  const extra: CheckpointExtra = {
    modelConfig,
    data: {
      name: data.name,
      classes: data.classes,
      normalization: data.normalization,
      inputSize: modelConfig.inputSize,
      inChannels: data.inChannels,
      imageSize: data.imageSize,
    },
    config: c,
  };
  const trainer = new Trainer({
    model,
    optimizer,
    scheduler,
    schedulerInterval: interval,
    maxEpochs: c.epochs,
    maxSteps: c.maxSteps,
    maxTimeSeconds: c.maxTime,
    outDir,
    checkpoint: { everySteps: c.checkpointEvery, keepLast: c.keep },
    gradNorms: c.gradNorms,
    callbacks: opts.callbacks,
    stdout: io.stdout,
    progress: opts.progress ?? 'auto',
    logEvery: opts.logEvery ?? Math.max(10, Math.round(train.numBatches / 10)),
    checkpointExtra: () => extra as unknown as Record<string, unknown>,
    generators: { model: generator },
  });
  await writeFile(join(outDir, 'config.json'), `${JSON.stringify(c, null, 2)}\n`);
  const fit = await trainer.fit(train, opts.evalEachEpoch === false ? undefined : test, {
    resume: opts.resume ? 'last' : null,
  });
  let testResult: EvalResult | null = null;
  const last = fit.history.at(-1);
  if (test) testResult = last?.val && last.step === fit.steps ? last.val : await trainer.evaluate(test);
  return { model, trainer, fit, test: testResult, modelConfig, outDir };
}

/** A timestamp for default output directories: 20261127-014512. */
export function stamp(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}
