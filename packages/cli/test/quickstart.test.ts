import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
    expect(r.stdout).toMatch(/budget: 0\.05 min -> \d+ steps/);
    expect(r.stdout).toMatch(/test: top-1 error \d+\.\d\d%, top-5 error \d+\.\d\d% on 40 images/);
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
    expect(summary.steps).toBeGreaterThanOrEqual(1);
    expect(summary.preluSlopes).toHaveLength(10);
    expect(await readFile(join(out, 'training-curve.svg'), 'utf8')).toMatch(/^<svg [^>]*>[\s\S]*<polyline/);
  });
});
