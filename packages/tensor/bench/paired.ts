/**
 * The four kernels and the convnet8x32 training step of our backend(s) and of PyTorch in alternating
 * rounds, on the same thread count. The main benchmark measures each contender once, minutes apart;
 * on a shared 2-core VM the load of the moment moves a 2-thread rate by 10-30% between those
 * minutes, more than the differences being measured. Here every round measures each contender back
 * to back (the order alternates between rounds), PyTorch in one persistent process, and each ratio
 * is taken within a round: its median over the rounds is the same-moment comparison.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type * as RT from '@rectifier/tensor';
import type { Backend } from '../src/backend.js';
import { benchBackendKernels } from './backend-kernels.js';
import { TORCH_COMMON, TORCH_ENV, torchPython } from './pytorch.js';
import { median, round } from './timing.js';
import { benchTrainStep } from './train-step.js';
import { CONV, MATMUL_N, TRAIN } from './workloads.js';

const SCRIPT = `
import json, statistics, sys, time
import torch
import torch.nn.functional as F
import torch.nn.grad
cfg = json.loads(sys.argv[1])
torch.manual_seed(0)
${TORCH_COMMON}
torch.set_num_threads(cfg["threads"])
blas_threads(cfg["threads"])
kernels = torch_kernels(cfg)
step = convnet8x32_step(cfg)
print(json.dumps({"ready": torch.__version__}), flush=True)
for line in sys.stdin:
    req = json.loads(line)
    out = {}
    with torch.no_grad():
        for name, (fn, work) in kernels.items():
            out[name] = measure(fn, work, 1, req["runs"])["median"]
    out["trainStep"] = measure(step, cfg["batch"], req["trainWarmup"], req["runs"], "images/s")["median"]
    print(json.dumps(out), flush=True)
`;

type Rates = Record<string, number>;
interface Request {
  runs: number;
  trainWarmup: number;
}

/** PyTorch in a persistent process: each request measures the kernels and the training step. */
async function startTorch(threads: number): Promise<{ measure(r: Request): Promise<Rates>; close(): void }> {
  const python = torchPython();
  if (!python) throw new Error('not installed');
  const cfg = {
    threads,
    n: MATMUL_N,
    conv: [CONV.N, CONV.C, CONV.H, CONV.W, CONV.O],
    batch: TRAIN.batch,
    lr: TRAIN.lr,
  };
  const child = spawn(python, ['-c', SCRIPT, JSON.stringify(cfg)], {
    env: { ...process.env, ...TORCH_ENV },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<Rates> => {
    const { value, done } = await lines.next();
    if (done) throw new Error(`pytorch exited (code ${child.exitCode})`);
    return JSON.parse(value);
  };
  await next(); // ready
  return {
    async measure(r) {
      child.stdin.write(`${JSON.stringify(r)}\n`);
      return next();
    },
    close: () => child.stdin.end(),
  };
}

async function measureOurs(rt: typeof RT, backend: Backend, r: Request): Promise<Rates> {
  const k = await benchBackendKernels(backend, 1, r.runs);
  const step = await benchTrainStep(rt, backend, { warmup: r.trainWarmup, runs: r.runs });
  return {
    matmul: k.matmul.median,
    conv2dForward: k.conv2dForward.median,
    conv2dBackwardInput: k.conv2dBackwardInput.median,
    conv2dBackwardWeight: k.conv2dBackwardWeight.median,
    trainStep: step.median,
  };
}

/**
 * `rounds` rounds; in each, every backend and PyTorch measure the kernels (GFLOP/s) and the training
 * step (images/s), `runs` times each (median). Ratios are each backend's rate over PyTorch's in the
 * same round.
 */
export async function benchPaired(
  rt: typeof RT,
  backends: Record<string, Backend>,
  opts: { rounds: number; runs: number; trainWarmup: number; threads: number },
): Promise<Record<string, unknown> | string> {
  let torch: Awaited<ReturnType<typeof startTorch>>;
  try {
    torch = await startTorch(opts.threads);
  } catch (e) {
    return (e as Error).message === 'not installed' ? 'not installed' : `failed: ${(e as Error).message}`;
  }
  const names = Object.keys(backends);
  const rates: Record<string, Rates[]> = { pytorch: [] };
  for (const n of names) rates[n] = [];
  const req = { runs: opts.runs, trainWarmup: opts.trainWarmup };
  try {
    for (let round = 0; round < opts.rounds; round++) {
      const order = round % 2 === 0 ? [...names, 'pytorch'] : ['pytorch', ...names];
      for (const who of order)
        rates[who].push(
          who === 'pytorch' ? await torch.measure(req) : await measureOurs(rt, backends[who], req),
        );
      console.error(
        `  paired round ${round + 1}: ${order.map((w) => `${w} ${JSON.stringify(rates[w][round])}`).join(', ')}`,
      );
    }
  } finally {
    torch.close();
  }
  const metrics = Object.keys(rates.pytorch[0] ?? {});
  const ratioVsPytorch: Record<string, Record<string, { perRound: number[]; median: number }>> = {};
  for (const n of names) {
    ratioVsPytorch[n] = {};
    for (const m of metrics) {
      const perRound = rates[n].map((r, i) => round(r[m] / rates.pytorch[i][m]));
      ratioVsPytorch[n][m] = { perRound, median: round(median(perRound)) };
    }
  }
  return {
    workloads: 'the four kernels (GFLOP/s) and the convnet8x32 training step (images/s), as above',
    threads: opts.threads,
    rounds: opts.rounds,
    runsPerRound: opts.runs,
    order: 'alternating: ours then PyTorch in even rounds, PyTorch first in odd ones',
    rates,
    ratioVsPytorch,
  };
}
