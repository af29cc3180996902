import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, tinyIdxDir } from './helpers';

const noStack = (s: string) => expect(s).not.toMatch(/\n\s+at .+:\d+/);

describe('rectifier (bad input: one clear line, non-zero exit, no stack trace)', () => {
  it('lists commands with --help and rejects unknown commands', async () => {
    const h = await cli('--help');
    expect(h.code).toBe(0);
    expect(h.stdout).toMatch(/quickstart .*\n.*train/);
    const u = await cli('fly');
    expect(u.code).toBe(2);
    expect(u.stderr).toMatch(/^rectifier: error: unknown command 'fly'\. Commands: quickstart, train/);
    const t = await cli('trian');
    expect(t.code).toBe(2);
    expect(t.stderr).toMatch(
      /^rectifier: error: unknown command 'trian' \(did you mean train\?\)\. Commands: /,
    );
    const v = await cli('--version');
    expect(v.stdout.trim()).toBe(
      JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')).version,
    );
  });

  it('prints --help for every command', async () => {
    for (const c of ['quickstart', 'train', 'eval', 'audit', 'reproduce', 'check', 'export', 'predict']) {
      const r = await cli(c, '--help');
      expect(r.code, c).toBe(0);
      expect(r.stdout, c).toMatch(new RegExp(`^Usage: rectifier ${c}`));
    }
  });

  it('rejects unknown flags, bad values and missing arguments with exit code 2', async () => {
    const a = await cli('train', '--epoch', '3');
    expect(a.code).toBe(2);
    expect(a.stderr).toBe(
      "rectifier train: error: unknown option --epoch (did you mean --epochs?)\nRun 'rectifier train --help' for usage.\n",
    );
    const b = await cli('train', '--model', 'resnet');
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(
      /--model must be one of quicknet, model14, model22, model30, plain22, plain30, A, B, C, vgg19, resnet18, resnet34, resnet50; got 'resnet'/,
    );
    // a negative number is the option's value (node's parseArgs alone calls it ambiguous)
    const neg = await cli('quickstart', '--minutes', '-1');
    expect(neg.code).toBe(2);
    expect(neg.stderr).toMatch(/^rectifier quickstart: error: --minutes must be a number > 0, got '-1'\n/);
    const c = await cli('train', '--lr', 'fast');
    expect(c.stderr).toMatch(/--lr must be a number > 0, got 'fast'/);
    const d = await cli('eval');
    expect(d.code).toBe(2);
    expect(d.stderr).toMatch(/missing argument \(usage: rectifier eval <checkpoint>/);
    const e = await cli('reproduce', 'table9');
    expect(e.stderr).toMatch(/unknown experiment 'table9'/);
    const f = await cli('reproduce', 'init-depth', '--input-scale', 'huge');
    expect(f.code).toBe(2);
    expect(f.stderr).toMatch(/--input-scale must be 'paper' or 'unit', got 'huge'/);
  });

  it('reports missing data, configs and checkpoints in one line with exit code 1', async () => {
    const a = await cli('train', '--data', '/nonexistent/fmnist', '--backend', 'cpu');
    expect(a.code).toBe(1);
    expect(a.stderr).toBe(
      "rectifier train: error: data '/nonexistent/fmnist' not found: give fashion-mnist, generated[:<dir>], or an existing directory\n",
    );
    const b = await cli('train', '--config', '/nonexistent.json');
    expect(b.code).toBe(1);
    expect(b.stderr).toMatch(/cannot read config \/nonexistent\.json: no such file/);
    const dir = await mkdtemp(join(tmpdir(), 'rcli-'));
    await writeFile(join(dir, 'c.json'), JSON.stringify({ model: 'quicknet', epoch: 3 }));
    const c = await cli('train', '--config', join(dir, 'c.json'));
    expect(c.stderr).toMatch(/unknown key 'epoch'/);
    const d = await cli('eval', join(dir, 'missing.ckpt.safetensors'), '--backend', 'cpu');
    expect(d.code).toBe(1);
    expect(d.stderr).toMatch(/checkpoint .*missing\.ckpt\.safetensors does not exist/);
    await writeFile(join(dir, 'junk.safetensors'), 'not a checkpoint at all');
    const e = await cli('eval', join(dir, 'junk.safetensors'), '--backend', 'cpu');
    expect(e.stderr).toMatch(/junk\.safetensors is corrupt or truncated/);
    const f = await cli('predict', join(dir, 'c.json'), join(dir, 'c.json'));
    expect(f.code).toBe(1);
    expect(f.stderr).toMatch(/is not an ONNX model|has no rectifier metadata/);
    const g = await cli('check', '/nonexistent/imagenet');
    expect(g.stderr).toMatch(/\/nonexistent\/imagenet does not exist/);
    for (const r of [a, b, c, d, e, f, g]) noStack(r.stderr);
  });
});

describe('rectifier train / eval / export / predict on a tiny IDX dataset', () => {
  it('trains with checkpoints, refuses a resume with another model, evaluates, exports and predicts', async () => {
    const data = await tinyIdxDir();
    const out = join(await mkdtemp(join(tmpdir(), 'rcli-run-')), 'run');
    const common = [
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
    ];
    const t = await cli(
      'train',
      ...common,
      '--epochs',
      '2',
      '--schedule',
      'step',
      '--step-size',
      '2',
      '--lr',
      '0.05',
    );
    expect(t.stderr).toBe('');
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/test: top-1 error \d+\.\d\d%, top-5 error/);
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8'));
    expect(summary.steps).toBe(16);
    expect(summary.history[1].lr).toBeCloseTo(0.05, 10);
    const ckpts = await readdir(join(out, 'checkpoints'));
    expect(ckpts).toContain('epoch-0002-step-00000016.ckpt.safetensors');

    const again = await cli('train', ...common, '--epochs', '2');
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already holds a run: pass --resume/);
    const other = await cli(
      'train',
      ...common,
      '--epochs',
      '3',
      '--resume',
      '--model',
      'model14',
      '--input-size',
      '56',
    );
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/--resume: model is "quicknet" in the run but "model14" here/);
    const more = await cli(
      'train',
      ...common,
      '--epochs',
      '3',
      '--resume',
      '--schedule',
      'step',
      '--step-size',
      '2',
      '--lr',
      '0.05',
    );
    expect(more.code).toBe(0);
    expect(more.stdout).toMatch(/resumed from .*step-00000016/);
    const resumed = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8'));
    expect(resumed.steps).toBe(24);
    expect(resumed.history[2].lr).toBeCloseTo(0.005, 10); // step schedule: / 10 after 2 epochs

    const ckpt = join(out, 'checkpoints', 'epoch-0003-step-00000024.ckpt.safetensors');
    const ev = await cli('eval', ckpt, '--json', '--backend', 'cpu');
    expect(ev.code).toBe(0);
    const r = JSON.parse(ev.stdout); // no progress in a pipe under --json: stdout is JSON, stderr empty
    expect(ev.stderr).toBe('');
    // the checkpoint reloads to the model the run tested last: the same errors on the same 40 images
    const last = /^test: top-1 error (\d+\.\d\d)%, top-5 error (\d+\.\d\d)% on 40 images$/m.exec(more.stdout);
    expect(last, more.stdout).not.toBeNull();
    expect(r).toMatchObject({ step: 24, n: 40, skipped: 0 });
    expect(100 * r.top1).toBeCloseTo(Number(last?.[1]), 2);
    expect(100 * r.top5).toBeCloseTo(Number(last?.[2]), 2);
    // and it learned: 10 classes (chance: 90% top-1 error); 24 steps reach 40% on the CPU backend
    expect(r.top1).toBeLessThan(0.6);

    const onnx = join(out, 'model.onnx');
    const ex = await cli('export', ckpt, '--out', onnx);
    expect(ex.code).toBe(0);
    expect(existsSync(onnx)).toBe(true);
    const sharp = (await import('sharp')).default;
    const png = join(out, 'band3.png');
    const px = Buffer.alloc(28 * 28, 10);
    px.fill(250, 8 * 28, 9 * 28);
    await sharp(px, { raw: { width: 28, height: 28, channels: 1 } })
      .png()
      .toFile(png);
    const pr = await cli('predict', onnx, png, '--top', '3');
    expect(pr.code).toBe(0);
    expect(pr.stdout).toMatch(
      /band3\.png: (T-shirt\/top|Trouser|Pullover|Dress|Coat|Sandal|Shirt|Sneaker|Bag|Ankle boot) \d+\.\d%, .+, .+\n$/,
    );
  });

  it('audit prints the per-layer table with the prediction', async () => {
    const r = await cli(
      'audit',
      '--model',
      'quicknet',
      '--width',
      '0.25',
      '--init',
      'xavier',
      '--batch',
      '2',
      '--backend',
      'cpu',
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/fwd std\s+pred/);
    expect(r.stdout).toMatch(/conv1_1/);
    expect(r.stdout).toMatch(/verdict over \d+ weight layers/);
    expect(r.stdout).toMatch(/the initialization shrinks the gradient/);
    expect(r.stdout).toMatch(/backward std first\/last: measured [0-9.e+-]+, predicted [0-9.e+-]+/);
  });
});
