#!/usr/bin/env node
// npm run bench: HTTP serving throughput and latency of `rectifier serve` on 127.0.0.1, driven by
// autocannon at concurrency 1, 8 and 32 (one sample per request, so the server's dynamic batcher
// forms the batches), next to onnxruntime-node called in-process on batches of the same sizes (the
// ceiling: no HTTP, no batching delay). Prints JSON.
// Models: the quickstart's architecture (10 conv layers 16/32/64, channel-wise PReLU, 1x28x28 -> 10)
// and the paper's model A at a reduced width and input (BENCH_A_WIDTH, default 0.25; BENCH_A_INPUT,
// default 112, the smallest its SPP level 7 takes), both random-initialised and exported with @rectifier/onnx.
// Uses the built package (dist/): run `npm run build` first (turbo's bench task does).
// Options (env): BENCH_SECONDS per point (default 3), BENCH_WORKERS (default 1), BENCH_THREADS per
// worker and for the in-process session (default: all cores), BENCH_WINDOW_MS (default 2),
// BENCH_JSON=1 to also measure JSON tensors (default: the binary tensor extension only),
// BENCH_MODELS=quickstart,model_a to pick models.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  AdaptiveAvgPool2d,
  Conv2d,
  Flatten,
  Linear,
  MaxPool2d,
  modelA,
  PReLU,
  Sequential,
} from '@rectifier/nn';
import { exportOnnx } from '@rectifier/onnx';
import { Generator } from '@rectifier/tensor';
import autocannon from 'autocannon';
import * as ort from 'onnxruntime-node';

const seconds = Number(process.env.BENCH_SECONDS ?? 3);
const workers = Number(process.env.BENCH_WORKERS ?? 1);
/**
 * Where the load generator runs. 'split' (the default with 2 or more cores): autocannon on core 0,
 * the server and the in-process ceiling on the other cores, pinned with taskset, so that both sides
 * of the ratio get the same CPUs and the load generator takes none of them (as a load generator on
 * another machine would not). 'shared': everything on every core, the load generator competing with
 * the server but not with the ceiling.
 */
const cpuMode = process.env.BENCH_CPUS ?? (availableParallelism() >= 2 ? 'split' : 'shared');
if (cpuMode !== 'split' && cpuMode !== 'shared')
  throw new Error(`bench: BENCH_CPUS must be split or shared, got ${cpuMode}`);
const cores = availableParallelism();
const loadCpus = '0';
const serverCpus = cores > 2 ? `1-${cores - 1}` : '1';
const threads = Number(process.env.BENCH_THREADS ?? (cpuMode === 'split' ? cores - 1 : cores));

/** Pins every thread of process `pid` to `cpus` (a taskset list). */
function pin(pid, cpus) {
  try {
    execFileSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' });
  } catch (e) {
    throw new Error(`bench: taskset could not pin the benchmark (${e.message}); run with BENCH_CPUS=shared`);
  }
}
const windowMs = Number(process.env.BENCH_WINDOW_MS ?? 2);
const aWidth = Number(process.env.BENCH_A_WIDTH ?? 0.25);
const aInput = Number(process.env.BENCH_A_INPUT ?? 112);
const withJson = process.env.BENCH_JSON === '1';
const only = process.env.BENCH_MODELS?.split(',');
const concurrencies = [1, 8, 32];
const here = fileURLToPath(new URL('.', import.meta.url));

/** The quickstart's quicknet at width 1: 2 x 16, 4 x 32, 4 x 64 3x3 convs, PReLU, max pools, GAP, fc. */
function quicknet() {
  const layers = {};
  let ch = 1;
  let g = 1;
  [
    [2, 16],
    [4, 32],
    [4, 64],
  ].forEach(([n, width], s) => {
    for (let i = 1; i <= n; i++) {
      layers[`conv${s + 1}_${i}`] = new Conv2d({
        inChannels: ch,
        outChannels: width,
        kernelSize: 3,
        padding: 1,
        generator: new Generator(g++),
      });
      layers[`prelu${s + 1}_${i}`] = new PReLU({ numParameters: width, init: 0.25 });
      ch = width;
    }
    if (s < 2) layers[`pool${s + 1}`] = new MaxPool2d({ kernelSize: 2 });
  });
  layers.gap = new AdaptiveAvgPool2d({ outputSize: 1 });
  layers.flatten = new Flatten();
  layers.fc = new Linear({ inFeatures: ch, outFeatures: 10, generator: new Generator(g) });
  return new Sequential(layers).eval();
}

const models = [
  { name: 'quickstart', shape: [1, 28, 28], make: quicknet },
  {
    name: 'model_a',
    shape: [3, aInput, aInput],
    make: () => modelA({ width: aWidth, inputSize: aInput, numClasses: 1000, seed: 1 }).eval(),
  },
];

const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

/**
 * onnxruntime-node in this process: batches of `batch` back to back for `seconds`, with onnxruntime's
 * default thread spinning and without it (the server's setting); the faster is the ceiling.
 */
async function inProcess(bytes, shape, batch) {
  const spinning = await inProcessRun(bytes, shape, batch, true);
  const noSpinning = await inProcessRun(bytes, shape, batch, false);
  const best = spinning.samplesPerSec >= noSpinning.samplesPerSec ? spinning : noSpinning;
  return { ...best, spinning, noSpinning };
}

async function inProcessRun(bytes, shape, batch, spin) {
  const session = await ort.InferenceSession.create(bytes, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    ...(spin ? {} : { extra: { session: { intra_op: { allow_spinning: '0' } } } }),
  });
  const x = new ort.Tensor('float32', new Float32Array(batch * shape.reduce((a, b) => a * b, 1)).fill(0.1), [
    batch,
    ...shape,
  ]);
  for (let i = 0; i < 3; i++) await session.run({ input: x });
  const times = [];
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    const t = performance.now();
    await session.run({ input: x });
    times.push(performance.now() - t);
  }
  const elapsed = (performance.now() - t0) / 1000;
  await session.release();
  return {
    samplesPerSec: (times.length * batch) / elapsed,
    spinning: spin,
    batchMs: { p50: percentile(times, 50), p99: percentile(times, 99) },
  };
}

async function startServerProcess(path) {
  const argv = [join(here, 'server.mjs'), path, String(workers), String(threads), String(windowMs)];
  const child = spawn(
    cpuMode === 'split' ? 'taskset' : process.execPath,
    cpuMode === 'split' ? ['-c', serverCpus, process.execPath, ...argv] : argv,
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const line = await new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`server exited with code ${code}`)));
    createInterface({ input: child.stdout }).once('line', resolve);
  });
  return { child, ...JSON.parse(line) };
}

function requestBody(shape, binary) {
  const n = shape.reduce((a, b) => a * b, 1);
  const x = new Float32Array(n).fill(0.1);
  if (!binary)
    return {
      body: JSON.stringify({
        inputs: [{ name: 'input', shape: [1, ...shape], datatype: 'FP32', data: Array.from(x) }],
      }),
      headers: { 'content-type': 'application/json' },
    };
  const head = Buffer.from(
    JSON.stringify({
      inputs: [
        {
          name: 'input',
          shape: [1, ...shape],
          datatype: 'FP32',
          parameters: { binary_data_size: x.byteLength },
        },
      ],
      outputs: [{ name: 'output', parameters: { binary_data: true } }],
    }),
  );
  return {
    body: Buffer.concat([head, Buffer.from(x.buffer)]),
    headers: {
      'content-type': 'application/octet-stream',
      'inference-header-content-length': String(head.length),
    },
  };
}

async function load(url, name, connections, req) {
  const r = await autocannon({
    url: `${url}/v2/models/${name}/infer`,
    method: 'POST',
    headers: req.headers,
    body: req.body,
    connections,
    duration: seconds,
  });
  return {
    requestsPerSec: r.requests.total / seconds,
    latencyMs: { p50: r.latency.p50, p99: r.latency.p99 },
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
  };
}

const dir = await mkdtemp(join(tmpdir(), 'rectifier-serve-bench-'));
const results = [];
try {
  for (const m of models.filter((x) => !only || only.includes(x.name))) {
    const bytes = exportOnnx(m.make(), { inputShape: [1, ...m.shape], dynamicBatch: true });
    const path = join(dir, `${m.name}.onnx`);
    await writeFile(path, bytes);
    const ceiling = {};
    // The ceiling on the server's cores; the load generator (this process again) on its own.
    if (cpuMode === 'split') pin(process.pid, serverCpus);
    for (const c of concurrencies) ceiling[c] = await inProcess(bytes, m.shape, c);
    if (cpuMode === 'split') pin(process.pid, loadCpus);
    const server = await startServerProcess(path);
    try {
      for (const binary of withJson ? [true, false] : [true]) {
        const req = requestBody(m.shape, binary);
        await load(server.url, m.name, 8, { ...req }); // warm-up
        for (const c of concurrencies) {
          const s = await load(server.url, m.name, c, req);
          results.push({
            model: m.name,
            input: [1, ...m.shape],
            tensors: binary ? 'binary' : 'json',
            concurrency: c,
            server: s,
            inProcess: ceiling[c],
            throughputRatio: s.requestsPerSec / ceiling[c].samplesPerSec,
            p99OverP50: s.latencyMs.p99 / s.latencyMs.p50,
          });
          process.stderr.write(
            `${m.name} ${binary ? 'binary' : 'json'} c=${c}: ${s.requestsPerSec.toFixed(0)} req/s (in-process batch ${c}: ${ceiling[c].samplesPerSec.toFixed(0)}/s), p50 ${s.latencyMs.p50} ms, p99 ${s.latencyMs.p99} ms\n`,
          );
        }
      }
    } finally {
      server.child.kill('SIGTERM');
      await new Promise((r) => server.child.once('exit', r));
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
console.log(
  JSON.stringify(
    {
      benchmark: '@rectifier/serve: Open Inference Protocol over HTTP vs onnxruntime-node in-process',
      machine: {
        cpu: cpus()[0]?.model,
        cores: availableParallelism(),
        loadavg: loadavg(),
        node: process.version,
      },
      settings: {
        seconds,
        cpus:
          cpuMode === 'split'
            ? { mode: 'split', loadGenerator: loadCpus, serverAndCeiling: serverCpus }
            : { mode: 'shared' },
        workers,
        threadsPerWorker: threads,
        batchWindowMs: windowMs,
        modelA: { width: aWidth, input: aInput },
      },
      results,
    },
    null,
    2,
  ),
);
