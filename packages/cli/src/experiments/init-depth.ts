import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pct } from '@rectifier/train';
import type { DataBundle } from '../data/sources';
import { UserError } from '../errors';
import { type Io, out } from '../io';
import type { ModelConfig } from '../models';
import { lineChartSvg } from '../svg-chart';
import { type ArmResult, runArm, tailLoss } from './arm';

/** Settings of the init-depth experiment (Figures 2 and 3). */
export interface InitDepthOptions {
  outDir: string;
  /** Where each run's metrics.jsonl and checkpoints go. */
  workDir: string;
  steps: number;
  batchSize: number;
  lr: number;
  seed: number;
  width22: number;
  width30: number;
  inputSize: number;
  evalEvery: number;
  evalImages: number;
  /** Dropout after fc1/fc2 (the paper: 0.5; default here 0: the fc layers are only 32 wide). */
  dropout: number;
  /** Which depths to run (default both). */
  depths?: number[];
  /**
   * 'paper' (default): the paper's input scale (§4, §7): pixels mean-subtracted only (about [-128, 128])
   * and fc layers with the gains of the paper's fixed stds 0.01, 0.01, 0.001 for both inits. 'unit': inputs normalised to zero mean
   * and unit variance, fc layers with the conv layers' init (He or "Xavier").
   */
  inputScale?: InputScale;
  io: Io;
}

/** How the inputs and fc layers are scaled (see {@link InitDepthOptions.inputScale}). */
export type InputScale = 'paper' | 'unit';

/**
 * The gains (std x sqrt(fan-in)) of the paper's fc layers (§4 "fc layers and input scale": stds 0.01,
 * 0.01, 0.001) on model B's fan-ins (fc1: 63 x 512 = 32,256 inputs, fc2 and fc3: 4,096). Our fc layers
 * are 100-1000x narrower: the paper's stds there would shrink the logits ~1000x more than in the paper,
 * so they get the paper's gains instead (std = gain / sqrt(fan-in)), the same for both inits.
 */
export const PAPER_FC_GAIN: [number, number, number] = [
  0.01 * Math.sqrt(32256),
  0.01 * Math.sqrt(4096),
  0.001 * Math.sqrt(4096),
];

/**
 * The data under the paper's input scale: the training-set mean pixel subtracted, no division by the
 * std, so Fashion-MNIST pixels lie in about [-73, 182] (ImageNet's mean-subtracted pixels: about
 * [-128, 128]). The paper subtracts a per-pixel mean; this uses the global mean (one scalar).
 */
export function paperScaled(data: DataBundle): DataBundle {
  if (!data.withNormalization)
    throw new UserError(`--input-scale paper needs an in-memory data set, got ${data.source}`);
  const n = data.normalization;
  if (n.kind !== 'scaled') throw new UserError(`--input-scale paper: unexpected normalisation ${n.kind}`);
  return data.withNormalization({ kind: 'scaled', mean: n.mean, std: 1 / 255 });
}

/** The paper's reading of Figs. 2-3 (approximate plot readings, see paper.md §5). */
export const PAPER_FIG = {
  fig2: {
    model: '22-layer (model B), ReLU',
    epoch3Error: { he: 0.79, xavier: 0.85 },
    caption: 'Both converge, but ours starts reducing error earlier.',
  },
  fig3: {
    model: '30-layer (27 conv + 3 fc), ReLU',
    xavierError: 0.99,
    caption: "Ours converges; 'Xavier' completely stalls; its gradients are all diminishing.",
  },
};

const INITS = [
  ['he', 'he-fan-out', '½ n̂ Var[w] = 1 (He, Eq. 14)'],
  ['xavier', 'xavier', 'n̂ Var[w] = 1 ("Xavier")'],
] as const;

/** Runs 22- and 30-layer plain ReLU nets with He and "Xavier" init; writes JSON and SVGs. */
export async function initDepth(unitData: DataBundle, o: InitDepthOptions): Promise<Record<string, unknown>> {
  const inputScale = o.inputScale ?? 'paper';
  const data = inputScale === 'paper' ? paperScaled(unitData) : unitData;
  const arms: ArmResult[] = [];
  for (const [depth, model, width] of [
    [22, 'plain22', o.width22],
    [30, 'plain30', o.width30],
  ] as const) {
    if (o.depths && !o.depths.includes(depth)) continue;
    for (const [short, init] of INITS) {
      const mc: ModelConfig = {
        model,
        activation: 'relu',
        init,
        width,
        inputSize: o.inputSize,
        inChannels: data.inChannels,
        numClasses: data.classes.length,
        dropout: o.dropout,
        ...(inputScale === 'paper' ? { fcGain: PAPER_FC_GAIN } : {}),
      };
      out(o.io, `\n== ${depth}-layer ReLU net, init ${init} ==`);
      const r = await runArm({
        name: `${depth}-layer-${short}`,
        modelConfig: mc,
        data,
        outDir: o.workDir,
        steps: o.steps,
        batchSize: o.batchSize,
        lr: o.lr,
        seed: o.seed,
        schedule: { type: 'constant' },
        evalEvery: o.evalEvery,
        evalImages: o.evalImages,
        gradNormsEvery: Math.max(1, Math.round(o.steps / 10)),
        io: o.io,
      });
      out(
        o.io,
        `${r.name}: test top-1 error ${pct(r.final.top1)} after ${r.steps} steps (${r.seconds.toFixed(0)} s, ${r.imagesPerSecond.toFixed(0)} img/s)`,
      );
      arms.push(r);
      r.model.dispose();
    }
  }
  const chance = 1 - 1 / data.classes.length;
  const summarize = (r: ArmResult) => {
    const steps = Object.keys(r.gradNorms)
      .map(Number)
      .sort((a, b) => a - b);
    const first = r.gradNorms[steps[0]] ?? {};
    const names = Object.keys(first);
    return {
      name: r.name,
      model: r.modelConfig,
      steps: r.steps,
      seconds: Number(r.seconds.toFixed(1)),
      imagesPerSecond: Number(r.imagesPerSecond.toFixed(1)),
      finalTop1: r.final.top1,
      finalTop5: r.final.top5,
      finalLoss: r.final.loss,
      trainLossLast50: tailLoss(r),
      stalled: r.final.top1 > chance - 0.05,
      curve: r.curve,
      // gradient norm of the first and last weight layer at the first recorded step, and their ratio
      gradientFirstLayer: first[names[0]],
      gradientLastLayer: first[names[names.length - 1]],
      gradNorms: r.gradNorms,
    };
  };
  const result = {
    experiment: 'init-depth',
    paper: PAPER_FIG,
    chanceError: chance,
    settings: {
      steps: o.steps,
      batchSize: o.batchSize,
      lr: o.lr,
      momentum: 0.9,
      weightDecay: 5e-4,
      seed: o.seed,
      inputSize: o.inputSize,
      width22: o.width22,
      width30: o.width30,
      evalImages: o.evalImages,
      data: data.name,
      inputScale,
      normalization: data.normalization,
      fcGain: inputScale === 'paper' ? PAPER_FC_GAIN : 'same as the conv init',
    },
    runs: arms.map(summarize),
  };
  await writeFile(join(o.outDir, 'init-depth.json'), `${JSON.stringify(result, null, 2)}\n`);
  await plotInitDepth(result, o.outDir);
  return result;
}

/** The part of init-depth.json the plots read. */
export interface InitDepthJson {
  settings: { evalImages: number; data: string };
  runs: Array<{
    name: string;
    curve: Array<[number, number]>;
    gradNorms: Record<number, Record<string, number>>;
  }>;
}

/** Writes the SVGs of an init-depth result (also from a saved JSON: `reproduce --plot-only`). */
export async function plotInitDepth(result: InitDepthJson, outDir: string): Promise<void> {
  const { evalImages, data } = result.settings;
  const label = (name: string) => (name.endsWith('he') ? INITS[0][2] : INITS[1][2]);
  for (const depth of [22, 30]) {
    const pair = result.runs.filter((a) => a.name.startsWith(`${depth}-`));
    if (pair.length === 0) continue;
    const svg = lineChartSvg(
      pair.map((a) => ({
        label: label(a.name),
        points: a.curve,
        color: a.name.endsWith('he') ? '#d62728' : '#1f77b4',
      })),
      {
        title: `${depth}-layer plain ReLU net on ${data} (cf. Fig. ${depth === 22 ? 2 : 3})`,
        xLabel: 'epochs',
        yLabel: `top-1 error (${evalImages} test images)`,
        yRange: [0, 1],
      },
    );
    await writeFile(join(outDir, `fig${depth === 22 ? 2 : 3}-${depth}-layer.svg`), svg);
    // Per-layer gradient norms at step 1: He keeps them level, "Xavier" shrinks all of them by ~2^(-L/2).
    const gsvg = lineChartSvg(
      pair.map((a) => {
        const steps = Object.keys(a.gradNorms).map(Number);
        const first = a.gradNorms[Math.min(...steps)] ?? {};
        return {
          label: label(a.name),
          points: Object.values(first).map((v, k) => [k + 1, v] as [number, number]),
          color: a.name.endsWith('he') ? '#d62728' : '#1f77b4',
        };
      }),
      {
        title: `${depth}-layer ReLU net: gradient L2 norm per weight layer at step 1`,
        xLabel: `weight layer (1 = conv1, ${depth} = fc3)`,
        yLabel: '||dL/dW||',
        logY: true,
      },
    );
    await writeFile(join(outDir, `gradient-norms-${depth}-layer.svg`), gsvg);
  }
}
