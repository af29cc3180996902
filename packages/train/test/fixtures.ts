// Shared helpers for the Trainer tests: a tiny PReLU MLP with dropout and a seeded 3-class problem.
import { Conv2d, Dropout, Flatten, Linear, MaxPool2d, PReLU, ReLU, Sequential } from '@rectifier/nn';
import { Generator, randn, tensor } from '@rectifier/tensor';
import type { Batch } from '../src/trainer/types';

/** Linear(8,16) - PReLU(16) - Dropout(0.25) - Linear(16,3), weights from a seeded generator. */
export function tinyModel(seed = 1): Sequential {
  const g = new Generator(seed);
  return new Sequential({
    fc1: new Linear({ inFeatures: 8, outFeatures: 16, generator: g }),
    act: new PReLU({ numParameters: 16 }),
    drop: new Dropout({ p: 0.25 }),
    fc2: new Linear({ inFeatures: 16, outFeatures: 3, generator: g }),
  });
}

/**
 * A conv net on [N, 3, 16, 16] images whose convolutions (batch 8) are big enough for the WASM
 * backend's threaded kernels: conv 3->16 5x5 (4.9 MFLOP), PReLU, pool, conv 16->16 3x3 (2.4 MFLOP),
 * ReLU, pool, Linear(256, 3).
 */
export function convModel(seed = 1): Sequential {
  const g = new Generator(seed);
  return new Sequential({
    conv1: new Conv2d({ inChannels: 3, outChannels: 16, kernelSize: 5, padding: 2, generator: g }),
    act1: new PReLU({ numParameters: 16 }),
    pool1: new MaxPool2d({ kernelSize: 2 }),
    conv2: new Conv2d({ inChannels: 16, outChannels: 16, kernelSize: 3, padding: 1, generator: g }),
    act2: new ReLU(),
    pool2: new MaxPool2d({ kernelSize: 2 }),
    flat: new Flatten(),
    fc: new Linear({ inFeatures: 256, outFeatures: 3, generator: g }),
  });
}

/** n images [3, 16, 16] of three classes (a bright channel per class) plus noise; labels 0..2. */
export function imageBlobs(n: number, seed = 7): { x: Float32Array; y: Int32Array } {
  const per = 3 * 16 * 16;
  const g = new Generator(seed);
  const noise = randn([n, per], { generator: g });
  const x = new Float32Array(noise.dataSync() as Float32Array);
  noise.dispose();
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 3;
    for (let j = y[i] * 256; j < (y[i] + 1) * 256; j++) x[i * per + j] += 1.5;
  }
  return { x, y };
}

/** n points in 8-D around three class centres; labels 0..2. */
export function blobs(n: number, seed = 7): { x: Float32Array; y: Int32Array } {
  const g = new Generator(seed);
  const noise = randn([n, 8], { generator: g });
  const xs = noise.dataSync() as Float32Array;
  noise.dispose();
  const y = new Int32Array(n);
  const x = new Float32Array(n * 8);
  for (let i = 0; i < n; i++) {
    y[i] = i % 3;
    for (let j = 0; j < 8; j++) x[i * 8 + j] = xs[i * 8 + j] + (j % 3 === y[i] ? 2 : 0);
  }
  return { x, y };
}

/** A deterministic permutation of 0..n-1 for (seed, epoch) (xorshift32 Fisher-Yates). */
function perm(n: number, seed: number, epoch: number): Int32Array {
  const p = Int32Array.from({ length: n }, (_, i) => i);
  let s = (seed * 2654435761 + epoch * 40503 + 1) >>> 0 || 1;
  for (let i = n - 1; i > 0; i--) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    const j = s % (i + 1);
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

/**
 * A seekable data source: the batches of `epoch` from `startBatch`, reshuffled per epoch. Samples
 * have shape `sample` (default [8]).
 */
export function loader(
  data: { x: Float32Array; y: Int32Array },
  batchSize: number,
  shuffle = true,
  sample: readonly number[] = [8],
) {
  const n = data.y.length;
  const per = sample.reduce((a, b) => a * b, 1);
  const numBatches = Math.ceil(n / batchSize);
  return ({ epoch, startBatch }: { epoch: number; startBatch: number }) => {
    const order = shuffle ? perm(n, 3, epoch) : Int32Array.from({ length: n }, (_, i) => i);
    return {
      length: numBatches - startBatch,
      *[Symbol.iterator](): Generator<Batch> {
        for (let b = startBatch; b < numBatches; b++) {
          const idx = order.subarray(b * batchSize, Math.min(n, (b + 1) * batchSize));
          const x = new Float32Array(idx.length * per);
          const y = new Int32Array(idx.length);
          idx.forEach((k, i) => {
            x.set(data.x.subarray(k * per, (k + 1) * per), i * per);
            y[i] = data.y[k];
          });
          yield {
            input: tensor(x, { shape: [idx.length, ...sample] }),
            target: tensor(y, { shape: [idx.length], dtype: 'int32' }),
          };
        }
      },
    };
  };
}

/** All parameter values of a model, by name (exact copies). */
export function snapshot(model: Sequential): Record<string, number[]> {
  return Object.fromEntries(model.namedParameters().map(([k, p]) => [k, Array.from(p.dataSync())]));
}

/** A text sink that records what was written. */
export function sink(isTTY = false): { write(s: string): void; isTTY: boolean; text: () => string } {
  let buf = '';
  return {
    isTTY,
    write: (s: string) => {
      buf += s;
    },
    text: () => buf,
  };
}
