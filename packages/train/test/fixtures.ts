// Shared helpers for the Trainer tests: a tiny PReLU MLP with dropout and a seeded 3-class problem.
import { Dropout, Linear, PReLU, Sequential } from '@rectifier/nn';
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

/** A seekable data source: the batches of `epoch` from `startBatch`, reshuffled per epoch. */
export function loader(data: { x: Float32Array; y: Int32Array }, batchSize: number, shuffle = true) {
  const n = data.y.length;
  const numBatches = Math.ceil(n / batchSize);
  return ({ epoch, startBatch }: { epoch: number; startBatch: number }) => {
    const order = shuffle ? perm(n, 3, epoch) : Int32Array.from({ length: n }, (_, i) => i);
    return {
      length: numBatches - startBatch,
      *[Symbol.iterator](): Generator<Batch> {
        for (let b = startBatch; b < numBatches; b++) {
          const idx = order.subarray(b * batchSize, Math.min(n, (b + 1) * batchSize));
          const x = new Float32Array(idx.length * 8);
          const y = new Int32Array(idx.length);
          idx.forEach((k, i) => {
            x.set(data.x.subarray(k * 8, k * 8 + 8), i * 8);
            y[i] = data.y[k];
          });
          yield {
            input: tensor(x, { shape: [idx.length, 8] }),
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
