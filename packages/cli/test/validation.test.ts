// Every bad flag or config value: exit code 2, one line naming the key and what is allowed, never
// "internal error". A full disk: one line, exit 1, the last checkpoint intact.
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCheckpointFile } from '@rectifier/train';
import { beforeAll, describe, expect, it } from 'vitest';
import { memoryBundle } from '../src/data/sources';
import { cli, tinyIdxDir } from './helpers';

let dir = '';
let data = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rcli-valid-'));
  data = await tinyIdxDir(64, 20);
  await writeFile(join(dir, 'a-file'), 'not a directory');
});

const RANGE = {
  batchSize: /batchSize must be an integer in \[1, 65536\]/,
  lr: /lr must be a number > 0/,
};

/** [config JSON, expected message] */
const CONFIGS: Array<[Record<string, unknown>, RegExp]> = [
  [{ batchSize: -5 }, RANGE.batchSize],
  [{ batchSize: 0 }, RANGE.batchSize],
  [{ batchSize: '8' }, /batchSize must be an integer in \[1, 65536\], got "8"/],
  [{ batchSize: 2.5 }, RANGE.batchSize],
  [{ lr: 'abc' }, /lr must be a number > 0, got "abc"/],
  [{ lr: -1 }, RANGE.lr],
  [{ lr: null }, /lr must be a number > 0, got null/],
  [{ keep: 0 }, /keep must be an integer in \[1, 10000\], got 0/],
  [{ epochs: -1 }, /epochs must be an integer in \[1, 1000000\], got -1/],
  [{ optimizer: 'x' }, /optimizer must be one of sgd, adamw; got "x"/],
  [{ backend: 'gpu' }, /backend must be one of auto, webgpu, native, wasm, cpu.*; got "gpu"/],
  [{ width: -1 }, /width must be a number in \(0, 8\], got -1/],
  [{ limit: -3 }, /limit must be an integer in \[1, 9007199254740991\], got -3/],
  [{ checkpointEvery: -1 }, /checkpointEvery must be an integer in \[1, /],
  [
    { schedule: { type: 'weird' } },
    /schedule\.type must be one of plateau, step, multistep, cosine, constant; got "weird"/,
  ],
  [{ schedule: 'step' }, /schedule must be an object such as/],
  [{ schedule: { type: 'step', stepSize: 0 } }, /schedule\.stepSize must be an integer in \[1, /],
  [{ schedule: { type: 'plateau', factor: 2 } }, /schedule\.factor must be a number in \(0, 1\)/],
  [{ seed: 1e20 }, /seed must be an integer in \[0, 9007199254740991\], got 100000000000000000000/],
  [{ momentum: 1 }, /momentum must be a number in \[0, 1\), got 1/],
  [{ inputSize: 30000 }, /inputSize must be an integer in \[4, 1024\], got 30000/],
  [{ dropout: 'half' }, /dropout must be a number in \[0, 1\), got "half"/],
];

/** [flags, expected message] */
const FLAGS: Array<[string[], RegExp]> = [
  [['--seed', '1e20'], /--seed must be an integer in \[0, 9007199254740991\], got '1e20'/],
  [['--batch-size', '1e9'], /--batch-size must be an integer in \[1, 65536\], got '1e9'/],
  [['--batch-size', '0'], /--batch-size must be an integer/],
  [['--batch-size', '2.5'], /--batch-size must be an integer/],
  [['--lr', 'abc'], /--lr must be a number > 0, got 'abc'/],
  [['--lr=-1'], /--lr must be a number > 0, got '-1'/],
  [['--lr', '0x10'], /--lr must be a number > 0, got '0x10'/],
  [['--epochs=-1'], /--epochs must be an integer in \[1, 1000000\], got '-1'/],
  [['--keep', '0'], /--keep must be an integer in \[1, 10000\]/],
  [['--width=-1'], /--width must be a number in \(0, 8\]/],
  [['--limit=-3'], /--limit must be an integer in \[1, /],
  [['--checkpoint-every=-1'], /--checkpoint-every must be an integer/],
  [['--optimizer', 'x'], /--optimizer must be one of sgd, adamw; got 'x'/],
  [['--backend', 'gpu'], /--backend must be one of auto, webgpu, native, wasm, cpu.*; got 'gpu'/],
  [
    ['--schedule', 'weird'],
    /--schedule must be one of plateau, step, multistep, cosine, constant; got 'weird'/,
  ],
  [['--milestones', '3,x', '--schedule', 'multistep'], /--milestones must be comma-separated epochs/],
  [['--threads', '100000'], /--threads must be an integer in \[1, 256\]/],
  [['--out', '/proc/x'], /--out \/proc\/x is on the proc pseudo file system/],
  [['--out', '/sys/x/y'], /--out \/sys\/x\/y is on the sysfs pseudo file system/],
  [['--data', 'generated:/proc/x'], /--data generated: \/proc\/x is on the proc pseudo file system/],
];

function oneLine(r: { code: number; stderr: string }, message: RegExp): void {
  expect(r.stderr, r.stderr).not.toMatch(/internal error|this is a bug/);
  expect(r.code, r.stderr).toBe(2);
  const [line, hint, ...rest] = r.stderr.split('\n');
  expect(line).toMatch(/^rectifier train: error: /);
  expect(line).toMatch(message);
  expect(hint).toBe("Run 'rectifier train --help' for usage.");
  expect(rest).toEqual(['']);
}

describe('rectifier train: one validation for flags and JSON configs', () => {
  it.each(CONFIGS.map(([json, m], i) => [JSON.stringify(json), json, m, i] as const))(
    'config %s',
    async (_name, json, message, i) => {
      const path = join(dir, `c${i}.json`);
      await writeFile(path, JSON.stringify(json));
      const r = await cli(
        'train',
        '--config',
        path,
        '--data',
        data,
        '--backend',
        'cpu',
        '--out',
        join(dir, `rc${i}`),
      );
      oneLine(r, new RegExp(`config ${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: ${message.source}`));
    },
  );

  it.each(FLAGS.map(([f, m]) => [f.join(' '), f, m] as const))('flags %s', async (_name, flags, message) => {
    const out = flags.includes('--out')
      ? []
      : ['--out', join(dir, `rf-${flags.join('').replace(/\W/g, '')}`)];
    const backend = flags.includes('--backend') ? [] : ['--backend', 'cpu'];
    const d = flags.includes('--data') ? [] : ['--data', data];
    const r = await cli('train', ...flags, ...d, ...backend, ...out);
    oneLine(r, message);
  });

  it('an input size whose upsampled images would not fit in memory is refused before allocating them', () => {
    const n = 4000; // 28x28 images upsampled 30x to 840x840: 2.6 GiB
    const set = {
      source: 'test',
      n,
      channels: 1,
      height: 28,
      width: 28,
      images: new Uint8Array(n * 784),
      labels: new Uint8Array(n),
      classes: ['a'],
    };
    const bundle = memoryBundle('test', set, set, { kind: 'scaled', mean: 0, std: 1 });
    expect(() => bundle.train({ batchSize: 16, seed: 0, inputSize: 840 })).toThrow(
      /--input-size 840 would upsample the 4000 images 30x to 2\.6 GiB in memory \(at most 2 GiB\): use a smaller --input-size/,
    );
    expect(bundle.train({ batchSize: 16, seed: 0, inputSize: 56 }).numBatches).toBe(250);
  });

  it('--out under a regular file', async () => {
    const r = await cli('train', '--out', join(dir, 'a-file', 'run'), '--data', data, '--backend', 'cpu');
    oneLine(r, /--out .*a-file\/run: .*a-file is not a directory/);
  });

  it('a batch larger than the training set: refused before training, not 0 steps and exit 0', async () => {
    const out = join(dir, 'big-batch');
    const r = await cli('train', '--batch-size', '1000', '--data', data, '--backend', 'cpu', '--out', out);
    oneLine(
      r,
      /--batch-size 1000 is larger than the 64 training images: an epoch would have no step; use at most 64/,
    );
    const l = await cli(
      'train',
      '--limit',
      '10',
      '--batch-size',
      '16',
      '--data',
      data,
      '--backend',
      'cpu',
      '--out',
      out,
    );
    oneLine(l, /--batch-size 16 is larger than the 10 training images \(after --limit\)/);
    expect(existsSync(join(out, 'checkpoints'))).toBe(false);
  });
});

describe('a full disk', () => {
  it('gives one line naming it, exit code 1, and the checkpoint written before it stays intact', async () => {
    if (!existsSync('/dev/full')) return; // Linux: writes to /dev/full fail with ENOSPC
    const out = join(dir, 'full');
    // the run's last write goes to /dev/full
    const { mkdir } = await import('node:fs/promises');
    await mkdir(out);
    await symlink('/dev/full', join(out, 'summary.json'));
    const r = await cli(
      'train',
      '--data',
      data,
      '--backend',
      'cpu',
      '--out',
      out,
      '--epochs',
      '1',
      '--batch-size',
      '16',
      '--width',
      '0.25',
      '--schedule',
      'constant',
    );
    expect(r.stderr).not.toMatch(/internal error|this is a bug/);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^rectifier train: error: no space left on device \(ENOSPC\)[^\n]*\n$/);
    const names = await readdir(join(out, 'checkpoints'));
    expect(names).toEqual(['epoch-0001-step-00000004.ckpt.safetensors']);
    const ck = await loadCheckpointFile(join(out, 'checkpoints', names[0]));
    expect(ck.meta.step).toBe(4);
    for (const t of Object.values(ck.tensors)) t.dispose();
  });
});
