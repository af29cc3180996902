/**
 * The image endpoint's preprocessing: JPEG/PNG bytes -> the model's NCHW float input, exactly as
 * `rectifier predict` does it from the preprocessing recorded in the model's ONNX metadata
 * (`model_config`: input size and channels; `input_normalization`: how pixels were scaled in training).
 */
import { IMAGENET_MEAN, IMAGENET_STD, sniffFormat } from '@rectifier/imagenet';
import { badRequest, HttpError } from './errors';
import type { ModelSpec } from './model-spec';

/** The ONNX metadata keys Rectifier's exporter writes for `predict` (see packages/cli). */
export const PREPROCESSING_KEYS = {
  normalization: 'input_normalization',
  modelConfig: 'model_config',
} as const;

/** How `rectifier train` normalised inputs: x/255 then (x - mean) / std, or torchvision's per-channel ImageNet statistics. */
export interface InputNormalization {
  kind: 'scaled' | 'imagenet';
  mean: number;
  std: number;
}

export interface ImagePreprocessing {
  channels: 1 | 3;
  size: number;
  normalization: InputNormalization;
}

/**
 * The preprocessing recorded in the model's metadata, or a reason why the image endpoint cannot be
 * used with this model.
 */
export function imagePreprocessing(model: ModelSpec): ImagePreprocessing | string {
  const input = model.inputs[0];
  if (model.inputs.length !== 1 || input.shape.length !== 4 || input.datatype !== 'FP32')
    return 'the image endpoint needs a model with one FP32 [N, C, H, W] input';
  const normRaw = model.metadata[PREPROCESSING_KEYS.normalization];
  if (normRaw === undefined)
    return `the model has no '${PREPROCESSING_KEYS.normalization}' metadata (export it with 'rectifier export'); send tensors to /infer instead`;
  let normalization: InputNormalization;
  try {
    normalization = JSON.parse(normRaw);
  } catch {
    return `the model's '${PREPROCESSING_KEYS.normalization}' metadata is not JSON`;
  }
  if (
    (normalization.kind !== 'scaled' && normalization.kind !== 'imagenet') ||
    (normalization.kind === 'scaled' && !(Number.isFinite(normalization.mean) && normalization.std > 0))
  )
    return `the model's '${PREPROCESSING_KEYS.normalization}' metadata ${normRaw} is not one this server knows`;
  const [, c, h, w] = input.shape;
  if ((c !== 1 && c !== 3) || h !== w || h < 1)
    return `the image endpoint needs a square 1- or 3-channel input, the model takes ${JSON.stringify(input.shape)}`;
  return { channels: c, size: h, normalization };
}

export interface ImageLimits {
  /** Refuse images with more pixels than this (decompression bombs). */
  maxPixels: number;
}

/**
 * Decodes `bytes` and returns one [C, S, S] sample: resized so the image covers S x S and center-
 * cropped, grey or sRGB, scaled to [0, 1] and normalised as in training.
 */
export async function imageToInput(
  bytes: Uint8Array,
  prep: ImagePreprocessing,
  limits: ImageLimits,
): Promise<Float32Array> {
  const format = sniffFormat(bytes);
  if (!format)
    throw badRequest('the body is not a JPEG or PNG image (its first bytes are neither signature)');
  const sharp = (await import('sharp')).default;
  const s = prep.size;
  let raw: { data: Buffer; info: { channels: number } };
  try {
    let img = sharp(bytes, { limitInputPixels: limits.maxPixels, failOn: 'error' }).resize(s, s, {
      fit: 'cover',
    });
    img = prep.channels === 1 ? img.greyscale() : img.removeAlpha().toColourspace('srgb');
    raw = await img.raw().toBuffer({ resolveWithObject: true });
  } catch (e) {
    throw badRequest(
      `cannot decode the ${format.toUpperCase()} image: ${(e as Error).message.split('\n')[0]}`,
    );
  }
  const c = prep.channels;
  if (raw.info.channels !== c)
    throw new HttpError(500, `decoded ${raw.info.channels} channels where the model takes ${c}`);
  const n = prep.normalization;
  const x = new Float32Array(c * s * s);
  for (let k = 0; k < c; k++) {
    const mean = n.kind === 'imagenet' ? IMAGENET_MEAN[k] : n.mean;
    const std = n.kind === 'imagenet' ? IMAGENET_STD[k] : n.std;
    for (let i = 0; i < s * s; i++) x[k * s * s + i] = (raw.data[i * c + k] / 255 - mean) / std;
  }
  return x;
}
