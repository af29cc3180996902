import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pct } from '@rectifier/train';
import type { DataBundle } from '../data/sources';
import { UserError } from '../errors';
import { type Io, out } from '../io';
import type { ModelConfig } from '../models';
import { lineChartSvg, type Series } from '../svg-chart';
import { type ArmResult, runArm, tailLoss } from './arm';
import {
  BAND_NOTE,
  type Comparison,
  compareArms,
  curveBand,
  describeComparison,
  GAP_IN_SD_THRESHOLD,
  type SeedStats,
  seedStats,
  seedStatsOrNull,
} from './seed-stats';

/** Settings of the init-depth experiment (Figures 2 and 3). */
export interface InitDepthOptions {
  outDir: string;
  /** Where each run's metrics.jsonl and checkpoints go. */
  workDir: string;
  steps: number;
  batchSize: number;
  lr: number;
  /** Every run is repeated with each seed (data order and init drawn from it). */
  seeds: number[];
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

/** Step at which the mean train loss over the last `window` steps first falls below `level` (null: never). */
export function stepBelow(losses: Array<[number, number]>, level: number, window = 50): number | null {
  let sum = 0;
  for (let i = 0; i < losses.length; i++) {
    sum += losses[i][1];
    if (i >= window) sum -= losses[i - window][1];
    if (i >= window - 1 && sum / window < level) return losses[i][0];
  }
  return null;
}

/** One run (one depth, one init, one seed) as stored in init-depth.json. */
export interface InitDepthRun {
  name: string;
  seed: number;
  model?: ModelConfig;
  steps: number;
  seconds: number;
  imagesPerSecond: number;
  finalTop1: number;
  finalTop5: number;
  finalLoss?: number;
  trainLossLast50: number;
  /** step where the 50-step mean train loss first falls below 2.2 and 1.0 (null: never) */
  lossBelow?: { '2.2': number | null; '1.0': number | null };
  stalled: boolean;
  curve: Array<[number, number]>;
  gradientFirstLayer: number;
  gradientLastLayer: number;
  gradNorms: Record<number, Record<string, number>>;
}

/** Runs 22- and 30-layer plain ReLU nets with He and "Xavier" init, each with every seed; writes JSON and SVGs. */
export async function initDepth(unitData: DataBundle, o: InitDepthOptions): Promise<Record<string, unknown>> {
  const inputScale = o.inputScale ?? 'paper';
  const data = inputScale === 'paper' ? paperScaled(unitData) : unitData;
  const chance = 1 - 1 / data.classes.length;
  const runs: InitDepthRun[] = [];
  // seed by seed, so that an interrupted run still has every arm of its first seeds
  for (const seed of o.seeds) {
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
        out(o.io, `\n== ${depth}-layer ReLU net, init ${init}, seed ${seed} ==`);
        const r = await runArm({
          name: `${depth}-layer-${short}`,
          modelConfig: mc,
          data,
          outDir: join(o.workDir, `seed-${seed}`),
          steps: o.steps,
          batchSize: o.batchSize,
          lr: o.lr,
          seed,
          schedule: { type: 'constant' },
          evalEvery: o.evalEvery,
          evalImages: o.evalImages,
          gradNormsEvery: Math.max(1, Math.round(o.steps / 10)),
          io: o.io,
        });
        out(
          o.io,
          `${r.name}, seed ${seed}: test top-1 error ${pct(r.final.top1)} after ${r.steps} steps (${r.seconds.toFixed(0)} s, ${r.imagesPerSecond.toFixed(0)} img/s)`,
        );
        runs.push(runRecord(r, seed, chance));
        r.model.dispose();
      }
    }
  }
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
      seeds: o.seeds,
      inputSize: o.inputSize,
      width22: o.width22,
      width30: o.width30,
      evalImages: o.evalImages,
      data: data.name,
      inputScale,
      normalization: data.normalization,
      fcGain: inputScale === 'paper' ? PAPER_FC_GAIN : 'same as the conv init',
    },
    ...summarizeInitDepth(runs, o.seeds),
    runs,
  };
  await writeFile(join(o.outDir, 'init-depth.json'), `${JSON.stringify(result, null, 2)}\n`);
  const lines = await plotInitDepth(result, o.outDir);
  out(o.io, '');
  for (const l of lines) out(o.io, l);
  return result;
}

function runRecord(r: ArmResult, seed: number, chance: number): InitDepthRun {
  const steps = Object.keys(r.gradNorms)
    .map(Number)
    .sort((a, b) => a - b);
  const first = r.gradNorms[steps[0]] ?? {};
  const names = Object.keys(first);
  return {
    name: r.name,
    seed,
    model: r.modelConfig,
    steps: r.steps,
    seconds: Number(r.seconds.toFixed(1)),
    imagesPerSecond: Number(r.imagesPerSecond.toFixed(1)),
    finalTop1: r.final.top1,
    finalTop5: r.final.top5,
    finalLoss: r.final.loss,
    trainLossLast50: tailLoss(r),
    lossBelow: { '2.2': stepBelow(r.losses, 2.2), '1.0': stepBelow(r.losses, 1.0) },
    stalled: r.final.top1 > chance - 0.05,
    curve: r.curve,
    // gradient norm of the first and last weight layer at the first recorded step
    gradientFirstLayer: first[names[0]],
    gradientLastLayer: first[names[names.length - 1]],
    gradNorms: r.gradNorms,
  };
}

/** One arm (depth and init) over seeds. */
export interface InitDepthArmSummary {
  name: string;
  seeds: number;
  finalTop1: SeedStats;
  finalTop5: SeedStats;
  trainLossLast50: SeedStats;
  gradientFirstLayer: SeedStats | null;
  gradientLastLayer: SeedStats | null;
  /** seeds in which the run ended within 5 points of chance */
  stalledSeeds: number;
}

/** Per-arm figures over seeds and, per depth, He vs "Xavier" on the final top-1 error. */
export function summarizeInitDepth(
  runs: InitDepthRun[],
  seeds: number[],
): { band: string; summary: InitDepthArmSummary[]; comparisons: Array<Comparison & { depth: number }> } {
  const names = [...new Set(runs.map((r) => r.name))];
  const of = (name: string) =>
    seeds.map((seed) => runs.find((r) => r.name === name && r.seed === seed)).filter((r) => r !== undefined);
  const summary = names.map((name) => {
    const rs = of(name);
    return {
      name,
      seeds: rs.length,
      finalTop1: seedStats(rs.map((r) => r.finalTop1)),
      finalTop5: seedStats(rs.map((r) => r.finalTop5)),
      trainLossLast50: seedStats(rs.map((r) => r.trainLossLast50)),
      gradientFirstLayer: seedStatsOrNull(rs.map((r) => r.gradientFirstLayer)),
      gradientLastLayer: seedStatsOrNull(rs.map((r) => r.gradientLastLayer)),
      stalledSeeds: rs.filter((r) => r.stalled).length,
    };
  });
  const comparisons: Array<Comparison & { depth: number }> = [];
  for (const depth of [22, 30]) {
    const he = of(`${depth}-layer-he`);
    const xavier = of(`${depth}-layer-xavier`);
    if (he.length === 0 || he.length !== xavier.length) continue;
    comparisons.push({
      depth,
      ...compareArms(
        `${depth}-layer-he`,
        he.map((r) => r.finalTop1),
        `${depth}-layer-xavier`,
        xavier.map((r) => r.finalTop1),
      ),
    });
  }
  return { band: BAND_NOTE, summary, comparisons };
}

/** The part of init-depth.json the plots read (a single-seed JSON from before --seeds has settings.seed). */
export interface InitDepthJson {
  settings: { evalImages: number; data: string; seeds?: number[]; seed?: number };
  chanceError?: number;
  runs: Array<Omit<InitDepthRun, 'seed'> & { seed?: number }>;
}

const pp = (v: number) => `${(100 * v).toFixed(2)} points`;
const sci = (v: number) => v.toExponential(1);

/** Writes the SVGs and tables.md of an init-depth result (also from a saved JSON: `reproduce --plot-only`); returns the table lines. */
export async function plotInitDepth(json: InitDepthJson, outDir: string): Promise<string[]> {
  const { evalImages, data } = json.settings;
  const legacySeed = json.settings.seed ?? 0;
  const runs: InitDepthRun[] = json.runs.map((r) => ({ ...r, seed: r.seed ?? legacySeed }));
  const seeds = json.settings.seeds ?? [...new Set(runs.map((r) => r.seed))];
  const n = seeds.length;
  const seedNote = n > 1 ? `mean of ${n} seeds, band ${BAND_NOTE}` : `seed ${seeds[0]}`;
  const label = (name: string) => (name.endsWith('he') ? INITS[0][2] : INITS[1][2]);
  const color = (name: string) => (name.endsWith('he') ? '#d62728' : '#1f77b4');
  for (const depth of [22, 30]) {
    const names = [`${depth}-layer-he`, `${depth}-layer-xavier`].filter((nm) =>
      runs.some((r) => r.name === nm),
    );
    if (names.length === 0) continue;
    const of = (name: string) =>
      seeds
        .map((seed) => runs.find((r) => r.name === name && r.seed === seed))
        .filter((r) => r !== undefined);
    const curves: Series[] = names.map((name) => {
      const band = curveBand(of(name).map((r) => r.curve));
      return {
        label: label(name),
        color: color(name),
        points: band.map((b) => [b.x, b.mean] as [number, number]),
        ...(n > 1 ? { band: band.map((b) => [b.x, b.min, b.max] as [number, number, number]) } : {}),
      };
    });
    await writeFile(
      join(outDir, `fig${depth === 22 ? 2 : 3}-${depth}-layer.svg`),
      lineChartSvg(curves, {
        title: `${depth}-layer plain ReLU net on ${data} (cf. Fig. ${depth === 22 ? 2 : 3})`,
        subtitle: seedNote,
        xLabel: 'epochs',
        yLabel: `top-1 error (${evalImages} test images)`,
        yRange: [0, 1],
      }),
    );
    // Per-layer gradient norms at step 1: He keeps them level, "Xavier" shrinks all of them by ~2^(-L/2).
    const grads: Series[] = names.map((name) => {
      const perSeed = of(name).map((r) => {
        const steps = Object.keys(r.gradNorms).map(Number);
        const first = r.gradNorms[Math.min(...steps)] ?? {};
        return Object.values(first).map((v, k) => [k + 1, v] as [number, number]);
      });
      const band = curveBand(perSeed);
      return {
        label: label(name),
        color: color(name),
        points: band.map((b) => [b.x, b.mean] as [number, number]),
        ...(n > 1 ? { band: band.map((b) => [b.x, b.min, b.max] as [number, number, number]) } : {}),
      };
    });
    await writeFile(
      join(outDir, `gradient-norms-${depth}-layer.svg`),
      lineChartSvg(grads, {
        title: `${depth}-layer ReLU net: gradient L2 norm per weight layer at step 1`,
        subtitle: seedNote,
        xLabel: `weight layer (1 = conv1, ${depth} = fc3)`,
        yLabel: '||dL/dW||',
        logY: true,
      }),
    );
  }
  const lines = initDepthTables(summarizeInitDepth(runs, seeds), runs, seeds, json.chanceError);
  await writeFile(join(outDir, 'tables.md'), `${lines.join('\n')}\n`);
  return lines;
}

/** tables.md of init-depth: every arm over seeds, each seed's figures and He vs "Xavier" per depth. */
export function initDepthTables(
  sum: ReturnType<typeof summarizeInitDepth>,
  runs: InitDepthRun[],
  seeds: number[],
  chance?: number,
): string[] {
  const n = seeds.length;
  const pctSd = (s: SeedStats) => `${pct(s.mean)} ± ${(100 * s.sd).toFixed(2)}`;
  const sciSd = (s: SeedStats | null) => (s ? `${sci(s.mean)} ± ${sci(s.sd)}` : '-');
  const lines = [
    `Figures over ${n} seed${n === 1 ? '' : 's'} (${seeds.join(', ')}): mean ± sample standard deviation${chance ? `; chance error ${pct(chance)}` : ''}.`,
    '',
    '| run | top-1 error | top-5 error | train loss, last 50 steps | stalled (seeds) | ‖∂L/∂W‖ at step 1: first layer | last layer |',
    '|---|---|---|---|---|---|---|',
    ...sum.summary.map(
      (s) =>
        `| ${s.name} | ${pctSd(s.finalTop1)} | ${pctSd(s.finalTop5)} | ${s.trainLossLast50.mean.toFixed(3)} ± ${s.trainLossLast50.sd.toFixed(3)} | ${s.stalledSeeds}/${s.seeds} | ${sciSd(s.gradientFirstLayer)} | ${sciSd(s.gradientLastLayer)} |`,
    ),
    '',
    'Each seed:',
    '',
    '| run | seed | top-1 error | train loss, last 50 steps | 50-step mean loss below 2.2 / 1.0 at step | ‖∂L/∂W‖ step 1: first / last layer |',
    '|---|---|---|---|---|---|',
    ...runs.map(
      (r) =>
        `| ${r.name} | ${r.seed} | ${pct(r.finalTop1)} | ${r.trainLossLast50.toFixed(3)} | ${r.lossBelow ? `${r.lossBelow['2.2'] ?? 'never'} / ${r.lossBelow['1.0'] ?? 'never'}` : '-'} | ${Number.isFinite(r.gradientFirstLayer) ? sci(r.gradientFirstLayer) : '-'} / ${Number.isFinite(r.gradientLastLayer) ? sci(r.gradientLastLayer) : '-'} |`,
    ),
    '',
    `He vs "Xavier", final top-1 error (a difference "holds beyond the spread" when the gap is at least ${GAP_IN_SD_THRESHOLD} pooled standard deviations and every seed agrees):`,
    '',
    ...sum.comparisons.map((c) => `- ${c.depth} layers: ${describeComparison(c, pp)}`),
    '',
    "The paper's claims, seed by seed (converged: final error more than 5 points below chance):",
    '',
  ];
  for (const [depth, fig, claim] of [
    [22, 2, 'both converge, He earlier'],
    [30, 3, 'He converges, "Xavier" completely stalls'],
  ] as const) {
    const he = sum.summary.find((s) => s.name === `${depth}-layer-he`);
    const xavier = sum.summary.find((s) => s.name === `${depth}-layer-xavier`);
    if (!he || !xavier) continue;
    lines.push(
      `- Fig. ${fig} (${depth} layers; the paper: ${claim}): He converged in ${he.seeds - he.stalledSeeds}/${he.seeds} seeds, "Xavier" in ${xavier.seeds - xavier.stalledSeeds}/${xavier.seeds}.`,
    );
  }
  return lines;
}
