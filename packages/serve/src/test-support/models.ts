// Small models for the tests, made the way users make theirs: an @rectifier/nn network exported
// with @rectifier/onnx, carrying the metadata `rectifier export` writes (class names, input
// normalisation, model config).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evalPreprocessing, PREPROCESSING_METADATA_KEY } from '@rectifier/imagenet';
import { Conv2d, Flatten, Linear, MaxPool2d, PReLU, Sequential } from '@rectifier/nn';
import { exportOnnx } from '@rectifier/onnx';
import { Generator } from '@rectifier/tensor';

export const CLASSES = [
  'T-shirt',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Boot',
];

/** A 1x12x12 -> 10 PReLU convnet (Fashion-MNIST-like input at reduced size). */
export function tinyNet(seed = 1): Sequential {
  return new Sequential({
    conv: new Conv2d({
      inChannels: 1,
      outChannels: 4,
      kernelSize: 3,
      padding: 1,
      generator: new Generator(seed),
    }),
    act: new PReLU({ numParameters: 4, init: 0.25 }),
    pool: new MaxPool2d({ kernelSize: 2 }),
    flat: new Flatten(),
    fc: new Linear({ inFeatures: 4 * 6 * 6, outFeatures: 10, generator: new Generator(seed + 1) }),
  }).eval();
}

export interface TinyModelOptions {
  dynamicBatch?: boolean;
  /** Leave out the rectifier metadata (a model from elsewhere). */
  bare?: boolean;
  /** Only the metadata of exports made before `rectifier.preprocessing` existed. */
  legacy?: boolean;
  softmax?: boolean;
}

/** ONNX bytes of {@link tinyNet}. */
export function tinyOnnx(o: TinyModelOptions = {}): Uint8Array {
  return exportOnnx(tinyNet(), {
    inputShape: [1, 1, 12, 12],
    dynamicBatch: o.dynamicBatch ?? true,
    softmax: o.softmax ?? false,
    metadata: o.bare
      ? {}
      : {
          classes: JSON.stringify(CLASSES),
          input_normalization: JSON.stringify({ kind: 'scaled', mean: 0.286, std: 0.353 }),
          model_config: JSON.stringify({ model: 'tiny', inputSize: 12, inChannels: 1, numClasses: 10 }),
          ...(o.legacy
            ? {}
            : {
                [PREPROCESSING_METADATA_KEY]: JSON.stringify(
                  evalPreprocessing(12, { colorMode: 'grey', resize: 12, mean: [0.286], std: [0.353] }),
                ),
              }),
        },
  });
}

/** A temporary directory; `cleanup()` removes it. */
export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `rectifier-serve-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes bytes to `<dir>/<name>` and returns the path. */
export function writeModel(dir: string, name: string, bytes: Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

/** Deterministic pseudo-random floats in [-1, 1). */
export function randomInput(n: number, seed = 7): Float32Array {
  const x = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = s / 2 ** 31 - 1;
  }
  return x;
}
