import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateImageNetLike } from '@rectifier/imagenet/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from './helpers';

let root = '';
const saved = process.env.RECTIFIER_LOADER_WORKERS;

beforeAll(async () => {
  // decode in the main thread: the loader's worker script exists only in imagenet's build
  process.env.RECTIFIER_LOADER_WORKERS = '0';
  root = join(await mkdtemp(join(tmpdir(), 'rcli-gen-')), 'imagenet');
  await generateImageNetLike(root, { classes: 4, trainPerClass: 6, valPerClass: 3, size: 40, seed: 1 });
});

afterAll(() => {
  if (saved === undefined) delete process.env.RECTIFIER_LOADER_WORKERS;
  else process.env.RECTIFIER_LOADER_WORKERS = saved;
});

describe('ImageNet-layout data (the imagenet package generator)', () => {
  it('checks, trains on it, and evaluates a checkpoint with 10-view testing', async () => {
    const c = await cli('check', root);
    expect(c.code).toBe(0);
    expect(c.stdout).toMatch(/imagenet-train\): 24\/24 images ok in 4 classes, 0 problems/);
    expect(c.stdout).toMatch(/imagenet-val\): 12\/12 images ok/);
    const out = join(root, '..', 'run');
    const t = await cli(
      'train',
      '--data',
      root,
      '--model',
      'quicknet',
      '--width',
      '0.25',
      '--input-size',
      '32',
      '--epochs',
      '1',
      '--batch-size',
      '8',
      '--schedule',
      'constant',
      '--backend',
      'cpu',
      '--out',
      out,
    );
    expect(t.stderr).toBe('');
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/data: 24 training \/ 12 test images, 4 classes/);
    expect(t.stdout).toMatch(/test: top-1 error .* on 12 images/);
    const ckpt = join(out, 'checkpoints', (await readdir(join(out, 'checkpoints')))[0]);
    const one = await cli('eval', ckpt, '--json', '--backend', 'cpu');
    const ten = await cli('eval', ckpt, '--ten-view', '--json', '--backend', 'cpu');
    expect(ten.stderr).toBe('');
    expect(JSON.parse(one.stdout).n).toBe(12);
    expect(JSON.parse(ten.stdout).n).toBe(12);
    // the paper's multi-scale protocol: every image at 3 scales and flipped, through the whole net
    const multi = await cli('eval', ckpt, '--multi-scale', '32,40,48', '--limit', '4', '--backend', 'cpu');
    expect(multi.stderr).toBe('');
    expect(multi.stdout).toMatch(/multi-scale \{32, 40, 48\} with flips test on 4 images of .*: top-1 error/);
    const bad = await cli('eval', ckpt, '--multi-scale', 'big', '--backend', 'cpu');
    expect(bad.stderr).toMatch(/--multi-scale must be 'paper' or comma-separated shorter sides >= 8/);
    const fm = await cli('eval', ckpt, '--data', 'fashion-mnist', '--backend', 'cpu');
    expect(fm.code).toBe(1);
    expect(fm.stderr).toMatch(
      /takes 3-channel images of 4 classes; fashion-mnist has 1 channels and 10 classes/,
    );
  });
});
