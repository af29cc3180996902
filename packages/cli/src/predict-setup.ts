/**
 * What `predict` needs to know about an ONNX classifier before running it: the preprocessing, the
 * class names and the input/output names and shapes, from the model's metadata (rectifier's or
 * none) and flags, all validated so a crafted file gives a one-line error instead of NaN, undefined
 * labels or gigabytes of allocation.
 */
import {
  evalPreprocessing,
  type Preprocessing,
  preprocessingChannels,
  validatePreprocessing,
} from '@rectifier/imagenet';
import type { Normalization } from './data/sources';
import { UserError } from './errors';
import { deployPreprocessing } from './onnx-meta';

/** The metadata keys written by `rectifier export` (see quickstart-artifacts' META). */
const KEYS = {
  classes: 'classes',
  normalization: 'input_normalization',
  modelConfig: 'model_config',
  preprocessing: 'rectifier.preprocessing',
} as const;

/** Most classes a classifier may name (bounds what crafted metadata can make us allocate and print). */
export const MAX_CLASSES = 1_000_000;

/** Flags of `predict` that fill in or override what the metadata says. */
export interface PredictOverrides {
  inputSize?: number;
  resize?: number;
  mean?: number[];
  std?: number[];
  grey?: boolean;
  classes?: string[];
}

function parseJson(meta: Record<string, string>, key: string, model: string): unknown {
  try {
    return JSON.parse(meta[key]);
  } catch {
    throw new UserError(`${model}: metadata '${key}' is not valid JSON`);
  }
}

/** A positive integer from a static ONNX dimension, else undefined (symbolic or missing). */
function dim(d: number | string | undefined): number | undefined {
  return typeof d === 'number' && Number.isInteger(d) && d > 0 ? d : undefined;
}

/**
 * The preprocessing for a model: flags over `rectifier.preprocessing` over the older
 * `model_config` + `input_normalization` pair over the input shape with torchvision's defaults.
 * @param inputShape the model input's shape from onnxruntime ([N, C, H, W], symbolic dims as strings)
 */
export function resolvePreprocessing(
  meta: Record<string, string>,
  model: string,
  inputShape: readonly (number | string)[],
  o: PredictOverrides,
): Preprocessing {
  let base: Preprocessing | undefined;
  try {
    if (meta[KEYS.preprocessing] !== undefined)
      base = validatePreprocessing(
        parseJson(meta, KEYS.preprocessing, model),
        `metadata '${KEYS.preprocessing}'`,
      );
    else if (meta[KEYS.modelConfig] !== undefined && meta[KEYS.normalization] !== undefined) {
      const mc = parseJson(meta, KEYS.modelConfig, model) as Record<string, unknown>;
      const norm = parseJson(meta, KEYS.normalization, model) as Normalization;
      const inCh = mc?.inChannels;
      const size = mc?.inputSize;
      if (inCh !== 1 && inCh !== 3)
        throw new Error(`model_config.inChannels must be 1 or 3, got ${JSON.stringify(inCh)}`);
      if (!Number.isInteger(size) || (size as number) < 1 || (size as number) > 4096)
        throw new Error(
          `model_config.inputSize must be an integer in [1, 4096], got ${JSON.stringify(size)}`,
        );
      const okNorm =
        norm &&
        (norm.kind === 'imagenet' ||
          (norm.kind === 'scaled' &&
            Number.isFinite(norm.mean) &&
            Number.isFinite(norm.std) &&
            norm.std > 0));
      if (!okNorm)
        throw new Error(
          `input_normalization must be { kind: 'imagenet' } or { kind: 'scaled', mean, std > 0 }, got ${meta[KEYS.normalization].slice(0, 80)}`,
        );
      base = deployPreprocessing(norm, inCh, size as number);
    }
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`${model}: ${(e as Error).message}`);
  }
  const channels = dim(inputShape[1]);
  const h = dim(inputShape[2]);
  const w = dim(inputShape[3]);
  if (inputShape.length !== 4)
    throw new UserError(
      `${model}: the input must be an image batch [N, C, H, W], the model's is [${inputShape.join(', ')}]`,
    );
  if (h !== undefined && w !== undefined && h !== w)
    throw new UserError(`${model}: the input is ${h}x${w}; predict feeds square inputs (centre crops)`);
  const inputSize = o.inputSize ?? base?.cropSize ?? h;
  if (inputSize === undefined)
    throw new UserError(
      `${model}: the input size is neither in the metadata nor fixed in the model: pass --input-size`,
    );
  const grey = o.grey ?? (base ? base.colorMode === 'grey' : channels === 1);
  const nCh = grey ? 1 : 3;
  const fromBase = base && preprocessingChannels(base) === nCh && base.cropSize === inputSize;
  // One value for every channel is accepted (e.g. --mean 0.5 --std 0.25)
  const perChannel = (xs?: number[]) => (xs && xs.length === 1 ? Array(nCh).fill(xs[0]) : xs);
  try {
    return evalPreprocessing(inputSize, {
      ...(fromBase ? base : {}),
      colorMode: grey ? 'grey' : 'rgb',
      resize: o.resize ?? (fromBase ? base?.resize : undefined),
      mean: perChannel(o.mean) ?? (fromBase ? base?.mean : undefined),
      std: perChannel(o.std) ?? (fromBase ? base?.std : undefined),
    });
  } catch (e) {
    throw new UserError(`predict: ${(e as Error).message}`);
  }
}

/**
 * Class names: `--classes` over the metadata's `classes`; validated as an array of strings. Absent
 * everywhere: null (predict prints class indices).
 */
export function resolveClasses(
  meta: Record<string, string>,
  model: string,
  o: PredictOverrides,
): string[] | null {
  if (o.classes) return o.classes;
  if (meta[KEYS.classes] === undefined) return null;
  const c = parseJson(meta, KEYS.classes, model);
  if (!Array.isArray(c) || c.length === 0 || c.length > MAX_CLASSES || !c.every((x) => typeof x === 'string'))
    throw new UserError(
      `${model}: metadata 'classes' must be a non-empty JSON array of strings (at most ${MAX_CLASSES}), got ${meta[KEYS.classes].slice(0, 60)}`,
    );
  return c;
}

/**
 * Checks that an output shape is a classifier's [N, classes] (symbolic N allowed) and agrees with the
 * class names; returns the class count when static.
 */
export function checkOutputShape(
  shape: readonly (number | string)[],
  classes: string[] | null,
  model: string,
  batch?: number,
): number | undefined {
  const c = dim(shape[1]);
  const n = shape[0];
  const ok =
    shape.length === 2 &&
    (batch === undefined || n === batch) &&
    (shape[1] === undefined || typeof shape[1] === 'string' || c !== undefined);
  if (!ok)
    throw new UserError(
      `${model}: the output must be class scores [${batch ?? 'N'}, classes], the model gives [${shape.join(', ')}]`,
    );
  if (c !== undefined && c > MAX_CLASSES)
    throw new UserError(`${model}: the output has ${c} classes, more than ${MAX_CLASSES}`);
  if (c !== undefined && classes && classes.length !== c)
    throw new UserError(`${model}: the output has ${c} classes but ${classes.length} class names are given`);
  return c;
}
