import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BackendSelection } from '@rectifier/tensor';
import { pct, writeFileAtomic } from '@rectifier/train';
import { describeSelection, releaseBackend, useBackend } from '../backend-choice';
import { type BatchChoice, chooseBatchSize } from '../batch-size';
import { type DataBundle, resolveData } from '../data/sources';
import { throughputCallback } from '../device-stats';
import { UsageError } from '../errors';
import { type Io, out } from '../io';
import type { Command } from '../main';
import { isPaperScale, modelSpecFor } from '../models';
import { prepareOutDir } from '../out-dir';
import { trainConfigWithRecipe } from '../paper-recipe';
import { findRun, resumeChanges } from '../resume';
import { TRAIN_OPTIONS, type TrainConfig, trainConfigFrom } from '../run-config';
import { modelConfigOf, type ResumePlan, runSession, stamp } from '../session';
import { saveWeights } from '../weights';
import { onnxBytes } from './quickstart-artifacts';

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
      'Train a model (flags or a JSON --config). Writes metrics.jsonl, checkpoints/, summary.json and the weights alone (model.safetensors, PyTorch names) to --out; model.onnx with --export-onnx.',
    usage: 'rectifier train [options]',
    options: TRAIN_OPTIONS,
    epilog: `Examples:
  rectifier train --model quicknet --activation prelu --epochs 5 --out runs/q1
  rectifier train --out runs/q1 --resume            # continue after an interruption
  rectifier train --config run.json --data /data/ILSVRC2012   # run.json: the flags' keys, e.g. {"model": "model14", "inputSize": 64}
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
        idMapping: v['id-mapping'] === undefined ? undefined : String(v['id-mapping']),
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
      const files = data.badFiles ? 'files' : 'images';
      const scan = data.badFiles?.scanned
        ? `; ${data.badFiles.scanned} entries rejected by the scan (not counted)`
        : '';
      out(
        io,
        `data: ${data.numTrain} training / ${data.numTest} test ${files}, ${data.classes.length} classes (${data.source})${scan}${data.badFiles ? '; unreadable files are skipped as they are met' : ''}`,
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
      if (data.badFiles && data.badFiles.train() + data.badFiles.test() > 0)
        out(
          io,
          `skipped: ${data.badFiles.train()} unreadable training and ${data.badFiles.test()} test files (listed above as 'warning: skipped')`,
        );
      out(io, `checkpoint: ${r.fit.lastCheckpoint}`);
      // The weights alone, with PyTorch names (load_state_dict(strict=True)), as quickstart writes them.
      const weights = join(outDir, 'model.safetensors');
      await saveWeights(r.model, weights, {
        model: JSON.stringify(r.modelConfig),
        classes: JSON.stringify(data.classes),
      });
      out(io, `weights: ${weights}`);
      if (v['export-onnx']) {
        const onnx = join(outDir, 'model.onnx');
        await writeFileAtomic(
          onnx,
          await onnxBytes(r.model, r.modelConfig, data.classes, data.normalization, data.imageSize),
        );
        out(io, `onnx: ${onnx} (predict with: rectifier predict ${onnx} <image...>)`);
      }
      out(io, `metrics: ${join(outDir, 'metrics.jsonl')}; summary: ${join(outDir, 'summary.json')}`);
      return 0;
    } finally {
      releaseBackend();
    }
  },
};
