import { noGrad, softmax, tidy } from '@rectifier/tensor';
import { evaluateModel, pct, topKErrorsFromArrays } from '@rectifier/train';
import { intOpt } from '../args';
import { releaseBackend, selectBackend } from '../backend';
import { loadModelFromCheckpoint } from '../checkpoint-model';
import { resolveData } from '../data/sources';
import { UserError } from '../errors';
import { type Io, out } from '../io';
import type { Command } from '../main';

/** `rectifier eval <checkpoint>`: top-1 / top-5 error on the test split, optionally with 10-view testing. */
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
      json: { type: 'boolean', description: 'print the result as JSON' },
      backend: { type: 'string', arg: 'B', description: 'auto, wasm or cpu', default: 'auto' },
    },
  },
  async run(args, io: Io) {
    const v = args.values;
    const batchSize = intOpt(v, 'batch-size') as number;
    const limit = intOpt(v, 'limit');
    const backend = await selectBackend(String(v.backend) as 'auto');
    try {
      const loaded = await loadModelFromCheckpoint(args.positionals[0]);
      const mc = loaded.extra.modelConfig;
      const idMapping = v['id-mapping'] === undefined ? undefined : String(v['id-mapping']);
      const data = await resolveData(String(v.data ?? loaded.extra.data.name), {
        inputSize: mc.inputSize,
        idMapping,
      });
      if (data.classes.length !== mc.numClasses || data.inChannels !== mc.inChannels) {
        throw new UserError(
          `the checkpoint's model takes ${mc.inChannels}-channel images of ${mc.numClasses} classes; ${data.name} has ${data.inChannels} channels and ${data.classes.length} classes`,
        );
      }
      if (data.numTest === 0) throw new UserError(`${data.name} has no test/validation split`);
      let result: { top1: number; top5: number; n: number; loss?: number };
      let skipped: number | undefined;
      if (v['ten-view']) {
        if (data.testSet)
          throw new UserError(
            '--ten-view needs ImageNet/ImageFolder data (it crops 10 views from larger images)',
          );
        const tv = await tenView(loaded.model, data.name, mc.inputSize, batchSize, limit, idMapping);
        result = tv;
        skipped = tv.skipped;
      } else {
        result = await evaluateModel(loaded.model, data.test({ batchSize, inputSize: mc.inputSize, limit }));
        skipped = data.badFiles?.test();
      }
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
          `${v['ten-view'] ? '10-view' : 'single view'} test on ${result.n} images of ${data.name}: top-1 error ${pct(result.top1)}, top-5 error ${pct(result.top5)}${skipped === undefined ? '' : `; ${skipped} unreadable files skipped`}`,
        );
      }
      return 0;
    } finally {
      releaseBackend();
    }
  },
};

/** 10-view testing with imagenet's tenCrop transform: softmax scores averaged over the views. */
async function tenView(
  model: Awaited<ReturnType<typeof loadModelFromCheckpoint>>['model'],
  root: string,
  inputSize: number,
  batchSize: number,
  limit?: number,
  idMapping?: string,
) {
  const { TORCHVISION_NORMALIZATION } = await import('@rectifier/imagenet');
  const { ImageLoader, imageFolder } = await import('@rectifier/imagenet/node');
  const { badFileReporter, loaderWorkers, valDataset } = await import('../data/folder');
  const { existsSync } = await import('node:fs');
  const { join } = await import('node:path');
  const train = imageFolder(join(root, 'train'));
  if (!existsSync(join(root, 'val'))) throw new UserError(`${root} has no val/ directory`);
  let ds = valDataset(root, train.classes, { idMapping });
  if (limit !== undefined) ds = { ...ds, samples: ds.samples.slice(0, limit) };
  const bad = badFileReporter(ds);
  const loader = new ImageLoader(ds, {
    transform: {
      kind: 'tenCrop',
      resize: Math.round((inputSize * 8) / 7),
      cropSize: inputSize,
      normalization: TORCHVISION_NORMALIZATION,
    },
    batchSize: Math.max(1, Math.floor(batchSize / 10)),
    shuffle: false,
    onBadFile: bad.report,
    ...loaderWorkers(),
  });
  const { tensor } = await import('@rectifier/tensor');
  let n = 0;
  const wrong = [0, 0];
  model.eval();
  try {
    for await (const b of loader) {
      const x = tensor(b.data, { shape: b.shape });
      const probs = noGrad(() => tidy(() => softmax(model.call(x), -1)));
      const p = probs.dataSync();
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
    }
  } finally {
    await loader.close();
    model.train();
  }
  return { top1: wrong[0] / n, top5: wrong[1] / n, n, skipped: bad.count() };
}
