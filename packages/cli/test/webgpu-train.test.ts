// Model A through `rectifier train` on WebGPU (Dawn + SwiftShader, no GPU needed) against the WASM
// backend, with a run killed with SIGKILL after its first checkpoint and resumed: the WebGPU losses
// of steps 1 (before the kill) and 2-3 (after the resume) must match an uninterrupted WASM run.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateImageNetLike } from '@rectifier/imagenet/node';
import { testWebGPU } from '@rectifier/tensor/testing/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleCliFromSources, removeBundle } from './bundle-cli';
import { cli } from './helpers';

const savedEnv = { ...process.env };
// An adapter in this process (Dawn on SwiftShader without a GPU; it also sets VK_ICD_FILENAMES and a
// private XDG_RUNTIME_DIR, which the spawned CLI inherits): none skips visibly, or fails with CI set.
const { reason: noGpu } = await testWebGPU();
const work = mkdtempSync(join(tmpdir(), 'rcli-webgpu-'));
const data = join(work, 'imagenet');
let bin = '';

/** Model A at 64x64, 1/32 of the paper's widths, batch 2, the paper's recipe otherwise. */
const args = (backend: string, out: string, ...more: string[]) => [
  'train',
  '--model',
  'A',
  '--data',
  data,
  '--input-size',
  '64',
  '--width',
  '0.03125',
  '--batch-size',
  '2',
  '--max-steps',
  '3',
  '--checkpoint-every',
  '1',
  '--backend',
  backend,
  '--out',
  out,
  ...more,
];

/** The last logged loss of each step (a killed and resumed run logs some steps twice). */
function losses(out: string): Map<number, number> {
  const m = new Map<number, number>();
  for (const line of readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n')) {
    const r = JSON.parse(line) as { type: string; step: number; loss: number };
    if (r.type === 'step') m.set(r.step, r.loss);
  }
  return m;
}

/** Runs the CLI binary and SIGKILLs it once `ready()` holds; resolves to how it ended. */
function runUntil(argv: string[], ready: () => boolean): Promise<{ killed: boolean; stderr: string }> {
  return new Promise((done, fail) => {
    const child: ChildProcess = spawn(process.execPath, [bin, ...argv], {
      env: process.env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (d) => {
      stderr += String(d);
    });
    const poll = setInterval(() => {
      if (ready()) child.kill('SIGKILL');
    }, 25);
    child.on('error', fail);
    child.on('exit', (_code, signal) => {
      clearInterval(poll);
      done({ killed: signal === 'SIGKILL', stderr });
    });
  });
}

describe.skipIf(!!noGpu)('rectifier train --model A on WebGPU (SwiftShader)', () => {
  beforeAll(async () => {
    // decode in the main thread: the loader's worker script exists only in imagenet's build
    process.env.RECTIFIER_LOADER_WORKERS = '0';
    [bin] = await Promise.all([
      bundleCliFromSources('rcli-webgpu-', ['sharp', 'onnxruntime-node', 'webgpu']),
      generateImageNetLike(data, { classes: 3, trainPerClass: 4, valPerClass: 1, size: 80, seed: 1 }),
    ]);
  }, 180_000);

  afterAll(() => {
    process.env = savedEnv;
    removeBundle(bin);
    rmSync(work, { recursive: true, force: true });
  });

  it('trains 3 steps with the losses of the WASM backend (1e-3 relative), across a kill -9 and --resume', async () => {
    const wasmOut = join(work, 'wasm');
    const w = await cli(...args('wasm', wasmOut));
    expect(w.code, w.stderr).toBe(0);
    expect(w.stdout).toMatch(/^backend: wasm .*\[asked for wasm\]$/m);
    expect(w.stdout).toMatch(
      /^epoch 1 throughput: train [\d.]+ img\/s; loader [\d.]+ img\/s \([\d.]+ per core x 1 workers; /m,
    );

    // A WebGPU run killed after its first checkpoint...
    const gpuOut = join(work, 'webgpu');
    const metrics = join(gpuOut, 'metrics.jsonl');
    // the checkpoint record is logged once the step-1 checkpoint file is complete
    const saved = () =>
      existsSync(metrics) && /"type":"checkpoint","step":1,/.test(readFileSync(metrics, 'utf8'));
    const killed = await runUntil(args('webgpu', gpuOut), saved);
    expect(killed.killed, `the run ended before it could be killed: ${killed.stderr}`).toBe(true);
    const before = losses(gpuOut);
    expect(before.has(1)).toBe(true);

    // ...resumes from it and finishes on WebGPU.
    const r = await cli(...args('webgpu', gpuOut, '--resume'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^backend: webgpu \(.*software renderer\) \[asked for webgpu\]$/m);
    expect(r.stdout).toMatch(
      /^adapter: .*; limits: maxBufferSize \d+ MiB, maxStorageBufferBindingSize \d+ MiB/m,
    );
    expect(r.stdout).toMatch(/GPU memory [\d.]+ MiB in use, [\d.]+ MiB peak$/m);
    const gpu = losses(gpuOut);
    const cpu = losses(wasmOut);
    expect([...cpu.keys()]).toEqual([1, 2, 3]);
    for (const step of [1, 2, 3]) {
      const a = gpu.get(step) as number;
      const b = cpu.get(step) as number;
      expect(Math.abs(a - b) / Math.abs(b), `step ${step}: webgpu ${a}, wasm ${b}`).toBeLessThan(1e-3);
    }
    const records = readFileSync(join(gpuOut, 'metrics.jsonl'), 'utf8');
    expect(records).toMatch(/"type":"resume"/);
    const tp = records
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((x) => x.type === 'throughput');
    expect(tp.at(-1)).toMatchObject({
      backend: expect.stringMatching(/^webgpu/),
      adapter: { software: true, limits: { maxComputeInvocationsPerWorkgroup: 256 } },
      loaderWorkers: 1,
    });
    expect(tp.at(-1).gpuMemoryPeakBytes).toBeGreaterThan(0);
  }, 900_000);
});
