import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pct } from '@rectifier/train';
import { releaseBackend, selectBackend } from '../backend';
import { resolveData } from '../data/sources';
import { UsageError } from '../errors';
import { type Io, out } from '../io';
import type { Command } from '../main';
import { prepareOutDir } from '../out-dir';
import { findRun, resumeChanges } from '../resume';
import { TRAIN_OPTIONS, type TrainConfig, trainConfigFrom } from '../run-config';
import { type ResumePlan, runSession, stamp } from '../session';

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
  rectifier train --config examples/model14.json --data /data/ILSVRC2012 --input-size 64`,
  },
  async run(args, io: Io) {
    const v = args.values;
    let c: TrainConfig;
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
      // the run's own config, with the flags (and --config) on top
      c = trainConfigFrom(v, { ...prior.config, out: String(v.out) }, given);
      resume = { ...prior, changes: resumeChanges(prior.config, c, given) };
      dataFromRun = !given.has('data');
    } else {
      c = trainConfigFrom(v);
      outDir = prepareOutDir(c.out ?? join('runs', `train-${stamp()}`));
    }
    const backend = await selectBackend(c.backend, c.threads);
    try {
      const data = await resolveData(c.data, {
        inputSize: c.inputSize,
        generatedDir: join(outDir, 'generated-data'),
        // a directory named by a stored config is read, never written
        generate: !dataFromRun || c.data === 'generated',
      });
      out(io, `backend: ${backend}`);
      out(
        io,
        `data: ${data.numTrain} training / ${data.numTest} test images, ${data.classes.length} classes (${data.source})`,
      );
      out(
        io,
        `model: ${c.model} (${c.activation}, init ${c.init}, width ${c.width}, input ${c.inputSize}x${c.inputSize}); output: ${outDir}`,
      );
      const r = await runSession(c, data, io, { outDir, resume });
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
