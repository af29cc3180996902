import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, tinyIdxDir } from './helpers';

describe('rectifier quickstart (tiny budget, tiny data)', () => {
  it('trains within the budget, reports the test error and slopes, and writes every artifact it lists', async () => {
    const data = await tinyIdxDir();
    const out = join(await mkdtemp(join(tmpdir(), 'rcli-qs-')), 'qs');
    const r = await cli(
      'quickstart',
      '--minutes',
      '0.05',
      '--data',
      data,
      '--width',
      '0.25',
      '--batch-size',
      '16',
      '--backend',
      'cpu',
      '--out',
      out,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // the plan: the budget over the timed step, at least 20 steps
    const planned = Number(/budget: 0\.05 min -> (\d+) steps/.exec(r.stdout)?.[1]);
    expect(planned).toBeGreaterThanOrEqual(20);
    const printed =
      /test: top-1 error (\d+\.\d\d)%, top-5 error (\d+\.\d\d)% on 40 images \(trained .*, (\d+) steps\)/.exec(
        r.stdout,
      );
    expect(printed, r.stdout).not.toBeNull();
    expect(r.stdout).toMatch(
      /learned PReLU slopes \(mean a_i per layer, cf\. Table 1\): conv1_1 -?\d\.\d{3}, conv1_2/,
    );
    expect(r.stdout).toMatch(/onnxruntime-node agrees on 40\/40 test images/);
    for (const f of [
      'model.safetensors',
      'model.onnx',
      'metrics.jsonl',
      'training-curve.svg',
      'summary.json',
      'config.json',
    ]) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8'));
    // it ran the planned steps, or stopped at the time limit (budget + 10%) before them
    const end = (await readFile(join(out, 'metrics.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .find((x) => x.type === 'fit_end');
    expect(end.step).toBe(summary.steps);
    if (end.reason === 'maxSteps') expect(summary.steps).toBe(planned);
    else {
      expect(end.reason).toBe('maxTime');
      expect(summary.steps).toBeLessThan(planned);
      expect(end.seconds).toBeGreaterThanOrEqual(0.05 * 60 * 1.1);
    }
    // the printed test line is the summary's, and the last checkpoint reloads to the same test error
    expect(Number(printed?.[3])).toBe(summary.steps);
    expect(Number(printed?.[1])).toBeCloseTo(100 * summary.test.top1, 2);
    expect(Number(printed?.[2])).toBeCloseTo(100 * summary.test.top5, 2);
    const ckpt = /^ {2}checkpoint (\S+)$/m.exec(r.stdout)?.[1] ?? '';
    const ev = await cli('eval', resolve(ckpt), '--json', '--backend', 'cpu');
    expect(ev.code, ev.stderr).toBe(0);
    const reloaded = JSON.parse(ev.stdout);
    expect(reloaded).toMatchObject({
      step: summary.steps,
      n: 40,
      top1: summary.test.top1,
      top5: summary.test.top5,
    });
    expect(reloaded.loss).toBeCloseTo(summary.test.loss, 5);
    expect(summary.preluSlopes).toHaveLength(10);
    expect(await readFile(join(out, 'training-curve.svg'), 'utf8')).toMatch(/^<svg [^>]*>[\s\S]*<polyline/);
  });
});
