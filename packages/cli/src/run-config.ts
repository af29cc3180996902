import { readFileSync } from 'node:fs';
import type { ActivationChoice, InitChoice } from '@rectifier/nn';
import type { ScheduleConfig } from '@rectifier/train';
import { choiceOpt, intOpt, type ParsedArgs } from './args';
import { BACKEND_CHOICES, BACKEND_OPTION, type BackendChoice } from './backend-choice';
import { checkJson, parseFlag, type Rule } from './config-schema';
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
  backend: BackendChoice;
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

const MAX_INT = Number.MAX_SAFE_INTEGER;

/** The flag that sets a config key (if any) and the values it accepts. */
interface KeyRule {
  flag?: string;
  rule: Rule;
}

/**
 * Every key of a train config: the flag that sets it and the values it accepts. Flags, JSON
 * config files, a run's config.json and the config stored in a checkpoint all go through these
 * rules (`schedule` has its own, `checkSchedule`). Bounds keep a value from asking for unbounded
 * memory or time (a batch of 10^9, a 10^5-pixel input side) and are far above what a CPU run uses.
 */
export const TRAIN_RULES: { [K in Exclude<keyof TrainConfig, 'schedule'>]-?: KeyRule } = {
  model: { flag: 'model', rule: { kind: 'enum', choices: MODEL_NAMES } },
  activation: { flag: 'activation', rule: { kind: 'enum', choices: ACTIVATIONS } },
  init: { flag: 'init', rule: { kind: 'enum', choices: INITS } },
  width: { flag: 'width', rule: { kind: 'number', above: 0, max: 8 } },
  inputSize: { flag: 'input-size', rule: { kind: 'int', min: 4, max: 1024 } },
  dropout: { flag: 'dropout', rule: { kind: 'number', min: 0, below: 1 } },
  data: { flag: 'data', rule: { kind: 'string' } },
  epochs: { flag: 'epochs', rule: { kind: 'int', min: 1, max: 1_000_000 } },
  batchSize: { flag: 'batch-size', rule: { kind: 'int', min: 1, max: 65_536 } },
  optimizer: { flag: 'optimizer', rule: { kind: 'enum', choices: OPTIMIZERS } },
  lr: { flag: 'lr', rule: { kind: 'number', above: 0 } },
  momentum: { flag: 'momentum', rule: { kind: 'number', min: 0, below: 1 } },
  weightDecay: { flag: 'weight-decay', rule: { kind: 'number', min: 0 } },
  warmup: { flag: 'warmup', rule: { kind: 'int', min: 0, max: MAX_INT } },
  seed: { flag: 'seed', rule: { kind: 'int', min: 0, max: MAX_INT } },
  out: { flag: 'out', rule: { kind: 'string' } },
  maxSteps: { flag: 'max-steps', rule: { kind: 'int', min: 1, max: MAX_INT } },
  maxTime: { flag: 'max-time', rule: { kind: 'number', above: 0 } },
  limit: { flag: 'limit', rule: { kind: 'int', min: 1, max: MAX_INT } },
  checkpointEvery: { flag: 'checkpoint-every', rule: { kind: 'int', min: 1, max: MAX_INT } },
  keep: { flag: 'keep', rule: { kind: 'int', min: 1, max: 10_000 } },
  gradNorms: { flag: 'grad-norms', rule: { kind: 'int', min: 1, max: MAX_INT } },
  backend: { flag: 'backend', rule: { kind: 'enum', choices: BACKEND_CHOICES } },
  threads: { flag: 'threads', rule: { kind: 'int', min: 1, max: 256 } },
};

/**
 * The value of the flag that sets `key` (e.g. 'width' -> --width), checked by the key's rule; for
 * other commands that take the same settings (quickstart, audit), so their limits agree with train's.
 */
export function flagValue<K extends keyof typeof TRAIN_RULES>(
  v: ParsedArgs['values'],
  key: K,
): TrainConfig[K] | undefined {
  const { flag, rule } = TRAIN_RULES[key];
  if (flag === undefined || v[flag] === undefined) return undefined;
  return parseFlag<TrainConfig[K]>(rule, v[flag] as string, flag);
}

const CONFIG_KEYS = new Set<string>([...Object.keys(TRAIN_RULES), 'schedule']);
/** Keys a complete config (config.json, a checkpoint's) may lack. */
const OPTIONAL_KEYS = new Set<string>([
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

/** The keys each schedule type takes, and their rules. */
const SCHEDULE_RULES: Record<(typeof SCHEDULES)[number], Record<string, Rule>> = {
  constant: {},
  step: { stepSize: { kind: 'int', min: 1, max: MAX_INT }, gamma: { kind: 'number', above: 0, max: 1 } },
  multistep: {
    milestones: { kind: 'int', min: 1, max: MAX_INT },
    gamma: { kind: 'number', above: 0, max: 1 },
  },
  cosine: { tMax: { kind: 'int', min: 1, max: MAX_INT }, etaMin: { kind: 'number', min: 0 } },
  plateau: {
    patience: { kind: 'int', min: 0, max: MAX_INT },
    maxReductions: { kind: 'int', min: 0, max: MAX_INT },
    factor: { kind: 'number', above: 0, below: 1 },
    threshold: { kind: 'number', min: 0 },
    cooldown: { kind: 'int', min: 0, max: MAX_INT },
    minLr: { kind: 'number', min: 0 },
    mode: { kind: 'enum', choices: ['min', 'max'] },
    thresholdMode: { kind: 'enum', choices: ['rel', 'abs'] },
  },
};

/** Checks a schedule object (`{ "type": "step", "stepSize": 30 }`); `where` prefixes messages. */
export function checkSchedule(v: unknown, where = ''): ScheduleConfig {
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw new UsageError(
      `${where}schedule must be an object such as {"type": "step", "stepSize": 30}, got ${JSON.stringify(v)}`,
    );
  const o = v as Record<string, unknown>;
  const type = checkJson<(typeof SCHEDULES)[number]>(
    { kind: 'enum', choices: SCHEDULES },
    o.type,
    'schedule.type',
    where,
  );
  const rules = SCHEDULE_RULES[type];
  for (const [k, x] of Object.entries(o)) {
    if (k === 'type') continue;
    const r = rules[k];
    if (!r)
      throw new UsageError(
        `${where}schedule: unknown key '${k}' for type ${type} (known: ${Object.keys(rules).join(', ') || 'none'})`,
      );
    if (k === 'milestones') {
      if (!Array.isArray(x) || x.length === 0)
        throw new UsageError(
          `${where}schedule.milestones must be a non-empty array of epochs, got ${JSON.stringify(x)}`,
        );
      x.forEach((m, i) => {
        checkJson(r, m, `schedule.milestones[${i}]`, where);
      });
    } else checkJson(r, x, `schedule.${k}`, where);
  }
  if (type === 'multistep' && o.milestones === undefined)
    throw new UsageError(`${where}schedule of type multistep needs milestones, e.g. [20, 30]`);
  if (type === 'step' && o.stepSize === undefined)
    throw new UsageError(`${where}schedule of type step needs stepSize (epochs between divisions by 10)`);
  return o as ScheduleConfig;
}

/**
 * Checks every key of a (partial) train config from JSON: no unknown key, each value of the right
 * type and range. `complete`: every required key must be there (a stored config).
 * @throws UsageError naming the key and the allowed values, prefixed with `where`.
 */
export function checkTrainConfig(json: unknown, where: string, complete = false): Partial<TrainConfig> {
  if (json === null || typeof json !== 'object' || Array.isArray(json))
    throw new UsageError(`${where}must be a JSON object`);
  const o = json as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!CONFIG_KEYS.has(k))
      throw new UsageError(`${where}unknown key '${k}' (known: ${[...CONFIG_KEYS].sort().join(', ')})`);
    if (k === 'schedule') checkSchedule(o[k], where);
    else checkJson(TRAIN_RULES[k as keyof typeof TRAIN_RULES].rule, o[k], k, where);
  }
  if (complete)
    for (const k of CONFIG_KEYS)
      if (!OPTIONAL_KEYS.has(k) && o[k] === undefined) throw new UsageError(`${where}${k} is missing`);
  return o as Partial<TrainConfig>;
}

/** Reads a JSON config file; unknown keys and bad values are errors (a typo must not be silently ignored). */
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
    throw new UsageError(`config ${path} is not valid JSON: ${(e as Error).message.split('\n')[0]}`);
  }
  return checkTrainConfig(json, `config ${path}: `);
}

/** The schedule flags (--schedule, --patience, --step-size, --milestones) given, if any. */
export const SCHEDULE_FLAGS = ['schedule', 'patience', 'step-size', 'milestones'] as const;

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
  if (milestones?.some((m) => !Number.isSafeInteger(m) || m < 1))
    throw new UsageError(
      `--milestones must be comma-separated epochs (integers >= 1), got '${String(v.milestones)}'`,
    );
  const type = kind ?? (base.type as (typeof SCHEDULES)[number]);
  switch (type) {
    case 'plateau':
      return {
        type: 'plateau',
        patience: patience ?? (base.type === 'plateau' ? base.patience : 1) ?? 1,
        maxReductions: base.type === 'plateau' ? (base.maxReductions ?? 2) : 2,
      };
    case 'step':
      return { type: 'step', stepSize: stepSize ?? (base.type === 'step' ? base.stepSize : 30) };
    case 'multistep':
      if (!milestones && base.type !== 'multistep')
        throw new UsageError('--schedule multistep needs --milestones, e.g. --milestones 20,30');
      return { type: 'multistep', milestones: milestones ?? (base as { milestones: number[] }).milestones };
    case 'cosine':
      return base.type === 'cosine' && kind === undefined ? base : { type: 'cosine', tMax: 0 };
    default:
      return { type: 'constant' };
  }
}

/**
 * Merges `base` (the defaults, or the config of the run being resumed), the config file (if any)
 * and the flags, validating every value. The keys set by the file or the flags are added to `given`.
 */
export function trainConfigFrom(
  v: ParsedArgs['values'],
  base: TrainConfig = TRAIN_DEFAULTS,
  given: Set<string> = new Set(),
): TrainConfig {
  const file = v.config ? readConfigFile(String(v.config)) : {};
  for (const k of Object.keys(file)) given.add(k);
  const c: TrainConfig = { ...base, ...file } as TrainConfig;
  const flags = c as unknown as Record<string, unknown>;
  for (const [key, { flag, rule }] of Object.entries(TRAIN_RULES) as Array<[string, KeyRule]>) {
    if (flag === undefined || v[flag] === undefined) continue;
    flags[key] = parseFlag(rule, v[flag] as string, flag);
    given.add(key);
  }
  if (SCHEDULE_FLAGS.some((f) => v[f] !== undefined)) {
    c.schedule = scheduleFrom(v, c.schedule);
    given.add('schedule');
  }
  if (c.schedule.type === 'cosine' && !c.schedule.tMax) c.schedule = { type: 'cosine', tMax: c.epochs };
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
    description:
      'input side in pixels (default: 28 quicknet and resnets, 56 model14/22/30, 224 A, B, C, vgg19)',
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
  epochs: { type: 'string', arg: 'N', description: 'epochs (default 10; A, B, C, vgg19: 80, the paper)' },
  'batch-size': {
    type: 'string',
    arg: 'N',
    description: 'mini-batch size (default 64; A, B, C, vgg19: 128 where it fits the device, else smaller)',
  },
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
  backend: { type: 'string', arg: 'B', description: `${BACKEND_OPTION.description} (default auto)` },
  threads: {
    type: 'string',
    arg: 'N',
    description: 'CPU threads of the native and WASM backends (default: all cores, max 8)',
  },
} as const;
