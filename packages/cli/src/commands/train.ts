import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pct, writeFileAtomic } from '@rectifier/train';
import { releaseBackend, selectBackend } from '../backend';
import { resolveData } from '../data/sources';
import { UsageError } from '../errors';
import { type Io, out } from '../io';
import type { Command } from '../main';
import { TRAIN_OPTIONS, trainConfigFrom } from '../run-config';
import { runSession, stamp } from '../session';
import { saveWeights } from '../weights';
import { onnxBytes } from './quickstart-artifacts';

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
  rectifier train --config examples/model14.json --data /data/ILSVRC2012 --input-size 64`,
  },
  async run(args, io: Io) {
    const v = args.values;
    const c = trainConfigFrom(v);
    const outDir = resolve(c.out ?? join('runs', `train-${stamp()}`));
    if (v.resume && !c.out) throw new UsageError('--resume needs --out <dir> of the run to continue');
    const backend = await selectBackend(c.backend, c.threads);
    try {
      const data = await resolveData(c.data, {
        inputSize: c.inputSize,
        generatedDir: join(outDir, 'generated-data'),
        idMapping: v['id-mapping'] === undefined ? undefined : String(v['id-mapping']),
      });
      out(io, `backend: ${backend}`);
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
      const r = await runSession(c, data, io, { outDir, resume: Boolean(v.resume) });
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
          onnxBytes(r.model, r.modelConfig, data.classes, data.normalization, data.imageSize),
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
