import { resnetSize, summary } from '@rectifier/nn';
import type { Tensor } from '@rectifier/tensor';
import { type CheckpointMeta, checkTrainerMeta } from '@rectifier/train';
import { checkJson, type Rule } from './config-schema';
import { checkResNetConfig, isResNet, MODEL_NAMES, type ModelConfig, modelSpecFor } from './models';
import { ACTIVATIONS, checkTrainConfig, INITS, TRAIN_RULES } from './run-config';
import type { CheckpointExtra } from './session';

// What the CLI stores beside the Trainer's state in a checkpoint (`extra`: model config, class
// names, normalisation, data source, train config) is checked here before anything is built from
// it: types and ranges by the same rules as flags, and the model the config describes must have
// exactly as many parameters as the checkpoint holds, so a header cannot make eval or export
// allocate more than the file itself.

/** The most parameters a model built from flags may have (float32: 400 MB, x3 with SGD state and gradients). */
export const MAX_PARAMETERS = 100_000_000;

const MODEL_RULES: Record<keyof ModelConfig, Rule | null> = {
  model: { kind: 'enum', choices: MODEL_NAMES },
  activation: { kind: 'enum', choices: ACTIVATIONS },
  init: { kind: 'enum', choices: INITS },
  width: TRAIN_RULES.width.rule,
  inputSize: TRAIN_RULES.inputSize.rule,
  inChannels: { kind: 'int', min: 1, max: 64 },
  numClasses: { kind: 'int', min: 1, max: 100_000 },
  dropout: TRAIN_RULES.dropout.rule,
  fcGain: null,
};

function object(v: unknown, key: string): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw new Error(`${key} must be an object, got ${JSON.stringify(v)}`);
  return v as Record<string, unknown>;
}

/** Checks a stored model config's keys, types and ranges. */
export function checkModelConfig(v: unknown, key = 'modelConfig'): ModelConfig {
  const o = object(v, key);
  for (const [k, x] of Object.entries(o)) {
    if (!(k in MODEL_RULES)) throw new Error(`${key}: unknown key '${k}'`);
    const r = MODEL_RULES[k as keyof ModelConfig];
    if (r) checkJson(r, x, `${key}.${k}`);
    else if (
      !Array.isArray(x) ||
      x.length !== 3 ||
      !x.every((g) => typeof g === 'number' && Number.isFinite(g) && g > 0 && g <= 100)
    )
      throw new Error(`${key}.fcGain must be 3 numbers in (0, 100], got ${JSON.stringify(x)}`);
  }
  for (const k of Object.keys(MODEL_RULES))
    if (k !== 'fcGain' && o[k] === undefined) throw new Error(`${key}.${k} is missing`);
  return o as unknown as ModelConfig;
}

/**
 * The parameter count of the model a config describes, from shapes alone (nothing is allocated);
 * throws when the config does not describe a buildable model.
 */
export function parameterCount(mc: ModelConfig): number {
  return stateSize(mc).parameters;
}

/**
 * Learnable parameters and buffer elements (BatchNorm's running statistics) of the model a config
 * describes, from shapes alone: together, what its state dict holds.
 */
export function stateSize(mc: ModelConfig): { parameters: number; buffers: number } {
  if (isResNet(mc.model)) {
    checkResNetConfig(mc);
    const activation = mc.activation === 'relu' ? 'relu' : 'prelu';
    return resnetSize(mc.model, { numClasses: mc.numClasses, inChannels: mc.inChannels, activation });
  }
  const spec = modelSpecFor(mc);
  return {
    parameters: summary(spec, [mc.inChannels, mc.inputSize, mc.inputSize]).totalParameters,
    buffers: 0,
  };
}

/**
 * Checks the CLI's `extra` of a checkpoint (see the file comment) and returns it.
 * @throws Error naming the first bad field.
 */
export function checkCheckpointExtra(meta: CheckpointMeta, tensors: Record<string, Tensor>): CheckpointExtra {
  const extra = object(meta.extra, 'extra');
  const mc = checkModelConfig(extra.modelConfig, 'extra.modelConfig');
  const data = object(extra.data, 'extra.data');
  checkJson({ kind: 'string' }, data.name, 'extra.data.name');
  const classes = data.classes;
  if (
    !Array.isArray(classes) ||
    classes.length !== mc.numClasses ||
    !classes.every((c) => typeof c === 'string' && c.length <= 256)
  )
    throw new Error(
      `extra.data.classes must be ${mc.numClasses} class names (strings), got ${JSON.stringify(classes)?.slice(0, 60)}`,
    );
  const norm = object(data.normalization, 'extra.data.normalization');
  checkJson(
    { kind: 'enum', choices: ['scaled', 'imagenet', 'paper'] },
    norm.kind,
    'extra.data.normalization.kind',
  );
  checkJson({ kind: 'number' }, norm.mean, 'extra.data.normalization.mean');
  checkJson({ kind: 'number', above: 0 }, norm.std, 'extra.data.normalization.std');
  if (data.inputSize !== mc.inputSize || data.inChannels !== mc.inChannels)
    throw new Error(
      `extra.data (input ${String(data.inputSize)}, ${String(data.inChannels)} channels) contradicts extra.modelConfig (input ${mc.inputSize}, ${mc.inChannels} channels)`,
    );
  // keys added to the config after a checkpoint was written may be missing (resume fills in defaults)
  checkTrainConfig(extra.config, 'extra.config: ');
  let held = 0;
  for (const [k, t] of Object.entries(tensors)) if (k.startsWith('model.')) held += t.size;
  let size: { parameters: number; buffers: number };
  try {
    size = stateSize(mc);
  } catch (e) {
    throw new Error(`extra.modelConfig does not describe a model: ${(e as Error).message.split('\n')[0]}`);
  }
  const wanted = size.parameters + size.buffers;
  if (wanted !== held) {
    const n = (x: number) => x.toLocaleString('en-US');
    const what =
      size.buffers === 0
        ? `${n(wanted)} parameters`
        : `${n(size.parameters)} parameters and ${n(size.buffers)} buffer elements (BatchNorm statistics)`;
    throw new Error(`extra.modelConfig describes a model of ${what} but the checkpoint holds ${n(held)}`);
  }
  return extra as unknown as CheckpointExtra;
}

/** The Trainer's checks and the CLI's, for `loadCheckpointFile` / `loadLatest`. */
export function checkCliCheckpoint(meta: CheckpointMeta, tensors: Record<string, Tensor>): void {
  checkTrainerMeta(meta, tensors, ['model']);
  checkCheckpointExtra(meta, tensors);
}
