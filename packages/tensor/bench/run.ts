/**
 * Benchmark runner for @rectifier/tensor (`npm run bench -- [flags]`, see README.md). Progress goes
 * to stderr; the result is one JSON object on stdout (and in --out FILE).
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import type { Backend } from '../src/backend.js';
import { parseArgs } from './args.js';
import { benchBackendKernels, type KernelResults } from './backend-kernels.js';
import { benchDirectKernels } from './direct-kernels.js';
import { benchModel14Step } from './model14-step.js';
import { benchPaired } from './paired.js';
import { benchPytorch } from './pytorch.js';
import { benchTfjs, type TfjsResults } from './tfjs.js';
import type { Sample } from './timing.js';
import { benchTrainStep } from './train-step.js';
import { DESCRIPTIONS } from './workloads.js';

const args = parseArgs(process.argv.slice(2));
const started = Date.now();
const rt = await import('@rectifier/tensor');
const coreMissing = '__missing' in rt;

/** The backend to measure, or the reason it is unavailable. */
async function loadBackend(): Promise<Backend | string> {
  if (coreMissing) return 'the tensor core (src/index.ts) does not exist yet';
  if (args.backend === 'cpu') return rt.cpuBackend as Backend;
  if (args.backend === 'native') {
    const native = await import('@rectifier/tensor-native');
    try {
      return (await native.createNativeBackend(
        args.threads === null ? {} : { threads: args.threads },
      )) as Backend;
    } catch (e) {
      return `--backend native: ${(e as Error).message}`;
    }
  }
  const wasm: Record<string, unknown> = await import('@rectifier/tensor/wasm');
  if ('__missing' in wasm || typeof wasm.createWasmBackend !== 'function') {
    return '--backend wasm: the WASM backend is not available yet (@rectifier/tensor/wasm exporting createWasmBackend() from src/wasm/index.ts, src/wasm.ts or src/backends/wasm/index.ts)';
  }
  const create = wasm.createWasmBackend as (o?: object) => Promise<Backend>;
  return create(args.threads === null ? {} : { threads: args.threads });
}

async function createWasm(threads: number): Promise<Backend> {
  const wasm = await import('@rectifier/tensor/wasm');
  return wasm.createWasmBackend({ threads }) as Promise<Backend>;
}

const backend = await loadBackend();
if (typeof backend === 'string' && args.backend !== 'cpu') {
  console.error(`bench: ${backend}`);
  process.exit(2);
}
const backendName = typeof backend === 'string' ? args.backend : backend.name;
const threads =
  typeof backend === 'string'
    ? 1
    : Number((backend as unknown as { threads?: number }).threads ?? args.threads ?? 1);
console.error(`bench: backend ${backendName}, ${threads} thread(s), node ${process.version}`);

const result: Record<string, unknown> = {
  date: new Date().toISOString(),
  command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
  node: process.version,
  platform: `${process.platform} ${process.arch}`,
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  backend: backendName,
  threads,
  dtype: 'float32',
  warmup: args.warmup,
  runs: args.runs,
  statistic: 'median over timed runs after warm-up; min/max and every run included',
  workloads: DESCRIPTIONS,
  // The OpenMP wait policy the PyTorch peer inherits (the native backend uses passive unless this is set).
  ompWaitPolicy: process.env.OMP_WAIT_POLICY ?? 'unset (libgomp default: spin, then sleep)',
};

let ours: KernelResults | string;
if (typeof backend === 'string') {
  ours = `not measured: ${backend}`;
} else {
  console.error('rectifier kernels through the Backend interface:');
  ours = await benchBackendKernels(backend, args.warmup, args.runs);
}
result.rectifier = { kernels: ours };
if (args.backend === 'cpu') {
  console.error('raw JS kernels (no Backend wrapper, preallocated outputs):');
  result.rectifierRawKernels = await benchDirectKernels(args.warmup, args.runs);
}
if (!args.train) {
  (result.rectifier as Record<string, unknown>).trainStep = 'skipped (--no-train)';
} else if (typeof backend === 'string') {
  (result.rectifier as Record<string, unknown>).trainStep = `not measured: ${backend}`;
} else {
  console.error('training step:');
  (result.rectifier as Record<string, unknown>).trainStep = await benchTrainStep(rt as never, backend, {
    warmup: args.trainWarmup,
    runs: args.trainRuns,
  });
  if (args.model14)
    (result.rectifier as Record<string, unknown>).model14Step = await benchModel14Step(rt as never, backend, {
      warmup: args.trainWarmup,
      runs: args.trainRuns,
    });
}

/** Kernels and training step of another backend in this run (for --backend native's comparisons). */
async function measureAlso(label: string, b: Backend): Promise<Record<string, unknown>> {
  console.error(`${label}:`);
  const kernels = await benchBackendKernels(b, args.warmup, args.runs);
  const steps = { warmup: args.trainWarmup, runs: args.trainRuns };
  const trainStep = args.train ? await benchTrainStep(rt as never, b, steps) : 'skipped (--no-train)';
  const model14Step = args.train && args.model14 ? await benchModel14Step(rt as never, b, steps) : 'skipped';
  (b as { close?: () => void }).close?.();
  return { backend: b.name, threads: (b as { threads?: number }).threads, kernels, trainStep, model14Step };
}
if (args.backend === 'native' && args.compare && typeof backend !== 'string') {
  // The table: WASM at the same thread count, and native's thread scaling (1 thread).
  const native = await import('@rectifier/tensor-native');
  const compare: Record<string, unknown> = {
    wasm: await measureAlso(`wasm, ${threads} thread(s)`, await createWasm(threads)),
  };
  if (threads !== 1)
    compare.native1Thread = await measureAlso(
      'native, 1 thread',
      (await native.createNativeBackend({ threads: 1 })) as Backend,
    );
  // Without blocked activations: every convolution reorders from and to NCHW, as PyTorch's eager
  // mode does; its kernel rows are the like-for-like ones against PyTorch's (whose outputs are NCHW).
  compare.nativePlainLayouts = await measureAlso(
    `native, ${threads} thread(s), blockedLayouts: false`,
    (await native.createNativeBackend({ threads, blockedLayouts: false })) as Backend,
  );
  result.compare = compare;
}

if (args.peers && args.pairedRounds > 0 && typeof backend !== 'string') {
  console.error(`kernels and training step in paired rounds with PyTorch (${threads} thread(s)):`);
  const contenders: Record<string, Backend> = { [backendName]: backend };
  if (args.backend === 'native') {
    const native = await import('@rectifier/tensor-native');
    contenders.nativePlainLayouts = (await native.createNativeBackend({
      threads,
      blockedLayouts: false,
    })) as Backend;
  }
  result.paired = await benchPaired(rt as never, contenders, {
    rounds: args.pairedRounds,
    runs: args.trainRuns,
    trainWarmup: args.trainWarmup,
    threads,
  });
}

if (args.peers) {
  console.error('peers:');
  const tfjs: TfjsResults | string = await benchTfjs({
    warmup: 1,
    runs: Math.min(args.runs, 3),
    slow: args.peersSlow,
    trainBatch: args.tfjsTrainBatch,
    trainRuns: 1,
  }).catch((e: Error) => `failed: ${e.message}`);
  const pytorch = benchPytorch({
    warmup: args.warmup,
    runs: args.runs,
    trainRuns: args.trainRuns,
    trainWarmup: args.trainWarmup,
    model14: args.train && args.model14,
  });
  result.peers = { tfjsCpu: tfjs, pytorch };
  const ourTrain = (result.rectifier as { trainStep?: Sample }).trainStep;
  const ourModel14 = (result.rectifier as { model14Step?: Sample }).model14Step;
  const torchAll = pytorch as { allCores?: Record<string, Sample> & { threads: number } };
  if (typeof pytorch !== 'string' && torchAll.allCores && typeof ours !== 'string') {
    // Same workloads, same machine, same run: PyTorch with all cores against this backend's thread count.
    const r = (a: number, b: number) => Math.round((a / b) * 1000) / 1000;
    result.ratiosVsPytorchAllCores = {
      note: `rectifier ${backendName} (${threads} thread(s)) median / PyTorch (${torchAll.allCores.threads} threads) median`,
      matmul: r(ours.matmul.median, torchAll.allCores.matmul.median),
      conv2dForward: r(ours.conv2dForward.median, torchAll.allCores.conv2dForward.median),
      conv2dBackwardInput: r(ours.conv2dBackwardInput.median, torchAll.allCores.conv2dBackwardInput.median),
      conv2dBackwardWeight: r(
        ours.conv2dBackwardWeight.median,
        torchAll.allCores.conv2dBackwardWeight.median,
      ),
      ...(ourTrain ? { trainStep: r(ourTrain.median, torchAll.allCores.trainStep.median) } : {}),
      ...(ourModel14 && torchAll.allCores.model14Step
        ? { model14Step: r(ourModel14.median, torchAll.allCores.model14Step.median) }
        : {}),
    };
    console.error(`ratio to PyTorch (all cores): ${JSON.stringify(result.ratiosVsPytorchAllCores)}`);
  }
  if (typeof tfjs !== 'string' && typeof ours !== 'string') {
    const train = (result.rectifier as { trainStep?: unknown }).trainStep;
    const trainRatio =
      typeof tfjs.trainStep !== 'string' && typeof train === 'object' && train !== null
        ? {
            trainStepVsTfjsCpu: Math.round(((train as Sample).median / tfjs.trainStep.median) * 10) / 10,
            trainStepNote: `images/s ratio; TF.js ran at batch ${tfjs.trainStep.batch}, ours at batch 64`,
          }
        : {};
    result.ratios = {
      note: 'rectifier median / peer median (same machine, same run)',
      matmulVsTfjsCpu: Math.round((ours.matmul.median / tfjs.matmul.median) * 100) / 100,
      conv2dForwardVsTfjsCpu: Math.round((ours.conv2dForward.median / tfjs.conv2dForward.median) * 100) / 100,
      matmulVsTfjsCpuPerCpuSecond: Math.round((ours.matmul.cpuMedian / tfjs.matmul.cpuMedian) * 100) / 100,
      conv2dForwardVsTfjsCpuPerCpuSecond:
        Math.round((ours.conv2dForward.cpuMedian / tfjs.conv2dForward.cpuMedian) * 100) / 100,
      ...trainRatio,
    };
  }
} else {
  result.peers = 'skipped (--no-peers)';
}
// The WASM backend owns worker threads; stop them (they are unref'd, but be tidy).
if (typeof backend !== 'string') (backend as { close?: () => void }).close?.();
result.seconds = Math.round((Date.now() - started) / 100) / 10;

const json = JSON.stringify(result, null, 2);
console.log(json);
if (args.out) {
  writeFileSync(args.out, `${json}\n`);
  console.error(`bench: wrote ${args.out}`);
}
