// Build step for the initialization guide: run init's variance audit on the paper's 30-layer plain
// ReLU net (nn's model30 at 1/16 width, through toAuditModel) under He fan-in, He fan-out and the
// paper's "Xavier", and plot the measured per-layer std of the responses and of the gradients.
// Nothing here is typed by hand: the SVGs and the table are what the audit measured during this build.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { varianceAudit } from '@rectifier/init';
import { model30, toAuditModel } from '@rectifier/nn';
import { Generator, randn } from '@rectifier/tensor';
import { lineChart } from './svg-chart.mjs';

const INITS = [
  { init: 'he-fan-in', label: 'He, fan-in (Eq. 10)', color: '#d62728' },
  { init: 'he-fan-out', label: 'He, fan-out (Eq. 14)', color: '#ff7f0e' },
  { init: 'xavier', label: '"Xavier" (n̂·Var[w] = 1)', color: '#1f77b4' },
];
export const AUDIT_SETTINGS = { width: 1 / 16, inputSize: 96, batch: 4, seeds: [1, 2, 3] };

/** Geometric mean over seeds, per layer: a single narrow net's log-variance does a random walk. */
const geoMean = (rows) =>
  rows[0].map((_, i) => Math.exp(rows.reduce((a, r) => a + Math.log(r[i]), 0) / rows.length));

export async function generateVariancePlot(outDir, mdDir, log = console.log) {
  const t0 = performance.now();
  const { width, inputSize, batch, seeds } = AUDIT_SETTINGS;
  const results = [];
  for (const { init, label, color } of INITS) {
    const fwd = [];
    const bwd = [];
    const pred = [];
    let names = [];
    for (const seed of seeds) {
      const net = model30({
        activation: 'relu',
        init,
        fcInit: 'same-as-conv',
        width,
        numClasses: 10,
        inputSize,
        seed,
        dropout: 0,
      }).eval();
      const g = new Generator(100 + seed);
      const audit = await varianceAudit(
        await toAuditModel(net),
        randn([batch, 3, inputSize, inputSize], { generator: g }),
        { generator: g },
      );
      names = audit.rows.map((r) => r.name);
      fwd.push(audit.rows.map((r) => r.forwardStd));
      bwd.push(audit.rows.map((r) => r.backwardStd));
      pred.push(audit.rows.map((r) => r.predictedForwardStd));
      net.dispose();
    }
    results.push({
      init,
      label,
      color,
      names,
      forward: geoMean(fwd),
      backward: geoMean(bwd),
      predicted: geoMean(pred),
    });
  }
  const pts = (v) => v.map((y, i) => [i + 1, y]);
  const sub = `model30, ReLU, width ${width}, ${inputSize}x${inputSize} input, geometric mean of ${seeds.length} seeds`;
  writeFileSync(
    join(outDir, 'variance-forward.svg'),
    lineChart(
      results.flatMap((r) => [
        { label: `${r.label}`, points: pts(r.forward), color: r.color },
        { label: `${r.init}: predicted (Eq. 9)`, points: pts(r.predicted), color: r.color, dashed: true },
      ]),
      {
        title: "Forward: std of each layer's response y_l",
        subtitle: sub,
        xLabel: 'weight layer l (1 = conv1, 27 = conv3_22, 28-30 = fc1-fc3)',
        yLabel: 'std(y_l)',
        logY: true,
        width: 860,
      },
    ),
  );
  writeFileSync(
    join(outDir, 'variance-backward.svg'),
    lineChart(
      results.map((r) => ({ label: r.label, points: pts(r.backward), color: r.color })),
      {
        title: "Backward: std of the gradient Δx_l at each layer's input",
        subtitle: sub,
        xLabel: 'weight layer l (1 = conv1, 27 = conv3_22, 28-30 = fc1-fc3)',
        yLabel: 'std(Δx_l)',
        logY: true,
        width: 860,
      },
    ),
  );
  const fmt = (v) => v.toExponential(2);
  const rows = results.map(
    (r) =>
      `| ${r.label} | ${fmt(r.forward[0])} | ${fmt(r.forward[14])} | ${fmt(r.forward[26])} | ${fmt(r.forward[26] / r.forward[0])} | ${fmt(r.backward[0])} | ${fmt(r.backward[26])} |`,
  );
  const md = [
    `| init | std(y) conv1 | std(y) layer 15 | std(y) layer 27 | layer 27 / conv1 | std(Δx) conv1 | std(Δx) layer 27 |`,
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
    `<p class="generated-note">Measured by <code>varianceAudit</code> during the docs build (${sub}).</p>`,
  ].join('\n');
  writeFileSync(join(mdDir, 'variance-table.md'), `${md}\n`);
  writeFileSync(
    join(outDir, 'variance-audit.json'),
    `${JSON.stringify({ settings: AUDIT_SETTINGS, results }, null, 2)}\n`,
  );
  log(`variance audit plots: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
