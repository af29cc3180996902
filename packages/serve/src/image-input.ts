/**
 * The image endpoint's preprocessing: JPEG/PNG bytes -> the model's NCHW float input, by the
 * deployment preprocessing recorded in the model's ONNX metadata (`rectifier.preprocessing`, the
 * same description evaluation and `rectifier predict` run), executed by @rectifier/imagenet's
 * `preprocessImage`. No second implementation of the pixel pipeline lives here.
 */
import {
  evalPreprocessing,
  imageSize,
  PREPROCESSING_METADATA_KEY,
  type Preprocessing,
  preprocessingChannels,
  validatePreprocessing,
} from '@rectifier/imagenet';
import { badRequest, HttpError } from './errors';
import type { ModelSpec } from './model-spec';

/**
 * The normalisation key of models exported before `rectifier.preprocessing` existed:
 * `{ kind: 'scaled', mean, std }` ((x / 255 - mean) / std) or `{ kind: 'imagenet' }`.
 */
export const LEGACY_NORMALIZATION_KEY = 'input_normalization';

export type { Preprocessing };

function legacyPreprocessing(raw: string, channels: number, size: number): Preprocessing {
  const n = JSON.parse(raw) as { kind?: string; mean?: number; std?: number };
  const colorMode = channels === 1 ? 'grey' : 'rgb';
  if (n.kind === 'imagenet') return evalPreprocessing(size, { colorMode });
  if (n.kind === 'scaled' && typeof n.mean === 'number' && typeof n.std === 'number' && n.std > 0)
    // As `rectifier predict` reads such a model: in-memory sets (28x28 Fashion-MNIST) scaled to the
    // input without a crop margin (nearest when enlarging, area average when shrinking), then
    // (x / 255 - mean) / std.
    return evalPreprocessing(size, {
      colorMode,
      resize: size,
      interpolation: size > 28 ? 'nearest' : size < 28 ? 'box' : 'bilinear',
      mean: Array(channels).fill(n.mean),
      std: Array(channels).fill(n.std),
    });
  throw new Error(`unknown kind ${JSON.stringify(n.kind)}`);
}

/**
 * The preprocessing the model's metadata records, or a reason why the image endpoint cannot be used
 * with this model. Models exported before `rectifier.preprocessing` existed fall back to their
 * `input_normalization` entry.
 */
export function imagePreprocessing(model: ModelSpec): Preprocessing | string {
  const input = model.inputs[0];
  if (model.inputs.length !== 1 || input.shape.length !== 4 || input.datatype !== 'FP32')
    return 'the image endpoint needs a model with one FP32 [N, C, H, W] input';
  const [, c, h, w] = input.shape;
  let p: Preprocessing;
  const recorded = model.metadata[PREPROCESSING_METADATA_KEY];
  const legacy = model.metadata[LEGACY_NORMALIZATION_KEY];
  try {
    if (recorded !== undefined) p = validatePreprocessing(JSON.parse(recorded), PREPROCESSING_METADATA_KEY);
    else if (legacy !== undefined && h === w && h > 0) p = legacyPreprocessing(legacy, c, h);
    else
      return `the model's metadata has no '${PREPROCESSING_METADATA_KEY}' (export it with 'rectifier export'); send tensors to /infer instead`;
  } catch (e) {
    return `the model's preprocessing metadata is not usable: ${(e as Error).message}`;
  }
  if (preprocessingChannels(p) !== c || p.cropSize !== h || p.cropSize !== w)
    return `the recorded preprocessing gives ${preprocessingChannels(p)}x${p.cropSize}x${p.cropSize} images, the model takes ${JSON.stringify(input.shape)}`;
  return p;
}

export interface ImageLimits {
  /** Refuse images with more pixels than this (decompression bombs), from the header before decoding. */
  maxPixels: number;
}

/** Decodes and preprocesses one image: a [C, S, S] float32 sample. Bad input is a 400 (a 413 when too large). */
export async function imageToInput(
  bytes: Uint8Array,
  prep: Preprocessing,
  limits: ImageLimits,
): Promise<Float32Array> {
  const size = imageSize(bytes);
  if (!size) throw badRequest('the body is not a JPEG or PNG image with a readable size in its header');
  if (size.width * size.height > limits.maxPixels)
    throw new HttpError(
      413,
      `the image is ${size.width}x${size.height} pixels; this server decodes at most ${limits.maxPixels}`,
    );
  const { preprocessImage } = await import('@rectifier/imagenet/node');
  try {
    return await preprocessImage(bytes, prep, { path: 'the image' });
  } catch (e) {
    const err = e as Error & { reason?: string };
    throw badRequest(`cannot decode the ${size.format.toUpperCase()} image: ${err.reason ?? err.message}`);
  }
}
