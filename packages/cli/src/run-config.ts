import { readFileSync } from 'node:fs';
import type { ActivationChoice, InitChoice } from '@rectifier/nn';
import type { ScheduleConfig } from '@rectifier/train';
import { choiceOpt, intOpt, numOpt, type ParsedArgs } from './args';
import { UsageError, UserError } from './errors';
import { DEFAULT_INPUT, DEFAULT_WIDTH, MODEL_NAMES, type ModelName } from './models';

export const ACTIVATIONS = ['relu', 'prelu', 'prelu-shared'] as const;
export const INITS = [
  'he-fan-out',
  'he-fan-in',
  'xavier',
  'xavier-fan-in',
  'prelu-aware',
  'pytorch-default',
] as const;
export const OPTIMIZERS = ['sgd', 'adamw'] as const;
export const SCHEDULES = ['plateau', 'step', 'multistep', 'cosine', 'constant'] as const;

/** Everything `rectifier train` needs; from a JSON config file, overridden by flags. */
export interface TrainConfig {
  model: ModelName;
  activation: ActivationChoice;
  init: InitChoice;
  width?: number;
  inputSize?: number;
  dropout: number;
  data: string;
  epochs: number;
  batchSize: number;
  optimizer: (typeof OPTIMIZERS)[number];
  lr: number;
  momentum: number;
  weightDecay: number;
  schedule: ScheduleConfig;
  /** Linear warm-up steps before the schedule (0 = none). */
  warmup: number;
  seed: number;
  out?: string;
  maxSteps?: number;
  maxTime?: number;
  limit?: number;
  checkpointEvery?: number;
  keep: number;
  gradNorms?: number;
  backend: 'auto' | 'wasm' | 'cpu';
  threads?: number;
}

export const TRAIN_DEFAULTS: TrainConfig = {
  model: 'quicknet',
  activation: 'prelu',
  init: 'he-fan-out',
  dropout: 0.5,
  data: 'fashion-mnist',
  epochs: 10,
  batchSize: 64,
  optimizer: 'sgd',
  lr: 0.01,
  momentum: 0.9,
  weightDecay: 5e-4,
  schedule: { type: 'plateau', patience: 1, maxReductions: 2 },
  warmup: 0,
  seed: 0,
  keep: 3,
  backend: 'auto',
};

const CONFIG_KEYS = new Set([
  ...Object.keys(TRAIN_DEFAULTS),
  'width',
  'inputSize',
  'out',
  'maxSteps',
  'maxTime',
  'limit',
  'checkpointEvery',
  'gradNorms',
  'threads',
]);

/** Reads a JSON config file; unknown keys are errors (a typo must not be silently ignored). */
export function readConfigFile(path: string): Partial<TrainConfig> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UserError(
      `cannot read config ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UserError(`config ${path} is not valid JSON: ${(e as Error).message}`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json))
    throw new UserError(`config ${path} must be a JSON object`);
  for (const k of Object.keys(json))
    if (!CONFIG_KEYS.has(k))
      throw new UserError(
        `config ${path}: unknown key '${k}' (known: ${[...CONFIG_KEYS].sort().join(', ')})`,
      );
  return json as Partial<TrainConfig>;
}

/** The schedule named by --schedule and its helper flags. */
function scheduleFrom(v: ParsedArgs['values'], base: ScheduleConfig): ScheduleConfig {
  const kind = choiceOpt(v, 'schedule', SCHEDULES);
  const patience = intOpt(v, 'patience', 0);
  const stepSize = intOpt(v, 'step-size');
  const milestones =
    v.milestones === undefined
      ? undefined
      : String(v.milestones)
          .split(',')
          .map((s) => Number(s.trim()));
  if (milestones?.some((m) => !Number.isInteger(m) || m < 0))
    throw new UsageError(`--milestones must be comma-separated epochs, got '${String(v.milestones)}'`);
  const type = kind ?? (base.type as (typeof SCHEDULES)[number]);
  switch (type) {
    case 'plateau':
      return {
        type: 'plateau',
        patience: patience ?? (base.type === 'plateau' ? base.patience : 1) ?? 1,
        maxReductions: 2,
      };
    case 'step':
      return { type: 'step', stepSize: stepSize ?? (base.type === 'step' ? base.stepSize : 30) };
    case 'multistep':
      if (!milestones && base.type !== 'multistep')
        throw new UsageError('--schedule multistep needs --milestones, e.g. --milestones 20,30');
      return { type: 'multistep', milestones: milestones ?? (base as { milestones: number[] }).milestones };
    case 'cosine':
      return { type: 'cosine', tMax: Number(v.epochs ?? 0) || 0 };
    default:
      return { type: 'constant' };
  }
}

/** Merges defaults, the config file (if any) and the flags, validating every value. */
export function trainConfigFrom(v: ParsedArgs['values']): TrainConfig {
  const file = v.config ? readConfigFile(String(v.config)) : {};
  const c: TrainConfig = { ...TRAIN_DEFAULTS, ...file };
  const set = <K extends keyof TrainConfig>(k: K, val: TrainConfig[K] | undefined) => {
    if (val !== undefined) c[k] = val;
  };
  set('model', choiceOpt(v, 'model', MODEL_NAMES));
  set('activation', choiceOpt(v, 'activation', ACTIVATIONS));
  set('init', choiceOpt(v, 'init', INITS));
  set('width', numOpt(v, 'width'));
  set('inputSize', intOpt(v, 'input-size', 4));
  set('dropout', numOpt(v, 'dropout', true));
  set('data', v.data as string | undefined);
  set('epochs', intOpt(v, 'epochs'));
  set('batchSize', intOpt(v, 'batch-size'));
  set('optimizer', choiceOpt(v, 'optimizer', OPTIMIZERS));
  set('lr', numOpt(v, 'lr'));
  set('momentum', numOpt(v, 'momentum', true));
  set('weightDecay', numOpt(v, 'weight-decay', true));
  set('warmup', intOpt(v, 'warmup', 0));
  set('seed', intOpt(v, 'seed', 0));
  set('out', v.out as string | undefined);
  set('maxSteps', intOpt(v, 'max-steps'));
  set('maxTime', numOpt(v, 'max-time'));
  set('limit', intOpt(v, 'limit'));
  set('checkpointEvery', intOpt(v, 'checkpoint-every'));
  set('keep', intOpt(v, 'keep'));
  set('gradNorms', intOpt(v, 'grad-norms'));
  set('backend', choiceOpt(v, 'backend', ['auto', 'wasm', 'cpu'] as const));
  set('threads', intOpt(v, 'threads'));
  c.schedule = scheduleFrom(v, c.schedule);
  if (c.schedule.type === 'cosine' && !c.schedule.tMax) c.schedule = { type: 'cosine', tMax: c.epochs };
  if (!MODEL_NAMES.includes(c.model))
    throw new UserError(`config: model must be one of ${MODEL_NAMES.join(', ')}, got '${c.model}'`);
  if (!(ACTIVATIONS as readonly string[]).includes(c.activation))
    throw new UserError(`config: activation must be one of ${ACTIVATIONS.join(', ')}`);
  if (!(c.dropout >= 0 && c.dropout < 1)) throw new UserError(`dropout must be in [0, 1), got ${c.dropout}`);
  c.width ??= DEFAULT_WIDTH[c.model];
  c.inputSize ??= DEFAULT_INPUT[c.model];
  return c;
}

/** The options of `rectifier train` (also accepted as camelCase keys in --config). */
export const TRAIN_OPTIONS = {
  config: {
    type: 'string',
    arg: 'FILE',
    description: 'JSON config with any of the options below as camelCase keys; flags override it',
  },
  model: { type: 'string', arg: 'NAME', description: `model: ${MODEL_NAMES.join(', ')} (default quicknet)` },
  activation: {
    type: 'string',
    arg: 'ACT',
    description: 'relu, prelu (channel-wise) or prelu-shared (default prelu)',
  },
  init: {
    type: 'string',
    arg: 'INIT',
    description: `weight init: ${INITS.join(', ')} (default he-fan-out, the paper's Eq. 14)`,
  },
  width: { type: 'string', arg: 'W', description: 'width multiplier (default: model-dependent, small)' },
  'input-size': {
    type: 'string',
    arg: 'N',
    description: 'input side in pixels (default: 28 quicknet, 56 paper models)',
  },
  dropout: {
    type: 'string',
    arg: 'P',
    description: 'dropout after fc1/fc2 of the paper models (default 0.5)',
  },
  data: {
    type: 'string',
    arg: 'DATA',
    description:
      'fashion-mnist, an IDX directory, an ImageNet/ImageFolder directory, or generated:<dir> (default fashion-mnist)',
  },
  'export-onnx': {
    type: 'boolean',
    description: 'also write model.onnx (with the eval preprocessing in its metadata) at the end',
  },
  'id-mapping': {
    type: 'string',
    arg: 'FILE',
    description: "ImageNet flat val/: the devkit's ILSVRC2012_ID -> wnid mapping (meta.mat or text)",
  },
  epochs: { type: 'string', arg: 'N', description: 'epochs (default 10)' },
  'batch-size': { type: 'string', arg: 'N', description: 'mini-batch size (default 64)' },
  optimizer: { type: 'string', arg: 'OPT', description: 'sgd (momentum, the paper) or adamw (default sgd)' },
  lr: { type: 'string', arg: 'LR', description: 'learning rate (default 0.01, the paper)' },
  momentum: { type: 'string', arg: 'M', description: 'SGD momentum (default 0.9)' },
  'weight-decay': {
    type: 'string',
    arg: 'WD',
    description: 'weight decay, not applied to PReLU slopes (default 5e-4)',
  },
  schedule: {
    type: 'string',
    arg: 'S',
    description:
      'plateau (divide by 10 when the val error plateaus, the paper), step, multistep, cosine, constant (default plateau)',
  },
  patience: {
    type: 'string',
    arg: 'N',
    description: 'plateau: epochs without improvement before dividing (default 1)',
  },
  'step-size': { type: 'string', arg: 'N', description: 'step: epochs between divisions by 10' },
  milestones: { type: 'string', arg: 'E1,E2', description: 'multistep: epochs at which to divide by 10' },
  warmup: { type: 'string', arg: 'N', description: 'linear warm-up steps (default 0)' },
  seed: { type: 'string', arg: 'N', description: 'seed of weights, shuffling and dropout (default 0)' },
  out: { type: 'string', arg: 'DIR', description: 'output directory (default runs/train-<time>)' },
  resume: { type: 'boolean', description: 'continue the run in --out from its last valid checkpoint' },
  'max-steps': { type: 'string', arg: 'N', description: 'stop after N optimizer steps' },
  'max-time': { type: 'string', arg: 'SEC', description: 'stop after SEC seconds of training' },
  limit: { type: 'string', arg: 'N', description: 'use only the first N training images' },
  'checkpoint-every': {
    type: 'string',
    arg: 'N',
    description: 'also checkpoint every N steps (default: each epoch)',
  },
  keep: { type: 'string', arg: 'K', description: 'checkpoints to keep (default 3)' },
  'grad-norms': { type: 'string', arg: 'N', description: 'log per-layer gradient norms every N steps' },
  backend: { type: 'string', arg: 'B', description: 'auto (WASM if it loads), wasm or cpu (default auto)' },
  threads: { type: 'string', arg: 'N', description: 'WASM threads (default: all cores, max 8)' },
} as const;
