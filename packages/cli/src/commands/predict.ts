import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { intOpt } from '../args';
import type { Normalization } from '../data/sources';
import { UserError } from '../errors';
import { type Io, out } from '../io';
import type { Command } from '../main';
import type { ModelConfig } from '../models';
import { readOnnxMetadata } from '../onnx-meta';
import { loadOnnxRuntime } from '../optional-deps';
import { META } from './quickstart-artifacts';

const IMAGENET_MEAN = [0.485, 0.456, 0.406];
const IMAGENET_STD = [0.229, 0.224, 0.225];

/** Decodes an image file into the model's NCHW input: grey or RGB, resized and center-cropped to the input side. */
async function preprocess(path: string, mc: ModelConfig, norm: Normalization): Promise<Float32Array> {
  const sharp = (await import('sharp')).default;
  const s = mc.inputSize;
  let img = sharp(await readFile(path)).resize(s, s, { fit: 'cover' });
  img = mc.inChannels === 1 ? img.greyscale() : img.removeAlpha().toColourspace('srgb');
  const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
  const c = mc.inChannels;
  if (info.channels !== c)
    throw new UserError(`${path}: decoded ${info.channels} channels, the model takes ${c}`);
  const x = new Float32Array(c * s * s);
  for (let k = 0; k < c; k++) {
    for (let i = 0; i < s * s; i++) {
      const v = data[i * c + k] / 255;
      x[k * s * s + i] =
        norm.kind === 'imagenet'
          ? (v - IMAGENET_MEAN[k]) / IMAGENET_STD[k]
          : norm.kind === 'paper'
            ? 255 * (v - IMAGENET_MEAN[k]) // the paper's inputs: [0, 255] minus the ImageNet mean
            : (v - norm.mean) / norm.std;
    }
  }
  return x;
}

/** `rectifier predict model.onnx <image...>`: top-k classes with onnxruntime-node. */
export const predictCommand: Command = {
  spec: {
    name: 'predict',
    summary:
      'Classify images with an ONNX model exported by rectifier (onnxruntime-node): top-5 classes with probabilities.',
    usage: 'rectifier predict <model.onnx> <image...> [options]',
    positionals: { min: 2, max: 10_000 },
    options: {
      top: { type: 'string', arg: 'K', description: 'classes to show per image', default: '5' },
    },
  },
  async run(args, io: Io) {
    const [modelPath, ...images] = args.positionals;
    const k = intOpt(args.values, 'top') as number;
    if (!existsSync(modelPath)) throw new UserError(`${modelPath} does not exist`);
    const bytes = new Uint8Array(await readFile(modelPath));
    let meta: Record<string, string>;
    try {
      meta = readOnnxMetadata(bytes);
    } catch (e) {
      throw new UserError(`${modelPath} is not an ONNX model: ${(e as Error).message}`);
    }
    if (!meta[META.modelConfig] || !meta[META.classes])
      throw new UserError(
        `${modelPath} has no rectifier metadata (class names, input size): export it with 'rectifier export'`,
      );
    const mc = JSON.parse(meta[META.modelConfig]) as ModelConfig;
    const classes = JSON.parse(meta[META.classes]) as string[];
    const norm = JSON.parse(meta[META.normalization]) as Normalization;
    for (const p of images) if (!existsSync(p)) throw new UserError(`image ${p} does not exist`);
    const ort = await loadOnnxRuntime('rectifier predict');
    const session = await ort.InferenceSession.create(bytes);
    try {
      for (const p of images) {
        let x: Float32Array;
        try {
          x = await preprocess(p, mc, norm);
        } catch (e) {
          if (e instanceof UserError) throw e;
          throw new UserError(`cannot read image ${p}: ${(e as Error).message}`);
        }
        const res = await session.run({
          input: new ort.Tensor('float32', x, [1, mc.inChannels, mc.inputSize, mc.inputSize]),
        });
        const logits = Array.from(res.output.data as Float32Array);
        const m = Math.max(...logits);
        const e = logits.map((v) => Math.exp(v - m));
        const z = e.reduce((a, b) => a + b, 0);
        const ranked = e
          .map((v, i) => [i, v / z] as const)
          .sort((a, b) => b[1] - a[1])
          .slice(0, k);
        out(io, `${p}: ${ranked.map(([i, q]) => `${classes[i]} ${(100 * q).toFixed(1)}%`).join(', ')}`);
      }
    } finally {
      await session.release();
    }
    return 0;
  },
};
