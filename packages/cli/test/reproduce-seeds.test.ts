// `rectifier reproduce --seeds N` end to end on the tiny IDX data: the JSON keeps every run, the
// tables and plots aggregate over seeds, --plot-only redraws from the JSON, and a seed's run is
// bit-for-bit the same on the WASM backend with a fixed thread count.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, tinyIdxDir } from './helpers';

const tiny = ['--eval-images', '20', '--eval-every', '1'];

/** A run without its timings (the only fields that may differ between two identical runs). */
function figures(run: Record<string, unknown>): Record<string, unknown> {
  const { seconds: _s, imagesPerSecond: _i, ...rest } = run;
  return rest;
}

describe('rectifier reproduce --seeds', () => {
  it('refuses --seeds 0 and --threads 0 in one line with exit code 2', async () => {
    for (const flag of ['--seeds', '--threads']) {
      const r = await cli('reproduce', 'init-depth', flag, '0', '--out', join(tmpdir(), 'rcli-never'));
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`${flag} must be an integer >= 1, got '0'`);
    }
  });
  it('prelu-vs-relu: every arm with every seed, mean ± sd tables, bands, --plot-only on the JSON', async () => {
    const data = await tinyIdxDir(64, 20);
    const out = await mkdtemp(join(tmpdir(), 'rcli-seeds-'));
    try {
      const r = await cli(
        'reproduce',
        'prelu-vs-relu',
        '--seeds',
        '2',
        '--seed',
        '5',
        '--steps',
        '2',
        '--batch-size',
        '8',
        ...tiny,
        '--data',
        data,
        '--backend',
        'wasm',
        '--out',
        out,
        '--work',
        join(out, 'work'),
      );
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('seeds 5, 6');
      const json = JSON.parse(await readFile(join(out, 'prelu-vs-relu.json'), 'utf8'));
      expect(json.settings.seeds).toEqual([5, 6]);
      expect(json.runs.map((x: { name: string; seed: number }) => `${x.name}/${x.seed}`)).toEqual([
        'relu/5',
        'prelu-shared/5',
        'prelu/5',
        'relu/6',
        'prelu-shared/6',
        'prelu/6',
      ]);
      const run = json.runs[2];
      expect(Object.keys(run.slopes)).toEqual(json.table1.map((t: { layer: string }) => t.layer));
      expect(json.runs[0].slopes).toEqual({});
      // Table 2: each arm's error over the two seeds, from the runs
      const relu = json.table2[0];
      expect(relu.model).toBe('relu');
      expect(relu.top1.values).toEqual([json.runs[0].final.top1, json.runs[3].final.top1]);
      expect(relu.top1.mean).toBeCloseTo((json.runs[0].final.top1 + json.runs[3].final.top1) / 2, 12);
      expect(relu.top1.sd).toBeCloseTo(
        Math.abs(json.runs[0].final.top1 - json.runs[3].final.top1) / Math.SQRT2,
        12,
      );
      // Table 1: each layer's slope over seeds, the paper's beside it
      const conv1 = json.table1[0];
      expect(conv1.layer).toBe('conv1');
      expect(conv1.shared.values).toEqual([json.runs[1].slopes.conv1, json.runs[4].slopes.conv1]);
      expect(conv1.paperShared).toBe(0.681);
      expect(
        json.comparisons.map((c: { lower: string; higher: string }) => `${c.lower}<${c.higher}`),
      ).toEqual(['prelu-shared<relu', 'prelu<relu', 'prelu<prelu-shared']);
      expect(json.slopePattern.shared.onMean).toHaveLength(3);
      expect(json.slopePattern.channelWise.seeds).toBe(2);
      expect(json.band).toBe('min..max over seeds');
      const tables = await readFile(join(out, 'tables.md'), 'utf8');
      expect(tables).toContain('Figures over 2 seeds');
      expect(tables).toMatch(/\| relu \| \d+\.\d\d% ± \d+\.\d\d \| \d+\.\d\d%, \d+\.\d\d% \|/);
      expect(tables).toMatch(/Table 1 pattern, channel-shared: the paper's pattern/);
      expect(tables).toMatch(
        /- relu - prelu: .* seeds: (holds beyond the spread|within the spread|reversed)/,
      );
      const curves = await readFile(join(out, 'table2-error-curves.svg'), 'utf8');
      expect(curves.match(/<polygon class="band"/g)?.length).toBeGreaterThanOrEqual(3);
      expect(curves).toContain('mean of 2 seeds, band min..max over seeds');
      const slopes = await readFile(join(out, 'table1-slopes.svg'), 'utf8');
      expect(slopes).toContain('<polygon class="band"');

      // --plot-only redraws the same tables and plots from the JSON alone
      await rm(join(out, 'tables.md'));
      await rm(join(out, 'table1-slopes.svg'));
      const p = await cli('reproduce', 'prelu-vs-relu', '--plot-only', '--out', out);
      expect(p.code).toBe(0);
      expect(await readFile(join(out, 'tables.md'), 'utf8')).toBe(tables);
      expect(await readFile(join(out, 'table1-slopes.svg'), 'utf8')).toBe(slopes);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  }, 300_000);

  it('init-depth on WASM with 2 threads: the same seed gives bit-identical runs, another seed or thread count does not', async () => {
    const data = await tinyIdxDir(64, 20);
    const outs = await Promise.all([0, 1, 2].map(() => mkdtemp(join(tmpdir(), 'rcli-seeds-'))));
    try {
      const jsons = [];
      for (const [k, out] of outs.entries()) {
        const threads = k < 2 ? '2' : '1';
        const r = await cli(
          'reproduce',
          'init-depth',
          '--depths',
          '22',
          // the default width (8 channels in stage 1) and 16 images a batch: the convolutions are
          // large enough (> 2 MFLOP) for the WASM backend to split them over its threads
          '--batch-size',
          '16',
          '--seeds',
          '2',
          '--steps',
          '3',
          ...tiny,
          '--data',
          data,
          '--backend',
          'wasm',
          '--threads',
          threads,
          '--out',
          out,
          '--work',
          join(out, 'work'),
        );
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        expect(r.stdout).toMatch(new RegExp(`backend wasm \\(.*${threads} threads?\\)`));
        jsons.push(JSON.parse(await readFile(join(out, 'init-depth.json'), 'utf8')));
      }
      const [a, b, oneThread] = jsons;
      expect(a.runs.map((x: { name: string; seed: number }) => `${x.name}/${x.seed}`)).toEqual([
        '22-layer-he/0',
        '22-layer-xavier/0',
        '22-layer-he/1',
        '22-layer-xavier/1',
      ]);
      // bit for bit: losses, errors, curves and every per-layer gradient norm (JSON keeps all 17 digits)
      expect(b.runs.map(figures)).toEqual(a.runs.map(figures));
      expect(a.runs[0].gradNorms).not.toEqual({});
      // the comparison sees last-bit differences: on 1 thread the weight gradients' partial sums are
      // grouped otherwise, and the He runs' losses differ (README of the WASM backend)
      expect(oneThread.runs.map(figures)).not.toEqual(a.runs.map(figures));
      // seeds 0 and 1 draw other weights and another data order
      expect(a.runs[2].gradientFirstLayer).not.toBe(a.runs[0].gradientFirstLayer);
      expect(a.runs[2].trainLossLast50).not.toBe(a.runs[0].trainLossLast50);
      // the summary over seeds and the comparison per depth
      expect(a.summary.map((s: { name: string; seeds: number }) => [s.name, s.seeds])).toEqual([
        ['22-layer-he', 2],
        ['22-layer-xavier', 2],
      ]);
      expect(a.summary[0].finalTop1.values).toEqual([a.runs[0].finalTop1, a.runs[2].finalTop1]);
      expect(a.comparisons).toHaveLength(1);
      expect(a.comparisons[0].depth).toBe(22);
      const tables = await readFile(join(outs[0], 'tables.md'), 'utf8');
      expect(tables).toMatch(/- 22 layers: 22-layer-xavier - 22-layer-he: /);
      expect(tables).toMatch(
        /- Fig\. 2 \(22 layers; the paper: both converge, He earlier\): He converged in [0-2]\/2 seeds, "Xavier" in [0-2]\/2\./,
      );
      expect(await readFile(join(outs[0], 'fig2-22-layer.svg'), 'utf8')).toContain('<polygon class="band"');
      expect(await readFile(join(outs[0], 'gradient-norms-22-layer.svg'), 'utf8')).toContain(
        '<polygon class="band"',
      );
    } finally {
      for (const out of outs) await rm(out, { recursive: true, force: true });
    }
  }, 300_000);
});
