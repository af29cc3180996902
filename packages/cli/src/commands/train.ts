import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BackendSelection } from '@rectifier/tensor';
import { pct } from '@rectifier/train';
import { describeSelection, releaseBackend, useBackend } from '../backend-choice';
import { type BatchChoice, chooseBatchSize } from '../batch-size';
import { type DataBundle, resolveData } from '../data/sources';
import { throughputCallback } from '../device-stats';
import { UsageError, UserError } from '../errors';
import { type Io, out } from '../io';
import type { Command } from '../main';
import { isPaperScale, modelSpecFor } from '../models';
import { prepareOutDir } from '../out-dir';
import { trainConfigWithRecipe } from '../paper-recipe';
import { findRun, resumeChanges } from '../resume';
import { TRAIN_OPTIONS, type TrainConfig, trainConfigFrom } from '../run-config';
import { modelConfigOf, type ResumePlan, runSession, stamp } from '../session';

/** The batch of a paper-scale model without --batch-size: 128 where it fits the device (`chooseBatchSize`). */
function autoBatch(c: TrainConfig, data: DataBundle, selection: BackendSelection): BatchChoice {
  const images = Math.min(data.numTrain, c.limit ?? Number.POSITIVE_INFINITY);
  return chooseBatchSize(modelSpecFor(modelConfigOf(c, data)), selection, { trainImages: images });
}

/** `rectifier train`: train a model on Fashion-MNIST or an image folder, with checkpoints and resume. */
export const trainCommand: Command = {
  spec: {
    name: 'train',
    summary:
      'Train a model (flags or a JSON --config). Writes metrics.jsonl, checkpoints/ and summary.json to --out.',
    usage: 'rectifier train [options]',
    options: TRAIN_OPTIONS,
    epilog: `Examples:
  rectifier train --model quicknet --activation prelu --epochs 5 --out runs/q1
  rectifier train --out runs/q1 --resume            # continue after an interruption
  rectifier train --config examples/model14.json --data /data/ILSVRC2012 --input-size 64
  rectifier train --model A --data /data/ILSVRC2012 --backend webgpu --out runs/a   # the paper's recipe
  rectifier train --model A --activation relu --data /data/ILSVRC2012 --out runs/a-relu  # the ReLU baseline`,
  },
  async run(args, io: Io) {
    const v = args.values;
    let c: TrainConfig;
    let chooseBatch = false;
    let outDir: string;
    let resume: ResumePlan | undefined;
    let dataFromRun = false;
    if (v.resume) {
      if (!v.out) throw new UsageError('--resume needs --out <dir> of the run to continue');
      if (!existsSync(String(v.out)))
        throw new UsageError(
          `--resume: --out ${String(v.out)} does not exist (the directory of the run to continue)`,
        );
      outDir = prepareOutDir(String(v.out));
      const prior = await findRun(outDir, io);
      const given = new Set<string>();
      // the run's own config (its batch size and epochs included), with the flags (and --config) on top
      c = trainConfigFrom(v, { ...prior.config, out: String(v.out) }, given);
      resume = { ...prior, changes: resumeChanges(prior.config, c, given) };
      dataFromRun = !given.has('data');
    } else {
      ({ config: c, autoBatch: chooseBatch } = trainConfigWithRecipe(v));
      outDir = prepareOutDir(c.out ?? join('runs', `train-${stamp()}`));
    }
    const selection = await useBackend(c.backend, { threads: c.threads });
    try {
      const paper = isPaperScale(c.model);
      let data = await resolveData(c.data, {
        inputSize: c.inputSize,
        generatedDir: join(outDir, 'generated-data'),
        recipe: paper ? 'paper' : 'small',
        // a directory named by a stored config is read, never written
        generate: !dataFromRun || c.data === 'generated',
      });
      // The paper's inputs for its models: mean subtraction only, pixels in about [-128, 128] (P §3),
      // which its fc stds (0.01, 0.001) are sized for. Folder data gets them from the 'paper' recipe.
      if (paper && data.withNormalization && data.normalization.kind === 'scaled')
        data = data.withNormalization({ kind: 'scaled', mean: data.normalization.mean, std: 1 / 255 });
      out(io, `backend: ${describeSelection(selection)}`);
      if (chooseBatch) {
        const choice = autoBatch(c, data, selection);
        c.batchSize = choice.batchSize;
        out(io, `batch: ${choice.batchSize} (${choice.why})`);
      }
      const images = Math.min(data.numTrain, c.limit ?? Number.POSITIVE_INFINITY);
      if (c.batchSize > images)
        throw new UserError(
          `--batch-size ${c.batchSize} is larger than the ${images} training images (the last, incomplete batch of an epoch is dropped, so no step would run)`,
        );
      out(
        io,
        `data: ${data.numTrain} training / ${data.numTest} test images, ${data.classes.length} classes (${data.source})`,
      );
      out(
        io,
        `model: ${c.model} (${c.activation}, init ${c.init}, width ${c.width}, input ${c.inputSize}x${c.inputSize}); output: ${outDir}`,
      );
      const r = await runSession(c, data, io, {
        outDir,
        resume,
        callbacks: [throughputCallback(selection, data)],
      });
      const summary = {
        reason: r.fit.reason,
        epochs: r.fit.epochs,
        steps: r.fit.steps,
        seconds: r.fit.seconds,
        test: r.test,
        lastCheckpoint: r.fit.lastCheckpoint,
        history: r.fit.history,
      };
      await writeFile(join(outDir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
      if (r.test)
        out(
          io,
          `test: top-1 error ${pct(r.test.top1)}, top-5 error ${pct(r.test.top5)} on ${r.test.n} images`,
        );
      out(io, `checkpoint: ${r.fit.lastCheckpoint}`);
      out(io, `metrics: ${join(outDir, 'metrics.jsonl')}; summary: ${join(outDir, 'summary.json')}`);
      return 0;
    } finally {
      releaseBackend();
    }
  },
};
