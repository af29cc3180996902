// `rectifier train --resume`: the run's own config, changed optimizer settings applied and
// recorded, settings that would break the resume refused in one line, a run killed before its
// first checkpoint started again.
import { cp, mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCheckpointFile, readJsonl } from '@rectifier/train';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, tinyIdxDir } from './helpers';

let data = '';
let root = '';
// 64 images, batch 16: 4 steps per epoch; a non-default width that plain --resume must keep
const base = () => ['--data', data, '--backend', 'cpu', '--batch-size', '16', '--width', '0.25'];
const flags = ['--schedule', 'step', '--step-size', '1', '--lr', '0.05', '--limit', '64'];

async function firstEpoch(name: string): Promise<string> {
  const out = join(root, name);
  const r = await cli('train', ...base(), ...flags, '--epochs', '1', '--out', out);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return out;
}

async function steps(out: string) {
  return (await readJsonl(join(out, 'metrics.jsonl'))).filter((x) => x.type === 'step');
}

beforeAll(async () => {
  data = await tinyIdxDir(96, 20);
  root = await mkdtemp(join(tmpdir(), 'rcli-resume-'));
});

describe('rectifier train --resume', () => {
  it("uses the run's own config (width, schedule, lr) when no flag is given", async () => {
    const out = await firstEpoch('plain');
    const r = await cli('train', '--out', out, '--resume', '--epochs', '2', '--backend', 'cpu');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/width 0\.25/);
    expect(r.stdout).toMatch(/resumed from .*step-00000004/);
    expect(JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')).steps).toBe(8);
    expect((await steps(out)).map((s) => s.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('applies a changed lr, momentum and weight decay, says so and records it', async () => {
    const out = await firstEpoch('changed');
    const r = await cli(
      'train',
      '--out',
      out,
      '--resume',
      '--epochs',
      '2',
      '--lr',
      '0.5',
      '--momentum',
      '0.8',
      '--weight-decay',
      '0.001',
      '--backend',
      'cpu',
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // the step schedule divided by 10 after epoch 1: the new base 0.5 gives 0.05 now
    expect(r.stdout).toMatch(/resume: lr 0\.05 -> 0\.5 \(the schedule's base; lr now 0\.05\d*\)/);
    expect(r.stdout).toMatch(/resume: momentum 0\.9 -> 0\.8/);
    expect(r.stdout).toMatch(/resume: weightDecay 0\.0005 -> 0\.001/);
    const s = await steps(out);
    expect(s.slice(0, 4).every((x) => Math.abs((x.lr as number) - 0.05) < 1e-12)).toBe(true);
    expect(s.slice(4).every((x) => Math.abs((x.lr as number) - 0.05) < 1e-9)).toBe(true);
    const log = await readJsonl(join(out, 'metrics.jsonl'));
    const note = log.find((x) => x.type === 'config_change');
    expect(note?.step).toBe(4);
    expect(note?.changes).toEqual(
      expect.arrayContaining([
        { key: 'lr', from: 0.05, to: 0.5 },
        { key: 'momentum', from: 0.9, to: 0.8 },
        { key: 'weightDecay', from: 0.0005, to: 0.001 },
      ]),
    );
    expect(JSON.parse(await readFile(join(out, 'config.json'), 'utf8'))).toMatchObject({
      lr: 0.5,
      momentum: 0.8,
      weightDecay: 0.001,
    });
    const ck = await loadCheckpointFile(
      join(out, 'checkpoints', 'epoch-0002-step-00000008.ckpt.safetensors'),
    );
    const group = (ck.meta.optimizer as { paramGroups: Array<Record<string, number>> }).paramGroups[0];
    expect(group).toMatchObject({ momentum: 0.8, weightDecay: 0.001 });
    expect((ck.meta.extra as { config: { lr: number } }).config.lr).toBe(0.5);
    for (const t of Object.values(ck.tensors)) t.dispose();
  });

  it('refuses, in one line with exit code 2, a batch size, a schedule or a model that differs from the run', async () => {
    const out = await firstEpoch('refused');
    const cases: Array<[string[], RegExp]> = [
      [
        ['--batch-size', '32'],
        /batchSize is 16 in the run but 32 here.*part of the epoch would be skipped or repeated/,
      ],
      [
        ['--schedule', 'constant'],
        /schedule is \{"type":"step","stepSize":1\} in the run but \{"type":"constant"\} here/,
      ],
      [['--model', 'model14'], /model is "quicknet" in the run but "model14" here/],
      [['--seed', '3'], /seed is 0 in the run but 3 here, .*shuffling order/],
    ];
    for (const [extra, message] of cases) {
      const r = await cli('train', '--out', out, '--resume', '--backend', 'cpu', ...extra);
      expect(r.stderr).not.toMatch(/internal error|this is a bug/);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr.split('\n')[0]).toMatch(message);
      expect(r.stderr.split('\n')[0]).toMatch(/drop it, or start a new run with another --out$/);
    }
    expect(await readdir(join(out, 'checkpoints'))).toEqual(['epoch-0001-step-00000004.ckpt.safetensors']);
  });

  it('a run killed during its first checkpoint write: --resume starts it again; a fresh start says how', async () => {
    const done = await firstEpoch('template');
    // what such a run leaves: config.json, a metrics log, a temporary checkpoint file, no checkpoint
    const out = join(root, 'killed');
    await mkdir(join(out, 'checkpoints'), { recursive: true });
    await cp(join(done, 'config.json'), join(out, 'config.json'));
    const log = (await readFile(join(done, 'metrics.jsonl'), 'utf8')).split('\n').slice(0, 3).join('\n');
    await writeFile(join(out, 'metrics.jsonl'), `${log}\n`);
    await writeFile(
      join(out, 'checkpoints', '.epoch-0001-step-00000004.ckpt.safetensors.tmp-1-2'),
      'partial',
    );
    const fresh = await cli('train', ...base(), '--out', out, '--epochs', '1');
    expect(fresh.code).toBe(1);
    expect(fresh.stderr).toMatch(
      /already holds a run: pass --resume to continue it \(or to start it again if it has no checkpoint yet\)/,
    );
    const r = await cli('train', '--out', out, '--resume', '--backend', 'cpu');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/has no completed checkpoint; starting the run again from the beginning/);
    expect((await steps(out)).map((s) => s.step)).toEqual([1, 2, 3, 4]);
    expect(await readdir(join(out, 'checkpoints'))).toEqual(['epoch-0001-step-00000004.ckpt.safetensors']);
  });

  it('--resume on a directory without a run says so', async () => {
    const empty = join(root, 'empty');
    await mkdir(empty);
    const r = await cli('train', '--out', empty, '--resume', '--backend', 'cpu');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /holds no run to continue \(no checkpoint, no config\.json\); start one without --resume\n$/,
    );
  });
});
