import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type LayerSlopes, preluSlopes } from '@rectifier/nn';
import { pct } from '@rectifier/train';
import type { DataBundle } from '../data/sources';
import { type Io, out } from '../io';
import type { ModelConfig } from '../models';
import { lineChartSvg } from '../svg-chart';
import { type ArmResult, runArm } from './arm';

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
  /** Where each run's metrics.jsonl and checkpoints go. */
  workDir: string;
  steps: number;
  batchSize: number;
  lr: number;
  seed: number;
  width: number;
  inputSize: number;
  dropout: number;
  evalEvery: number;
  evalImages: number;
  io: Io;
}

/** Trains the reduced 14-layer model with ReLU, channel-shared and channel-wise PReLU; Table 1/2 layouts. */
export async function preluVsRelu(data: DataBundle, o: PreluVsReluOptions): Promise<Record<string, unknown>> {
  const arms: Array<{ arm: ArmResult; slopes: LayerSlopes[] }> = [];
  const dropAt = Math.round((o.steps * 2) / 3);
  for (const activation of ['relu', 'prelu-shared', 'prelu'] as const) {
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
    out(o.io, `\n== 14-layer model, ${activation} ==`);
    const r = await runArm({
      name: activation,
      modelConfig: mc,
      data,
      outDir: o.workDir,
      steps: o.steps,
      batchSize: o.batchSize,
      lr: o.lr,
      seed: o.seed,
      // the same LR switch for every variant, as the paper did for its ReLU/PReLU comparisons
      schedule: { type: 'multistep', milestones: [dropAt] },
      evalEvery: o.evalEvery,
      evalImages: o.evalImages,
      io: o.io,
    });
    const slopes = activation === 'relu' ? [] : await preluSlopes(r.model);
    out(
      o.io,
      `${activation}: test top-1 error ${pct(r.final.top1)}, top-5 ${pct(r.final.top5)} (${r.seconds.toFixed(0)} s, ${r.imagesPerSecond.toFixed(0)} img/s)`,
    );
    arms.push({ arm: r, slopes });
    r.model.dispose();
  }
  const by = (a: string) => arms.find((x) => x.arm.name === a) as { arm: ArmResult; slopes: LayerSlopes[] };
  const table1 = PAPER_TABLE1.map((p) => ({
    layer: p.layer,
    shared: by('prelu-shared').slopes.find((s) => s.layer === p.layer)?.mean ?? null,
    channelWise: by('prelu').slopes.find((s) => s.layer === p.layer)?.mean ?? null,
    paperShared: p.shared,
    paperChannelWise: p.channelWise,
  }));
  const table2 = (['relu', 'prelu-shared', 'prelu'] as const).map((a) => ({
    model: a,
    top1: by(a).arm.final.top1,
    top5: by(a).arm.final.top5,
    paperTop1: PAPER_TABLE2[a].top1 / 100,
    paperTop5: PAPER_TABLE2[a].top5 / 100,
  }));
  const result = {
    experiment: 'prelu-vs-relu',
    settings: {
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
      dropout: 0.5,
      seed: o.seed,
      data: data.name,
      testImages: data.numTest,
      views: 1,
    },
    table1,
    table2,
    runs: arms.map(({ arm }) => ({
      name: arm.name,
      steps: arm.steps,
      seconds: Number(arm.seconds.toFixed(1)),
      imagesPerSecond: Number(arm.imagesPerSecond.toFixed(1)),
      curve: arm.curve,
      final: arm.final,
    })),
  };
  await writeFile(join(o.outDir, 'prelu-vs-relu.json'), `${JSON.stringify(result, null, 2)}\n`);
  const lines = await plotPreluVsRelu(result, o.outDir);
  out(o.io, '');
  for (const l of lines) out(o.io, l);
  return result;
}

/** The part of prelu-vs-relu.json the plots and tables read. */
export interface PreluVsReluJson {
  settings: { width: number; data: string; evalImages: number };
  table1: Array<{
    layer: string;
    shared: number | null;
    channelWise: number | null;
    paperShared: number;
    paperChannelWise: number;
  }>;
  table2: Array<{ model: string; top1: number; top5: number; paperTop1: number; paperTop5: number }>;
  runs: Array<{ name: string; curve: Array<[number, number]> }>;
}

/** Writes the SVGs and tables.md of a prelu-vs-relu result (also from a saved JSON); returns the table lines. */
export async function plotPreluVsRelu(result: PreluVsReluJson, outDir: string): Promise<string[]> {
  await writeFile(
    join(outDir, 'table2-error-curves.svg'),
    lineChartSvg(
      result.runs.map((r) => ({ label: r.name, points: r.curve })),
      {
        title: `14-layer model (width ${result.settings.width}) on ${result.settings.data}: ReLU vs PReLU`,
        xLabel: 'epochs',
        yLabel: `top-1 error (${result.settings.evalImages} test images)`,
      },
    ),
  );
  const idx = (
    rows: PreluVsReluJson['table1'],
    k: 'shared' | 'channelWise' | 'paperShared' | 'paperChannelWise',
  ) => rows.map((r, i) => [i + 1, r[k] ?? Number.NaN] as [number, number]);
  await writeFile(
    join(outDir, 'table1-slopes.svg'),
    lineChartSvg(
      [
        { label: 'channel-shared (ours)', points: idx(result.table1, 'shared'), color: '#1f77b4' },
        { label: 'channel-wise mean (ours)', points: idx(result.table1, 'channelWise'), color: '#d62728' },
        {
          label: 'channel-shared (paper)',
          points: idx(result.table1, 'paperShared'),
          color: '#1f77b4',
          dashed: true,
        },
        {
          label: 'channel-wise (paper)',
          points: idx(result.table1, 'paperChannelWise'),
          color: '#d62728',
          dashed: true,
        },
      ],
      {
        title: 'Learned PReLU coefficients per layer (Table 1 layout)',
        xLabel: 'layer (1 = conv1, 2-5 = conv2_x, 6-11 = conv3_x, 12-13 = fc1, fc2)',
        yLabel: 'a',
      },
    ),
  );
  const lines = [
    '| layer | a, channel-shared (ours) | mean a_i, channel-wise (ours) | paper shared | paper channel-wise |',
    '|---|---|---|---|---|',
    ...result.table1.map(
      (r) =>
        `| ${r.layer} | ${r.shared?.toFixed(3) ?? '-'} | ${r.channelWise?.toFixed(3) ?? '-'} | ${r.paperShared.toFixed(3)} | ${r.paperChannelWise.toFixed(3)} |`,
    ),
    '',
    '| model | top-1 err (ours) | top-5 err (ours) | paper top-1 | paper top-5 |',
    '|---|---|---|---|---|',
    ...result.table2.map(
      (r) => `| ${r.model} | ${pct(r.top1)} | ${pct(r.top5)} | ${pct(r.paperTop1)} | ${pct(r.paperTop5)} |`,
    ),
  ];
  await writeFile(join(outDir, 'tables.md'), `${lines.join('\n')}\n`);
  return lines;
}
