/**
 * TF.js 4.22 with its plain-JS cpu backend (@tensorflow/tfjs-core + @tensorflow/tfjs-backend-cpu,
 * pinned devDependencies), on the same workloads. TF.js convolutions are NHWC (its native layout on
 * cpu), so the conv input is [32, 32, 32, 64] and the filter [3, 3, 64, 64]; the FLOP count is the same.
 *
 * Its training step is very slow here (about 0.07 images/s at batch 64, i.e. 15 minutes a step), so it
 * runs only with --peers-slow and at a reduced batch (--tfjs-train-batch, default 4); images/s is
 * reported with the batch used.
 */
import type * as TF from '@tensorflow/tfjs-core';
import { measure, type Sample } from './timing.js';
import { CONV, CONV_FLOP, MATMUL_FLOP, MATMUL_N, randomF32, TRAIN } from './workloads.js';

export interface TfjsResults {
  version: string;
  backend: string;
  threads: number;
  matmul: Sample;
  conv2dForward: Sample;
  trainStep: (Sample & { batch: number }) | string;
}

/** TF.js prints advice on console.log/warn; keep stdout clean for the JSON. */
async function quietly<T>(fn: () => Promise<T>): Promise<T> {
  const { log, warn, info } = console;
  console.log = console.warn = console.info = (...a: unknown[]) => console.error(...a);
  try {
    return await fn();
  } finally {
    Object.assign(console, { log, warn, info });
  }
}

export async function benchTfjs(opts: {
  warmup: number;
  runs: number;
  slow: boolean;
  trainBatch: number;
  trainRuns: number;
}): Promise<TfjsResults> {
  return quietly(async () => {
    const tf = await import('@tensorflow/tfjs-core');
    await import('@tensorflow/tfjs-backend-cpu');
    // The umbrella @tensorflow/tfjs package would register the gradients; core alone needs this.
    await import('@tensorflow/tfjs-core/dist/register_all_gradients');
    await tf.setBackend('cpu');
    await tf.ready();
    const n = MATMUL_N;
    const g = CONV;
    const a = tf.tensor2d(randomF32(n * n, 1), [n, n]);
    const b = tf.tensor2d(randomF32(n * n, 2), [n, n]);
    // Same values as ours, laid out NHWC / HWIO.
    const x = tf.transpose(
      tf.tensor4d(randomF32(g.N * g.C * g.H * g.W, 3), [g.N, g.C, g.H, g.W]),
      [0, 2, 3, 1],
    );
    const w = tf.transpose(
      tf.tensor4d(randomF32(g.O * g.C * g.KH * g.KW, 4), [g.O, g.C, g.KH, g.KW]),
      [2, 3, 1, 0],
    );
    const run = (f: () => TF.Tensor) => () => {
      const t = f();
      t.dataSync();
      t.dispose();
    };
    const m = { warmup: opts.warmup, runs: opts.runs, unit: 'GFLOP/s' };
    const matmul = await measure(
      run(() => tf.matMul(a, b)),
      { ...m, work: MATMUL_FLOP / 1e9, label: 'tfjs-cpu matmul' },
    );
    const conv2dForward = await measure(
      run(() => tf.conv2d(x as TF.Tensor4D, w as TF.Tensor4D, 1, 'same')),
      { ...m, work: CONV_FLOP / 1e9, label: 'tfjs-cpu conv2d forward (NHWC)' },
    );
    tf.dispose([a, b, x, w]);
    let trainStep: TfjsResults['trainStep'] =
      'skipped (about 0.07 images/s here, 15 min per batch-64 step): pass --peers-slow to run it at a reduced batch';
    if (opts.slow) trainStep = await tfjsTrainStep(tf, opts.trainBatch, opts.trainRuns);
    return {
      version: tf.version_core,
      backend: tf.getBackend(),
      threads: 1,
      matmul,
      conv2dForward,
      trainStep,
    };
  });
}

/** convnet8x32 in TF.js (NHWC): same layers, loss and optimizer as ours. One warm-up step. */
async function tfjsTrainStep(
  tf: typeof TF,
  batch: number,
  runs: number,
): Promise<Sample & { batch: number }> {
  const t = TRAIN;
  const ws: TF.Variable[] = [];
  const bs: TF.Variable[] = [];
  for (let i = 0; i < t.convs; i++) {
    const cin = i === 0 ? t.inChannels : t.channels;
    const fan = cin * 9;
    ws.push(
      tf.variable(tf.mul(tf.randomNormal([3, 3, cin, t.channels], 0, 1, 'float32', i), Math.sqrt(2 / fan))),
    );
    bs.push(tf.variable(tf.zeros([t.channels])));
  }
  const wd = tf.variable(
    tf.mul(tf.randomNormal([t.channels, t.classes], 0, 1, 'float32', 99), Math.sqrt(1 / t.channels)),
  );
  const bd = tf.variable(tf.zeros([t.classes]));
  const x = tf.tensor4d(randomF32(batch * t.size * t.size * t.inChannels, 7), [
    batch,
    t.size,
    t.size,
    t.inChannels,
  ]);
  const labels = tf.oneHot(
    tf.tensor1d(
      Array.from({ length: batch }, (_, i) => (i * 7) % t.classes),
      'int32',
    ),
    t.classes,
  );
  const opt = tf.train.sgd(t.lr);
  const step = () => {
    const cost = opt.minimize(() => {
      let h: TF.Tensor4D = x;
      for (let i = 0; i < t.convs; i++)
        h = tf.relu(tf.add(tf.conv2d(h, ws[i] as TF.Tensor4D, 1, 'same'), bs[i])) as TF.Tensor4D;
      const pooled = tf.mean(h, [1, 2]) as TF.Tensor2D;
      const logits = tf.add(tf.matMul(pooled, wd), bd);
      return tf.losses.softmaxCrossEntropy(labels, logits) as TF.Scalar;
    }, true);
    cost?.dataSync();
    cost?.dispose();
  };
  const s = await measure(step, {
    warmup: 1,
    runs,
    work: batch,
    unit: 'images/s',
    label: `tfjs-cpu convnet8x32 train step (batch ${batch})`,
  });
  tf.dispose([...ws, ...bs, wd, bd, x, labels]);
  return { ...s, batch };
}
