// `rectifier export --triton` and `rectifier serve`: a checkpoint trained here is written as a Triton
// model repository, the binary serves that directory over the Open Inference Protocol (run as a child
// process, so SIGTERM is a real signal), answers an image, drains a request in flight on SIGTERM and
// exits 0. Loopback only.
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleCliFromSources, removeBundle } from './bundle-cli';
import { cli, tinyIdxDir } from './helpers';

let bin = '';

/**
 * The CLI bundled from its sources, except @rectifier/serve, which resolves to its built package so
 * that its worker thread script (dist/worker.js) is found next to it.
 */
beforeAll(async () => {
  bin = await bundleCliFromSources('rcli-serve-', ['sharp', 'onnxruntime-node', '@rectifier/serve']);
});

afterAll(() => removeBundle(bin));

/** Starts `rectifier serve ...`; resolves once it prints its URL. */
async function serve(...args: string[]): Promise<{ child: ChildProcess; url: string; out: string[] }> {
  const child = spawn(process.execPath, [bin, 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const out: string[] = [];
  let err = '';
  child.stderr!.on('data', (d) => {
    err += d;
  });
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`serve did not start in 60 s: ${err}`)), 60_000);
    child.once('exit', (code) => rej(new Error(`serve exited with ${code}: ${err}`)));
    lines.on('line', (l) => {
      out.push(l);
      const m = / at (http:\/\/[^:]+:\d+)/.exec(l);
      if (m) {
        clearTimeout(timer);
        res(m[1]);
      }
    });
  });
  return { child, url, out };
}

describe('rectifier export --triton and rectifier serve', () => {
  it('exports a Triton repository, serves it, and drains on SIGTERM', async () => {
    const data = await tinyIdxDir(32, 8);
    const out = join(await mkdtemp(join(tmpdir(), 'rcli-serve-')), 'run');
    const t = await cli(
      'train',
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
      '--epochs',
      '1',
    );
    expect(t.code, t.stderr).toBe(0);
    const ckpt = join(
      out,
      'checkpoints',
      readdirSync(join(out, 'checkpoints')).filter((f) => f.endsWith('.safetensors'))[0],
    );

    const both = await cli('export', ckpt);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/give one of --out <model.onnx> or --triton <repository>/);

    const repo = join(out, 'repo');
    const ex = await cli('export', ckpt, '--triton', repo, '--name', 'fmnist', '--max-batch-size', '8');
    expect(ex.code, ex.stderr).toBe(0);
    expect(ex.stdout).toMatch(/wrote Triton model .*fmnist: config.pbtxt, 1\/model.onnx/);
    const config = readFileSync(join(repo, 'fmnist', 'config.pbtxt'), 'utf8');
    expect(config).toMatch(/^name: "fmnist"$/m);
    expect(config).toMatch(/^max_batch_size: 8$/m);
    expect(config).toMatch(
      /name: "input"\n\s+data_type: TYPE_FP32\n\s+format: FORMAT_NCHW\n\s+dims: \[ 1, 28, 28 \]/,
    );
    expect(config).toMatch(
      /name: "output"\n\s+data_type: TYPE_FP32\n\s+dims: \[ 10 \]\n\s+label_filename: "labels.txt"/,
    );
    expect(config).toMatch(/dynamic_batching \{\n\s+max_queue_delay_microseconds: 2000\n\}/);
    expect(readFileSync(join(repo, 'fmnist', 'labels.txt'), 'utf8').split('\n')[9]).toBe('Ankle boot');

    const help = await cli('serve', '--help');
    expect(help.stdout).toMatch(/^Usage: rectifier serve <model.onnx \| model-repository>/);
    const bad = await cli('serve', join(out, 'nothing-here'));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^rectifier serve: error: .*nothing-here does not exist\n$/);
    const badOpt = await cli('serve', repo, '--batch-window', 'soon');
    expect(badOpt.code).toBe(2);

    const s = await serve(repo, '--port', '0', '--batch-window', '400', '--workers', '1');
    try {
      expect(s.out[0]).toMatch(/serving 'fmnist' \(version 1\) .* max batch 8, window 400 ms/);
      const px = Buffer.alloc(28 * 28, 10);
      px.fill(250, 8 * 28, 9 * 28);
      const png = await sharp(px, { raw: { width: 28, height: 28, channels: 1 } })
        .png()
        .toBuffer();
      const c = await fetch(`${s.url}/v2/models/fmnist/classify?top=2`, {
        method: 'POST',
        body: png as BodyInit,
      });
      expect(c.status).toBe(200);
      const body = (await c.json()) as { classes: { label: string; probability: number }[] };
      expect(body.classes).toHaveLength(2);
      expect(readFileSync(join(repo, 'fmnist', 'labels.txt'), 'utf8')).toContain(body.classes[0].label);

      // A request waiting in the 400 ms batch window when SIGTERM arrives is still answered.
      const inFlight = fetch(`${s.url}/v2/models/fmnist/infer`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          inputs: [{ name: 'input', shape: [1, 1, 28, 28], datatype: 'FP32', data: new Array(784).fill(0) }],
        }),
      });
      await new Promise((r) => setTimeout(r, 150));
      const exited = new Promise<number | null>((r) => s.child.once('exit', r));
      s.child.kill('SIGTERM');
      expect((await inFlight).status).toBe(200);
      expect(await exited).toBe(0);
      expect(s.out.join('\n')).toMatch(
        /SIGTERM: finishing the requests in flight, refusing new ones\nstopped/,
      );
    } finally {
      s.child.kill('SIGKILL');
    }
  });
});
