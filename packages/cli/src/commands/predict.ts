import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { preprocessingChannels } from '@rectifier/imagenet';
import { intOpt } from '../args';
import { UsageError, UserError } from '../errors';
import { type Io, out } from '../io';
import type { Command } from '../main';
import { readOnnxMetadata } from '../onnx-meta';
import {
  checkOutputShape,
  MAX_CLASSES,
  type PredictOverrides,
  resolveClasses,
  resolvePreprocessing,
} from '../predict-setup';

/** Largest .onnx file predict reads (a classifier this size would not run on a CPU anyway). */
const MAX_MODEL_BYTES = 2 ** 31;

function numberList(v: unknown, flag: string): number[] | undefined {
  if (v === undefined) return undefined;
  const xs = String(v)
    .split(',')
    .map((x) => Number(x.trim()));
  if (xs.length === 0 || xs.some((x) => !Number.isFinite(x)))
    throw new UsageError(
      `--${flag} must be comma-separated numbers (one or one per channel), got '${String(v)}'`,
    );
  return xs;
}

async function classList(path: unknown): Promise<string[] | undefined> {
  if (path === undefined) return undefined;
  const p = String(path);
  if (!existsSync(p)) throw new UserError(`--classes file ${p} does not exist`);
  const text = (await readFile(p, 'utf8')).trim();
  let names: unknown = text.split(/\r?\n/).map((l) => l.trim());
  if (text.startsWith('[')) {
    try {
      names = JSON.parse(text);
    } catch {
      throw new UserError(`--classes file ${p} starts with '[' but is not a JSON array`);
    }
  }
  if (
    !Array.isArray(names) ||
    names.length === 0 ||
    names.length > MAX_CLASSES ||
    !names.every((n) => typeof n === 'string')
  )
    throw new UserError(`--classes file ${p} must hold one class name per line or a JSON array of strings`);
  return names;
}

/**
 * Class probabilities of one output row, as [class, probability] pairs sorted by probability, top k:
 * the softmax of logits, or the row itself when it already is a distribution (a model exported
 * with a final Softmax).
 */
function topK(scores: Float32Array, k: number): [number, number][] {
  let m = Number.NEGATIVE_INFINITY;
  let sum = 0;
  let inUnit = true;
  for (const v of scores) {
    m = Math.max(m, v);
    sum += v;
    if (v < 0 || v > 1) inUnit = false;
  }
  const isDistribution = inUnit && Math.abs(sum - 1) < 1e-4;
  const e = Array.from(scores, (v) => (isDistribution ? v : Math.exp(v - m)));
  const z = e.reduce((a, b) => a + b, 0);
  return e
    .map((v, i) => [i, v / z] as [number, number])
    .sort((a, b) => b[1] - a[1])
    .slice(0, k);
}

/** `rectifier predict model.onnx <image...>`: top-k classes with onnxruntime-node. */
export const predictCommand: Command = {
  spec: {
    name: 'predict',
    summary:
      "Classify images with an ONNX classifier (onnxruntime-node): top-5 classes with probabilities. Images are preprocessed exactly as 'rectifier eval' does (the 'rectifier.preprocessing' metadata of exported models); flags fill in what a model's metadata lacks.",
    usage: 'rectifier predict <model.onnx> <image...> [options]',
    positionals: { min: 2, max: 10_000 },
    options: {
      top: { type: 'string', arg: 'K', description: 'classes to show per image', default: '5' },
      'input-size': {
        type: 'string',
        arg: 'N',
        description: 'side of the square model input (default: from the metadata or the model)',
      },
      resize: {
        type: 'string',
        arg: 'N',
        description: 'shorter side before the centre crop (default: metadata, else round(input * 8 / 7))',
      },
      mean: {
        type: 'string',
        arg: 'M',
        description:
          'per-channel mean of [0, 1] pixels, e.g. 0.485,0.456,0.406 (default: metadata, else ImageNet)',
      },
      std: {
        type: 'string',
        arg: 'S',
        description: 'per-channel std, e.g. 0.229,0.224,0.225 (default: metadata, else ImageNet)',
      },
      grey: {
        type: 'boolean',
        description: 'feed one grey channel (default: metadata, else the model input channels)',
      },
      classes: {
        type: 'string',
        arg: 'FILE',
        description: 'class names, one per line or a JSON array (default: metadata, else class indices)',
      },
    },
  },
  async run(args, io: Io) {
    const [modelPath, ...images] = args.positionals;
    const v = args.values;
    const k = intOpt(v, 'top') as number;
    const inputSize = intOpt(v, 'input-size');
    if (inputSize !== undefined && inputSize > 4096)
      throw new UsageError(`--input-size must be at most 4096, got ${inputSize}`);
    const overrides: PredictOverrides = {
      inputSize,
      resize: intOpt(v, 'resize'),
      mean: numberList(v.mean, 'mean'),
      std: numberList(v.std, 'std'),
      grey: v.grey ? true : undefined,
      classes: await classList(v.classes),
    };
    if (!existsSync(modelPath)) throw new UserError(`${modelPath} does not exist`);
    const bytes = new Uint8Array(await readFile(modelPath));
    if (bytes.length > MAX_MODEL_BYTES) throw new UserError(`${modelPath} is larger than 2 GiB`);
    let meta: Record<string, string>;
    try {
      meta = readOnnxMetadata(bytes);
    } catch (e) {
      throw new UserError(`${modelPath} is not an ONNX model: ${(e as Error).message}`);
    }
    const ort = await import('onnxruntime-node');
    let session: Awaited<ReturnType<typeof ort.InferenceSession.create>>;
    try {
      session = await ort.InferenceSession.create(bytes);
    } catch (e) {
      throw new UserError(
        `${modelPath} is not an ONNX model onnxruntime can load: ${(e as Error).message.split('\n')[0]}`,
      );
    }
    try {
      if (session.inputNames.length !== 1 || session.outputNames.length < 1)
        throw new UserError(
          `${modelPath}: predict needs one image input, the model has ${session.inputNames.length} inputs`,
        );
      const inMeta = session.inputMetadata[0];
      const outMeta = session.outputMetadata[0];
      const inShape = inMeta.isTensor ? inMeta.shape : [];
      const classes = resolveClasses(meta, modelPath, overrides);
      const pre = resolvePreprocessing(meta, modelPath, inShape, overrides);
      const ch = preprocessingChannels(pre);
      const modelCh = typeof inShape[1] === 'number' ? inShape[1] : undefined;
      if (modelCh !== undefined && modelCh !== ch)
        throw new UserError(
          `${modelPath}: the model takes ${modelCh}-channel input but the preprocessing gives ${ch} (${pre.colorMode}); ${modelCh === 1 ? 'pass --grey' : 'drop --grey'}`,
        );
      if (outMeta.isTensor && outMeta.shape.length > 0) checkOutputShape(outMeta.shape, classes, modelPath);
      const { preprocessImage } = await import('@rectifier/imagenet/node');
      let failed = 0;
      for (const p of images) {
        let x: Float32Array;
        try {
          if (!existsSync(p)) throw new Error('does not exist');
          x = await preprocessImage(new Uint8Array(await readFile(p)), pre, { path: p });
        } catch (e) {
          const msg = (e as Error).message;
          io.stderr.write(`rectifier predict: error: ${msg.startsWith(p) ? msg : `${p}: ${msg}`}\n`);
          failed++;
          continue;
        }
        const res = await session.run({
          [session.inputNames[0]]: new ort.Tensor('float32', x, [1, ch, pre.cropSize, pre.cropSize]),
        });
        const y = res[session.outputNames[0]];
        checkOutputShape(y.dims, classes, modelPath, 1);
        const logits = y.data as Float32Array;
        if (!Array.from(logits).every(Number.isFinite))
          throw new UserError(`${modelPath}: the model gave non-finite scores for ${p}`);
        const ranked = topK(logits, k);
        out(
          io,
          `${p}: ${ranked.map(([i, q]) => `${classes ? classes[i] : `class ${i}`} ${(100 * q).toFixed(1)}%`).join(', ')}`,
        );
      }
      if (failed > 0) {
        io.stderr.write(
          `${failed} of ${images.length} images could not be read; the others were classified\n`,
        );
        return 1;
      }
      return 0;
    } finally {
      await session.release();
    }
  },
};
