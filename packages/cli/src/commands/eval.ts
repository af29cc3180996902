import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { noGrad, softmax, tidy } from '@rectifier/tensor';
import { evaluateModel, pct, topKErrorsFromArrays } from '@rectifier/train';
import { intOpt } from '../args';
import { BACKEND_OPTION, describeSelection, releaseBackend, useBackend } from '../backend-choice';
import { loadModelFromCheckpoint } from '../checkpoint-model';
import { type Normalization, resolveData } from '../data/sources';
import { UserError } from '../errors';
import { EvalProgressLine } from '../eval-progress';
import { type Io, out } from '../io';
import type { Command } from '../main';

/**
 * `rectifier eval <checkpoint>`: top-1 / top-5 error on the test split: one center view, the paper's
 * 10-view testing, or its multi-scale testing on the full image (SPP models and VGG-19).
 */
export const evalCommand: Command = {
  spec: {
    name: 'eval',
    summary:
      'Evaluate a checkpoint: top-1 and top-5 error on the test (validation) split of its data or of --data.',
    usage: 'rectifier eval <checkpoint> [options]',
    positionals: { min: 1, max: 1 },
    options: {
      data: {
        type: 'string',
        arg: 'DATA',
        description: 'dataset (default: the one the checkpoint was trained on)',
      },
      'id-mapping': {
        type: 'string',
        arg: 'FILE',
        description: "ImageNet flat val/: the devkit's ILSVRC2012_ID -> wnid mapping (meta.mat or text)",
      },
      'batch-size': { type: 'string', arg: 'N', description: 'batch size', default: '250' },
      limit: { type: 'string', arg: 'N', description: 'evaluate only the first N test images' },
      'ten-view': {
        type: 'boolean',
        description:
          "10-view testing (4 corners + center and their flips, scores averaged; the paper's Table 2 protocol); ImageNet/ImageFolder data only",
      },
      'multi-scale': {
        type: 'string',
        arg: 'S1,S2,..',
        description:
          "multi-scale testing (P §3, Table 4): the full image with its shorter side at each scale and flipped, softmax scores averaged over all of them; 'paper' = 256,384,480 scaled by input/224; ImageNet/ImageFolder data only",
      },
      json: { type: 'boolean', description: 'print the result as JSON' },
      backend: BACKEND_OPTION,
    },
  },
  async run(args, io: Io) {
    const v = args.values;
    const batchSize = intOpt(v, 'batch-size') as number;
    const limit = intOpt(v, 'limit');
    const backend = describeSelection(await useBackend(String(v.backend)));
    try {
      const loaded = await loadModelFromCheckpoint(args.positionals[0]);
      const mc = loaded.extra.modelConfig;
      const saved = loaded.extra.data.normalization;
      const idMapping = v['id-mapping'] === undefined ? undefined : String(v['id-mapping']);
      // the checkpoint's data source is read, never generated (a checkpoint does not choose where to write)
      let data = await resolveData(String(v.data ?? loaded.extra.data.name), {
        inputSize: mc.inputSize,
        recipe: saved.kind === 'paper' ? 'paper' : 'small',
        generate: v.data !== undefined,
        idMapping,
      });
      // in-memory sets: the inputs the model was trained on (e.g. the paper models' mean subtraction only)
      if (saved.kind === 'scaled' && data.withNormalization) data = data.withNormalization(saved);
      if (data.classes.length !== mc.numClasses || data.inChannels !== mc.inChannels) {
        throw new UserError(
          `the checkpoint's model takes ${mc.inChannels}-channel images of ${mc.numClasses} classes; ${data.name} has ${data.inChannels} channels and ${data.classes.length} classes`,
        );
      }
      if (data.numTest === 0) throw new UserError(`${data.name} has no test/validation split`);
      let result: { top1: number; top5: number; n: number; loss?: number };
      const scales =
        v['multi-scale'] === undefined ? undefined : parseScales(String(v['multi-scale']), mc.inputSize);
      if (v['ten-view'] && scales) throw new UserError('choose one of --ten-view and --multi-scale');
      let protocol = 'single view';
      let skipped: number | undefined;
      // progress goes with the human-readable result on stdout; under --json stdout is for the JSON,
      // so progress is drawn on stderr only when that is a terminal (scripts get a clean stderr)
      const stream = v.json ? (io.stderr.isTTY ? io.stderr : undefined) : io.stdout;
      const progress = stream ? new EvalProgressLine(stream, 'eval') : undefined;
      if (v['ten-view'] || scales) {
        if (data.testSet)
          throw new UserError(
            `--${scales ? 'multi-scale' : 'ten-view'} needs ImageNet/ImageFolder data (it renders views of larger images)`,
          );
        const evalData = { root: data.name, normalization: saved, inputSize: mc.inputSize, limit, idMapping };
        if (scales) {
          protocol = `multi-scale {${scales.join(', ')}} with flips`;
          const ms = await multiScale(loaded.model, evalData, scales, progress);
          result = ms;
          skipped = ms.skipped;
        } else {
          protocol = '10-view';
          const tv = await tenView(loaded.model, evalData, batchSize, progress);
          result = tv;
          skipped = tv.skipped;
        }
      } else {
        result = await evaluateModel(loaded.model, data.test({ batchSize, inputSize: mc.inputSize, limit }), {
          onBatch: (p) => progress?.update(p.batches, p.totalBatches, p.samples),
        });
        skipped = data.badFiles?.test();
      }
      progress?.close();
      if (v.json)
        out(
          io,
          JSON.stringify({ checkpoint: loaded.path, step: loaded.step, ...result, skipped: skipped ?? 0 }),
        );
      else {
        out(
          io,
          `checkpoint: ${loaded.path} (step ${loaded.step}); model ${mc.model} ${mc.activation}; backend ${backend}`,
        );
        out(
          io,
          `${protocol} test on ${result.n} images of ${data.name}: top-1 error ${pct(result.top1)}, top-5 error ${pct(result.top5)}${skipped === undefined ? '' : `; ${skipped} unreadable files skipped`}`,
        );
      }
      return 0;
    } finally {
      releaseBackend();
    }
  },
};

/** --multi-scale: 'paper' (256, 384, 480 at 224, scaled with the input) or a list of shorter sides. */
function parseScales(spec: string, inputSize: number): number[] {
  if (spec === 'paper') return [256, 384, 480].map((s) => Math.round((s * inputSize) / 224));
  const scales = spec.split(',').map((s) => Number(s.trim()));
  if (scales.length === 0 || scales.some((s) => !Number.isInteger(s) || s < 8))
    throw new UserError(
      `--multi-scale must be 'paper' or comma-separated shorter sides >= 8, e.g. 256,384,480; got '${spec}'`,
    );
  return scales;
}

/** The validation images of a checkpoint's data and how they were normalised in training. */
interface EvalData {
  root: string;
  normalization: Normalization;
  inputSize: number;
  limit?: number;
  idMapping?: string;
}

async function valSamples(d: EvalData) {
  const { imageFolder } = await import('@rectifier/imagenet/node');
  const { valDataset } = await import('../data/folder');
  const train = imageFolder(join(d.root, 'train'));
  if (!existsSync(join(d.root, 'val'))) throw new UserError(`${d.root} has no val/ directory`);
  const ds = valDataset(d.root, train.classes, { idMapping: d.idMapping });
  return d.limit !== undefined ? { ...ds, samples: ds.samples.slice(0, d.limit) } : ds;
}

/** imagenet's pixel normalisation of a checkpoint's `Normalization` (folder data). */
async function pixelNormalization(n: Normalization) {
  const { PAPER_NORMALIZATION, TORCHVISION_NORMALIZATION } = await import('@rectifier/imagenet');
  return n.kind === 'paper' ? PAPER_NORMALIZATION : TORCHVISION_NORMALIZATION;
}

type LoadedModel = Awaited<ReturnType<typeof loadModelFromCheckpoint>>['model'];

/**
 * Multi-scale testing: each validation image at every shorter side in `scales`, and its flip, through
 * the whole model (the SPP layer pools the full feature map), softmax scores averaged per image.
 */
async function multiScale(model: LoadedModel, d: EvalData, scales: number[], progress?: EvalProgressLine) {
  const { multiScaleInputsFromFile } = await import('@rectifier/imagenet/node');
  const { averageScores } = await import('@rectifier/imagenet');
  const { tensor } = await import('@rectifier/tensor');
  const ds = await valSamples(d);
  const normalization = await pixelNormalization(d.normalization);
  let n = 0;
  let skipped = 0;
  const wrong = [0, 0];
  model.eval();
  try {
    for (const s of ds.samples) {
      let inputs: Awaited<ReturnType<typeof multiScaleInputsFromFile>>;
      try {
        inputs = await multiScaleInputsFromFile(s.path, scales, { normalization });
      } catch (e) {
        process.stderr.write(`warning: skipped ${s.path}: ${(e as Error).message.split('\n')[0]}\n`);
        skipped++;
        continue;
      }
      const scores: Float32Array[] = [];
      for (const view of inputs) {
        const x = tensor(view.data, { shape: [1, 3, view.height, view.width] });
        const logits = noGrad(() => tidy(() => model.call(x)));
        scores.push((await logits.data()) as Float32Array);
        x.dispose();
        logits.dispose();
      }
      const avg = averageScores(scores, { softmax: true });
      const r = topKErrorsFromArrays(avg, [s.label], 1, avg.length, [1, Math.min(5, avg.length)]);
      n += r.n;
      wrong[0] += r.errors[0];
      wrong[1] += r.errors[1];
      progress?.update(n + skipped, ds.samples.length, n);
    }
  } finally {
    model.train();
  }
  if (n === 0) throw new UserError(`no readable validation images in ${d.root}`);
  return { top1: wrong[0] / n, top5: wrong[1] / n, n, skipped };
}

/** 10-view testing with imagenet's tenCrop transform: softmax scores averaged over the views. */
async function tenView(model: LoadedModel, d: EvalData, batchSize: number, progress?: EvalProgressLine) {
  const { ImageLoader } = await import('@rectifier/imagenet/node');
  const { badFileReporter, loaderWorkers, recipeTransforms } = await import('../data/folder');
  const ds = await valSamples(d);
  const bad = badFileReporter(ds);
  const { resize } = recipeTransforms(d.normalization.kind === 'paper' ? 'paper' : 'small', d.inputSize);
  const loader = new ImageLoader(ds, {
    transform: {
      kind: 'tenCrop',
      resize,
      cropSize: d.inputSize,
      normalization: await pixelNormalization(d.normalization),
    },
    batchSize: Math.max(1, Math.floor(batchSize / 10)),
    shuffle: false,
    onBadFile: bad.report,
    ...loaderWorkers(),
  });
  const { tensor } = await import('@rectifier/tensor');
  let n = 0;
  let batches = 0;
  const wrong = [0, 0];
  model.eval();
  try {
    for await (const b of loader) {
      const x = tensor(b.data, { shape: b.shape });
      const probs = noGrad(() => tidy(() => softmax(model.call(x), -1)));
      const p = await probs.data();
      const c = p.length / b.shape[0];
      const avg = new Float32Array(b.labels.length * c);
      for (let i = 0; i < b.labels.length; i++)
        for (let v = 0; v < b.views; v++)
          for (let j = 0; j < c; j++) avg[i * c + j] += p[(i * b.views + v) * c + j] / b.views;
      const r = topKErrorsFromArrays(avg, b.labels, b.labels.length, c, [1, Math.min(5, c)]);
      n += r.n;
      wrong[0] += r.errors[0];
      wrong[1] += r.errors[1];
      x.dispose();
      probs.dispose();
      progress?.update(++batches, loader.length, n);
    }
  } finally {
    await loader.close();
    model.train();
  }
  return { top1: wrong[0] / n, top5: wrong[1] / n, n, skipped: bad.count() };
}
