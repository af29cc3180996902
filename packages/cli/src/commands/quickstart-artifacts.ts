import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PREPROCESSING_METADATA_KEY } from '@rectifier/imagenet';
import type { Module } from '@rectifier/nn';
import { exportOnnxAsync } from '@rectifier/onnx';
import { noGrad, type tensor, tidy } from '@rectifier/tensor';
import type { ImageSet } from '../data/image-set';
import type { DataBundle } from '../data/sources';
import type { ModelConfig } from '../models';
import { deployPreprocessing } from '../onnx-meta';
import { loadOnnxRuntime } from '../optional-deps';

/** ONNX metadata keys the predict command reads. */
export const META = {
  classes: 'classes',
  normalization: 'input_normalization',
  modelConfig: 'model_config',
  /** The deployment preprocessing (`@rectifier/imagenet`'s `Preprocessing`, JSON). */
  preprocessing: PREPROCESSING_METADATA_KEY,
} as const;

/**
 * Exports `model` to ONNX with its class names, input normalisation and deployment preprocessing
 * (the eval pipeline, see `deployPreprocessing`) in the metadata. `imageSize` is the stored images'
 * side for in-memory data (28 for Fashion-MNIST).
 */
export async function onnxBytes(
  model: Module,
  mc: ModelConfig,
  classes: string[],
  normalization: DataBundle['normalization'],
  imageSize?: number,
): Promise<Uint8Array> {
  model.eval();
  const pre = deployPreprocessing(normalization, mc.inChannels, mc.inputSize, imageSize);
  return exportOnnxAsync(model, {
    inputShape: [1, mc.inChannels, mc.inputSize, mc.inputSize],
    dynamicBatch: true,
    metadata: {
      [META.classes]: JSON.stringify(classes),
      [META.normalization]: JSON.stringify(normalization),
      [META.modelConfig]: JSON.stringify(mc),
      [META.preprocessing]: JSON.stringify(pre),
    },
  });
}

/**
 * Writes `model` as ONNX to `path` and checks it in onnxruntime-node against Rectifier's own
 * forward pass on up to 256 test images. Returns a one-line verdict.
 */
export async function exportAndVerify(
  model: Module,
  mc: ModelConfig,
  data: DataBundle,
  path: string,
): Promise<string> {
  const bytes = await onnxBytes(model, mc, data.classes, data.normalization, data.imageSize);
  await writeFile(path, bytes);
  const test = data.test({ batchSize: 256, inputSize: mc.inputSize, limit: 256 });
  const batch = [
    ...(test({ epoch: 0, startBatch: 0 }) as Iterable<{
      input: ReturnType<typeof tensor>;
      target: ReturnType<typeof tensor>;
    }>),
  ][0];
  const ours = noGrad(() => tidy(() => model.call(batch.input)));
  const ref = (await ours.data()) as Float32Array;
  const ort = await loadOnnxRuntime('checking the exported ONNX model');
  const session = await ort.InferenceSession.create(bytes);
  const x = (await batch.input.data()) as Float32Array;
  const res = await session.run({ input: new ort.Tensor('float32', x, [...batch.input.shape]) });
  const got = res.output.data as Float32Array;
  const n = batch.input.shape[0];
  const c = ref.length / n;
  let agree = 0;
  let maxDiff = 0;
  for (let i = 0; i < n; i++) {
    let a = 0;
    let b = 0;
    for (let j = 0; j < c; j++) {
      maxDiff = Math.max(maxDiff, Math.abs(ref[i * c + j] - got[i * c + j]));
      if (ref[i * c + j] > ref[i * c + a]) a = j;
      if (got[i * c + j] > got[i * c + b]) b = j;
    }
    if (a === b) agree++;
  }
  ours.dispose();
  batch.input.dispose();
  batch.target.dispose();
  await session.release();
  model.train();
  return `onnxruntime-node agrees on ${agree}/${n} test images, max |logit difference| ${maxDiff.toExponential(1)}`;
}

/** Writes the first test image of each class as a PNG (for `rectifier predict`). Returns the paths. */
export async function writeSampleImages(set: ImageSet, dir: string): Promise<string[]> {
  const sharp = (await import('sharp')).default;
  await mkdir(dir, { recursive: true });
  const paths: string[] = [];
  const seen = new Set<number>();
  const plane = set.height * set.width * set.channels;
  for (let i = 0; i < set.n && seen.size < set.classes.length; i++) {
    const y = set.labels[i];
    if (seen.has(y)) continue;
    seen.add(y);
    const name = `${String(i).padStart(5, '0')}-${set.classes[y].toLowerCase().replace(/[^a-z0-9]+/g, '-')}.png`;
    const p = join(dir, name);
    const px = Buffer.from(set.images.subarray(i * plane, (i + 1) * plane));
    await sharp(px, { raw: { width: set.width, height: set.height, channels: set.channels as 1 } })
      .png()
      .toFile(p);
    paths.push(p);
  }
  return paths;
}
