import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { preluSlopes } from '@rectifier/nn';
import { type EvalResult, pct } from '@rectifier/train';
import type { DataBundle } from '../data/sources';
import { type Io, out } from '../io';
import type { ModelConfig } from '../models';
import { lineChartSvg, type Series } from '../svg-chart';
import { runArm, tailLoss } from './arm';
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
import { type PatternVerdict, slopePatternVerdict } from './slope-pattern';

/** Table 1 of the paper: learned coefficients of the 14-layer model on ImageNet. */
export const PAPER_TABLE1: Array<{ layer: string; shared: number; channelWise: number }> = [
  { layer: 'conv1', shared: 0.681, channelWise: 0.596 },
  { layer: 'conv2_1', shared: 0.103, channelWise: 0.321 },
  { layer: 'conv2_2', shared: 0.099, channelWise: 0.204 },
  { layer: 'conv2_3', shared: 0.228, channelWise: 0.294 },
  { layer: 'conv2_4', shared: 0.561, channelWise: 0.464 },
  { layer: 'conv3_1', shared: 0.126, channelWise: 0.196 },
  { layer: 'conv3_2', shared: 0.089, channelWise: 0.152 },
  { layer: 'conv3_3', shared: 0.124, channelWise: 0.145 },
  { layer: 'conv3_4', shared: 0.062, channelWise: 0.124 },
  { layer: 'conv3_5', shared: 0.008, channelWise: 0.134 },
  { layer: 'conv3_6', shared: 0.21, channelWise: 0.198 },
  { layer: 'fc1', shared: 0.063, channelWise: 0.074 },
  { layer: 'fc2', shared: 0.031, channelWise: 0.075 },
];

/** Table 2 of the paper (ImageNet val, 10-view): top-1 / top-5 error in %. */
export const PAPER_TABLE2 = {
  relu: { top1: 33.82, top5: 13.34 },
  'prelu-shared': { top1: 32.71, top5: 12.87 },
  prelu: { top1: 32.64, top5: 12.75 },
};

/** Settings of the prelu-vs-relu experiment (Tables 1 and 2). */
export interface PreluVsReluOptions {
  outDir: string;
  /** Where each run's metrics.jsonl and checkpoints go (one folder per seed and arm). */
  workDir: string;
  steps: number;
  batchSize: number;
  lr: number;
  /** Every arm runs once with each seed (data order, init and dropout masks drawn from it). */
  seeds: number[];
  width: number;
  inputSize: number;
  dropout: number;
  evalEvery: number;
  evalImages: number;
  io: Io;
}

const ARMS = ['relu', 'prelu-shared', 'prelu'] as const;
type ArmName = (typeof ARMS)[number];

/** One training run (one arm, one seed) as stored in prelu-vs-relu.json. */
export interface PreluRun {
  name: string;
  seed: number;
  steps: number;
  seconds: number;
  imagesPerSecond: number;
  curve: Array<[number, number]>;
  final: EvalResult;
  trainLossLast50?: number;
  /** layer -> learned slope (channel-wise: mean over channels); empty for ReLU */
  slopes: Record<string, number>;
}

/** Trains the reduced 14-layer model with ReLU, channel-shared and channel-wise PReLU for every seed. */
export async function preluVsRelu(data: DataBundle, o: PreluVsReluOptions): Promise<Record<string, unknown>> {
  const runs: PreluRun[] = [];
  const dropAt = Math.round((o.steps * 2) / 3);
  // seed by seed, so that an interrupted run still has every arm of its first seeds
  for (const seed of o.seeds) {
    for (const activation of ARMS) {
      const mc: ModelConfig = {
        model: 'model14',
        activation,
        init: 'he-fan-out',
        width: o.width,
        inputSize: o.inputSize,
        inChannels: data.inChannels,
        numClasses: data.classes.length,
        dropout: o.dropout,
      };
      out(o.io, `\n== 14-layer model, ${activation}, seed ${seed} ==`);
      const r = await runArm({
        name: activation,
        modelConfig: mc,
        data,
        outDir: join(o.workDir, `seed-${seed}`),
        steps: o.steps,
        batchSize: o.batchSize,
        lr: o.lr,
        seed,
        // the same LR switch for every variant, as the paper did for its ReLU/PReLU comparisons
        schedule: { type: 'multistep', milestones: [dropAt] },
        evalEvery: o.evalEvery,
        evalImages: o.evalImages,
        io: o.io,
      });
      const slopes = activation === 'relu' ? [] : await preluSlopes(r.model);
      out(
        o.io,
        `${activation}, seed ${seed}: test top-1 error ${pct(r.final.top1)}, top-5 ${pct(r.final.top5)} (${r.seconds.toFixed(0)} s, ${r.imagesPerSecond.toFixed(0)} img/s)`,
      );
      runs.push({
        name: activation,
        seed,
        steps: r.steps,
        seconds: Number(r.seconds.toFixed(1)),
        imagesPerSecond: Number(r.imagesPerSecond.toFixed(1)),
        curve: r.curve,
        final: r.final,
        trainLossLast50: tailLoss(r),
        slopes: Object.fromEntries(slopes.map((s) => [s.layer, s.mean])),
      });
      r.model.dispose();
    }
  }
  const settings = {
    evalImages: o.evalImages,
    model: 'model14',
    width: o.width,
    inputSize: o.inputSize,
    steps: o.steps,
    lrDropAtStep: dropAt,
    batchSize: o.batchSize,
    lr: o.lr,
    momentum: 0.9,
    weightDecay: 5e-4,
    dropout: o.dropout,
    seeds: o.seeds,
    data: data.name,
    testImages: data.numTest,
    views: 1,
  };
  const result = { experiment: 'prelu-vs-relu', settings, ...summarizePreluVsRelu(runs, o.seeds), runs };
  await writeFile(join(o.outDir, 'prelu-vs-relu.json'), `${JSON.stringify(result, null, 2)}\n`);
  const lines = await plotPreluVsRelu(result, o.outDir);
  out(o.io, '');
  for (const l of lines) out(o.io, l);
  return result;
}

/** Table 1 and 2 over seeds, the pairwise comparisons and the slope pattern, all from the runs. */
export interface PreluVsReluSummary {
  band: string;
  table1: Array<{
    layer: string;
    shared: SeedStats | null;
    channelWise: SeedStats | null;
    paperShared: number;
    paperChannelWise: number;
  }>;
  table2: Array<{
    model: string;
    top1: SeedStats;
    top5: SeedStats;
    paperTop1: number;
    paperTop5: number;
  }>;
  /** top-1 error: the paper's order relu > prelu-shared > prelu, pair by pair */
  comparisons: Comparison[];
  slopePattern: { shared: PatternVerdict | null; channelWise: PatternVerdict | null };
}

/** Aggregates the runs of every seed (pure: `--plot-only` recomputes it from a saved JSON's runs). */
export function summarizePreluVsRelu(runs: PreluRun[], seeds: number[]): PreluVsReluSummary {
  const of = (arm: ArmName) =>
    seeds.map((seed) => runs.find((r) => r.name === arm && r.seed === seed)).filter((r) => r !== undefined);
  const present = ARMS.filter((a) => of(a).length > 0);
  const table1 = PAPER_TABLE1.map((p) => ({
    layer: p.layer,
    shared: seedStatsOrNull(of('prelu-shared').map((r) => r.slopes[p.layer])),
    channelWise: seedStatsOrNull(of('prelu').map((r) => r.slopes[p.layer])),
    paperShared: p.shared,
    paperChannelWise: p.channelWise,
  }));
  const table2 = present.map((a) => ({
    model: a,
    top1: seedStats(of(a).map((r) => r.final.top1)),
    top5: seedStats(of(a).map((r) => r.final.top5)),
    paperTop1: PAPER_TABLE2[a].top1 / 100,
    paperTop5: PAPER_TABLE2[a].top5 / 100,
  }));
  const comparisons: Comparison[] = [];
  for (const [lower, higher] of [
    ['prelu-shared', 'relu'],
    ['prelu', 'relu'],
    ['prelu', 'prelu-shared'],
  ] as const) {
    const a = of(lower);
    const b = of(higher);
    if (a.length === 0 || a.length !== b.length) continue;
    comparisons.push(
      compareArms(
        lower,
        a.map((r) => r.final.top1),
        higher,
        b.map((r) => r.final.top1),
      ),
    );
  }
  const pattern = (arm: ArmName, col: 'shared' | 'channelWise'): PatternVerdict | null => {
    const rs = of(arm);
    if (rs.length === 0 || table1.some((t) => t[col] === null)) return null;
    const mean = Object.fromEntries(table1.map((t) => [t.layer, (t[col] as SeedStats).mean]));
    return slopePatternVerdict(
      mean,
      rs.map((r) => r.slopes),
    );
  };
  return {
    band: BAND_NOTE,
    table1,
    table2,
    comparisons,
    slopePattern: { shared: pattern('prelu-shared', 'shared'), channelWise: pattern('prelu', 'channelWise') },
  };
}

/** The part of prelu-vs-relu.json the plots and tables read. */
export interface PreluVsReluJson {
  settings: { width: number; data: string; evalImages: number; seeds?: number[]; seed?: number };
  runs: Array<PreluRun | Omit<PreluRun, 'seed' | 'slopes'>>;
  /** single-seed JSON of before --seeds: the slopes are only here */
  table1?: Array<{ layer: string; shared: unknown; channelWise: unknown }>;
}

/**
 * The runs of a saved JSON with seeds and slopes: a single-seed JSON written before `--seeds` existed
 * has neither in its runs (its seed is settings.seed, its slopes are in table1).
 */
export function runsOf(json: PreluVsReluJson): { runs: PreluRun[]; seeds: number[] } {
  const legacySeed = json.settings.seed ?? 0;
  const runs = json.runs.map((r) => {
    if ('seed' in r && 'slopes' in r) return r;
    const col = r.name === 'prelu-shared' ? 'shared' : r.name === 'prelu' ? 'channelWise' : null;
    const slopes: Record<string, number> = {};
    if (col)
      for (const t of json.table1 ?? []) if (typeof t[col] === 'number') slopes[t.layer] = t[col] as number;
    return { ...r, seed: legacySeed, slopes };
  });
  const seeds = json.settings.seeds ?? [...new Set(runs.map((r) => r.seed))];
  return { runs, seeds };
}

const COLORS: Record<string, string> = { relu: '#2ca02c', 'prelu-shared': '#1f77b4', prelu: '#d62728' };
const pp = (v: number) => `${(100 * v).toFixed(2)} points`;
const pctSd = (s: SeedStats) => `${pct(s.mean)} ± ${(100 * s.sd).toFixed(2)}`;
const f3Sd = (s: SeedStats | null) => (s ? `${s.mean.toFixed(3)} ± ${s.sd.toFixed(3)}` : '-');
const each = (s: SeedStats | null, f: (v: number) => string) => (s ? s.values.map(f).join(', ') : '-');

/** Writes the SVGs and tables.md of a prelu-vs-relu result (also from a saved JSON); returns the table lines. */
export async function plotPreluVsRelu(json: PreluVsReluJson, outDir: string): Promise<string[]> {
  const { runs, seeds } = runsOf(json);
  const sum = summarizePreluVsRelu(runs, seeds);
  const n = seeds.length;
  const seedNote = n > 1 ? `mean of ${n} seeds, band ${BAND_NOTE}` : `seed ${seeds[0]}`;
  const armSeries: Series[] = ARMS.filter((a) => runs.some((r) => r.name === a)).map((a) => {
    const band = curveBand(
      seeds
        .map((seed) => runs.find((r) => r.name === a && r.seed === seed)?.curve)
        .filter((c) => c !== undefined),
    );
    return {
      label: a,
      color: COLORS[a],
      points: band.map((b) => [b.x, b.mean] as [number, number]),
      ...(n > 1 ? { band: band.map((b) => [b.x, b.min, b.max] as [number, number, number]) } : {}),
    };
  });
  await writeFile(
    join(outDir, 'table2-error-curves.svg'),
    lineChartSvg(armSeries, {
      title: `14-layer model (width ${json.settings.width}) on ${json.settings.data}: ReLU vs PReLU`,
      subtitle: seedNote,
      xLabel: 'epochs',
      yLabel: `top-1 error (${json.settings.evalImages} test images)`,
    }),
  );
  const slopeSeries = (col: 'shared' | 'channelWise', label: string, color: string): Series => ({
    label,
    color,
    points: sum.table1.map((r, i) => [i + 1, r[col]?.mean ?? Number.NaN] as [number, number]),
    ...(n > 1
      ? {
          band: sum.table1.map(
            (r, i) =>
              [i + 1, r[col]?.min ?? Number.NaN, r[col]?.max ?? Number.NaN] as [number, number, number],
          ),
        }
      : {}),
  });
  const paperSeries = (col: 'paperShared' | 'paperChannelWise', label: string, color: string): Series => ({
    label,
    color,
    dashed: true,
    points: sum.table1.map((r, i) => [i + 1, r[col]] as [number, number]),
  });
  await writeFile(
    join(outDir, 'table1-slopes.svg'),
    lineChartSvg(
      [
        slopeSeries('shared', 'channel-shared (ours)', '#1f77b4'),
        slopeSeries('channelWise', 'channel-wise mean (ours)', '#d62728'),
        paperSeries('paperShared', 'channel-shared (paper)', '#1f77b4'),
        paperSeries('paperChannelWise', 'channel-wise (paper)', '#d62728'),
      ],
      {
        title: 'Learned PReLU coefficients per layer (Table 1 layout)',
        subtitle: seedNote,
        xLabel: 'layer (1 = conv1, 2-5 = conv2_x, 6-11 = conv3_x, 12-13 = fc1, fc2)',
        yLabel: 'a',
      },
    ),
  );
  const lines = preluTables(sum, n);
  await writeFile(join(outDir, 'tables.md'), `${lines.join('\n')}\n`);
  return lines;
}

/** tables.md: Table 1 and 2 over seeds (mean ± sd, each seed's figure) and what holds beyond the spread. */
export function preluTables(sum: PreluVsReluSummary, n: number): string[] {
  const lines = [
    `Figures over ${n} seed${n === 1 ? '' : 's'}: mean ± sample standard deviation, then each seed's value.`,
    '',
    '| layer | a, channel-shared (ours) | per seed | mean a_i, channel-wise (ours) | per seed | paper shared | paper channel-wise |',
    '|---|---|---|---|---|---|---|',
    ...sum.table1.map(
      (r) =>
        `| ${r.layer} | ${f3Sd(r.shared)} | ${each(r.shared, (v) => v.toFixed(3))} | ${f3Sd(r.channelWise)} | ${each(r.channelWise, (v) => v.toFixed(3))} | ${r.paperShared.toFixed(3)} | ${r.paperChannelWise.toFixed(3)} |`,
    ),
    '',
  ];
  for (const [col, v] of [
    ['channel-shared', sum.slopePattern.shared],
    ['channel-wise', sum.slopePattern.channelWise],
  ] as const) {
    if (!v) continue;
    lines.push(`- Table 1 pattern, ${col}: ${v.summary}.`);
    for (const c of v.onMean) lines.push(`  - ${c.claim}: ${c.holds ? 'yes' : 'no'} (${c.detail})`);
  }
  lines.push(
    '',
    '| model | top-1 err (ours) | per seed | top-5 err (ours) | per seed | paper top-1 | paper top-5 |',
    '|---|---|---|---|---|---|---|',
    ...sum.table2.map(
      (r) =>
        `| ${r.model} | ${pctSd(r.top1)} | ${each(r.top1, pct)} | ${pctSd(r.top5)} | ${each(r.top5, pct)} | ${pct(r.paperTop1)} | ${pct(r.paperTop5)} |`,
    ),
    '',
    `Top-1 error, the paper's order pair by pair (a difference "holds beyond the spread" when the gap is at least ${GAP_IN_SD_THRESHOLD} pooled standard deviations and every seed agrees):`,
    '',
    ...sum.comparisons.map((c) => `- ${describeComparison(c, pp)}`),
  );
  return lines;
}
