import { copyFile, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateImageNetLike } from '@rectifier/imagenet/node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
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
    expect(t.stdout).toMatch(/data: 24 training \/ 12 test files, 4 classes/);
    expect(t.stdout).toMatch(/weights: .*model\.safetensors/);
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
    // progress per image in a pipe (one line per tenth of the work), then the result on its own line
    expect(multi.stdout).toMatch(
      /^eval 1\/4 .* 1 image .*\neval 2\/4 .*\neval 3\/4 .*\neval 4\/4 {2}eta 0:00 {2}4 images/m,
    );
    const bad = await cli('eval', ckpt, '--multi-scale', 'big', '--backend', 'cpu');
    expect(bad.stderr).toMatch(/--multi-scale must be 'paper' or comma-separated shorter sides >= 8/);
    const fm = await cli('eval', ckpt, '--data', 'fashion-mnist', '--backend', 'cpu');
    expect(fm.code).toBe(1);
    expect(fm.stderr).toMatch(
      /takes 3-channel images of 4 classes; fashion-mnist has 1 channels and 10 classes/,
    );
  });

  it('devkit mapping with a header via --id-mapping, unlabelled val images, bad files counted alike', async () => {
    const r2 = join(await mkdtemp(join(tmpdir(), 'rcli-gen2-')), 'imagenet');
    await generateImageNetLike(r2, { classes: 3, trainPerClass: 4, valPerClass: 2, size: 40, seed: 2 });
    // Labels only through the devkit ground truth + a mapping with a header row, outside the searched places.
    await rm(join(r2, 'LOC_val_solution.csv'));
    const text = (await readFile(join(r2, 'ILSVRC2012_mapping.txt'), 'utf8'))
      .split('\n')
      .filter((l) => !l.startsWith('#'))
      .map((l) => l.replace(' ', '\t'))
      .join('\n');
    const mapping = join(r2, '..', 'mapping.tsv');
    await writeFile(mapping, `ILSVRC2012_ID\twnid\n${text}`);
    await rm(join(r2, 'ILSVRC2012_mapping.txt'));
    const none = await cli('check', r2);
    expect(none.stderr).toMatch(/pass idMapping \(CLI: --id-mapping FILE/);
    // an image no ground truth lists, a truncated training image, a truncated val image
    const val = (await readdir(join(r2, 'val'))).sort();
    await copyFile(join(r2, 'val', val[0]), join(r2, 'val', 'extra.JPEG'));
    const cls = (await readdir(join(r2, 'train'))).sort()[0];
    const good = await readFile(join(r2, 'val', val[1]));
    await writeFile(join(r2, 'train', cls, 'cut.JPEG'), good.subarray(0, good.length >> 1));
    await writeFile(join(r2, 'val', val[1]), good.subarray(0, good.length >> 1));
    const c = await cli('check', r2, '--id-mapping', mapping);
    expect(c.stdout).toMatch(/extra\.JPEG: not listed in the ground truth \(no label\)/);
    expect(c.stdout).toMatch(/cut\.JPEG: decode failed: premature end of JPEG data/);
    const out = join(r2, '..', 'run2');
    // file warnings go to the process's stderr (the loaders report them as they meet them)
    let warnings = '';
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
      warnings += String(s);
      return true;
    });
    const t = await cli(
      'train',
      '--data',
      r2,
      '--id-mapping',
      mapping,
      '--model',
      'quicknet',
      '--width',
      '0.25',
      '--input-size',
      '32',
      '--epochs',
      '1',
      '--batch-size',
      '4',
      '--schedule',
      'constant',
      '--backend',
      'cpu',
      '--export-onnx',
      '--out',
      out,
    );
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(
      /data: 13 training \/ 6 test files, 3 classes .*; 1 entries rejected by the scan/,
    );
    expect(t.stdout).toMatch(/skipped: 1 unreadable training and 1 test files/);
    expect(t.stdout).toMatch(/onnx: .*model\.onnx/);
    // the weights alone: PyTorch state_dict names, no checkpoint prefixes
    const st = await readFile(join(out, 'model.safetensors'));
    const header = JSON.parse(st.subarray(8, 8 + Number(st.readBigUInt64LE(0))).toString('utf8'));
    const names = Object.keys(header).filter((k) => k !== '__metadata__');
    expect(names.length).toBeGreaterThan(4);
    expect(names.filter((k) => /^(model|optimizer)\./.test(k))).toEqual([]);
    expect(names.some((k) => k.endsWith('.weight'))).toBe(true);
    const trainWarn = warnings.split('\n').filter((l) => l.includes('cut.JPEG'));
    expect(trainWarn).toEqual([
      expect.stringMatching(/^warning: skipped .*cut\.JPEG: decode failed: premature end/),
    ]);
    const ckpt = join(out, 'checkpoints', (await readdir(join(out, 'checkpoints')))[0]);
    for (const extra of [[], ['--ten-view']]) {
      warnings = '';
      const e = await cli('eval', ckpt, '--id-mapping', mapping, '--backend', 'cpu', ...extra);
      expect(e.code).toBe(0);
      expect(warnings).toMatch(
        new RegExp(`^warning: skipped .*${val[1]}: decode failed: premature end`, 'm'),
      );
      expect(e.stdout).toMatch(/test on 5 images of .*; 1 unreadable files skipped/);
    }
    spy.mockRestore();
    const pr = await cli('predict', join(out, 'model.onnx'), join(r2, 'val', val[0]));
    expect(pr.code).toBe(0);
    expect(pr.stdout).toMatch(/: \S.* \d+\.\d%/);
    await rename(mapping, `${mapping}.gone`);
    const missing = await cli('check', r2, '--id-mapping', mapping);
    expect(missing.stderr).toMatch(/--id-mapping file .*mapping\.tsv does not exist/);
  });
});
