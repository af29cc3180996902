import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Module } from '@rectifier/nn';
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
import { buildModelFor } from './build-model';
import { MAX_PARAMETERS, parameterCount } from './checkpoint-extra';
import type { DataBundle } from './data/sources';
import { UsageError, UserError } from './errors';
import type { Io } from './io';
import { configMismatch, type ModelConfig } from './models';
import { prepareOutDir } from './out-dir';
import type { TrainConfig } from './run-config';

/** What a training session produced. */
export interface SessionResult {
  model: Module;
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

function makeOptimizer(model: Module, c: TrainConfig): Optimizer {
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

/** A setting changed on resume and applied deliberately (recorded in metrics.jsonl and config.json). */
export interface ResumeChange {
  key: string;
  from: unknown;
  to: unknown;
}

/** How a session continues an earlier run in its outDir. */
export interface ResumePlan {
  /** The newest usable checkpoint, or null when the run never completed one (start it again). */
  checkpoint: string | null;
  /** The model config stored in that checkpoint (checked against the one built now). */
  modelConfig?: ModelConfig;
  /** Optimizer settings to apply after restoring (the checkpoint holds the old values). */
  changes?: ResumeChange[];
}

/** Whether `outDir` holds (the start of) a run: a checkpoint or a metrics log. */
export async function holdsRun(outDir: string): Promise<boolean> {
  if (existsSync(join(outDir, 'metrics.jsonl'))) return true;
  return (await new CheckpointManager(join(outDir, 'checkpoints')).list()).length > 0;
}

/** Writes the optimizer settings of `changes` into the optimizer and the schedule's base lr. */
function applyChanges(
  trainer: Trainer,
  scheduler: LRScheduler,
  changes: ResumeChange[],
  io: Io,
): Promise<void> {
  const groups = trainer.optimizer.paramGroups as unknown as Array<Record<string, unknown>>;
  for (const { key, from, to } of changes) {
    if (key === 'lr') {
      // the config's lr is the schedule's base lr: the schedule continues from its position with it
      const st = scheduler.stateDict();
      scheduler.loadStateDict({ ...st, baseLrs: st.baseLrs.map(() => to as number) });
      io.stdout.write(
        `resume: lr ${String(from)} -> ${String(to)} (the schedule's base; lr now ${trainer.optimizer.paramGroups[0].lr})\n`,
      );
    } else if (key === 'momentum' || key === 'weightDecay') {
      for (const g of groups) if (key in g) g[key] = to;
      io.stdout.write(`resume: ${key} ${String(from)} -> ${String(to)}\n`);
    } else io.stdout.write(`resume: ${key} ${JSON.stringify(from)} -> ${JSON.stringify(to)}\n`);
  }
  return trainer.record({ type: 'config_change', step: trainer.step, changes });
}

/**
 * Builds the model, optimizer, schedule and Trainer of a config, optionally resumes the run in
 * `outDir` (see `ResumePlan`), trains, and evaluates the final model on the test split.
 */
export async function runSession(
  c: TrainConfig,
  data: DataBundle,
  io: Io,
  opts: {
    outDir: string;
    resume?: ResumePlan;
    logEvery?: number;
    callbacks?: Callback[];
    progress?: 'auto' | 'lines' | 'none';
    evalEachEpoch?: boolean;
    schedulerOverride?: { schedule: ScheduleConfig; interval: 'epoch' | 'step' };
  },
): Promise<SessionResult> {
  const modelConfig = modelConfigOf(c, data);
  const outDir = opts.outDir;
  const resume = opts.resume;
  if (resume?.modelConfig) {
    const diff = configMismatch(resume.modelConfig, modelConfig);
    if (diff) throw new UserError(`the checkpoint ${resume.checkpoint} is for another model: ${diff}`);
  } else if (!resume && (await holdsRun(outDir))) {
    throw new UserError(
      `${outDir} already holds a run: pass --resume to continue it (or to start it again if it has no checkpoint yet), or choose another --out`,
    );
  }
  prepareOutDir(outDir);
  const params = parameterCount(modelConfig);
  if (params > MAX_PARAMETERS)
    throw new UsageError(
      `this model has ${params.toLocaleString('en-US')} parameters, more than the ${MAX_PARAMETERS.toLocaleString('en-US')} a run may have: lower --width`,
    );
  manualSeed(c.seed);
  const { model, generator } = buildModelFor(modelConfig, c.seed);
  const optimizer = makeOptimizer(model, c);
  const available = Math.min(c.limit ?? data.numTrain, data.numTrain);
  if (c.batchSize > available)
    throw new UsageError(
      `--batch-size ${c.batchSize} is larger than the ${available} training images${c.limit !== undefined && c.limit < data.numTrain ? ' (after --limit)' : ''}: an epoch would have no step; use at most ${available}`,
    );
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
    callbacks: [
      ...(resume?.changes?.length
        ? [{ onFitStart: (t: Trainer) => applyChanges(t, scheduler, resume.changes ?? [], io) }]
        : []),
      ...(opts.callbacks ?? []),
    ],
    stdout: io.stdout,
    progress: opts.progress ?? 'auto',
    logEvery: opts.logEvery ?? Math.max(10, Math.round(train.numBatches / 10)),
    checkpointExtra: () => extra as unknown as Record<string, unknown>,
    generators: { model: generator },
  });
  await writeFile(join(outDir, 'config.json'), `${JSON.stringify(c, null, 2)}\n`);
  const fit = await trainer.fit(train, opts.evalEachEpoch === false ? undefined : test, {
    resume: resume ? (resume.checkpoint ?? 'last') : null,
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
