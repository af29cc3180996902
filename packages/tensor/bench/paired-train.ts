/**
 * The convnet8x32 training step of our backend(s) and of PyTorch in alternating rounds, on the same
 * thread count. The main benchmark measures each contender once, minutes apart; on a shared 2-core
 * VM the load of the moment moves a multi-threaded rate by 10-30% between those minutes, more than
 * the differences being measured. Here every round measures each contender a few steps, back to
 * back (the order alternates between rounds), PyTorch in one persistent process, and the ratio is
 * taken within each round: its median over the rounds is the same-moment comparison.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type * as RT from '@rectifier/tensor';
import { TORCH_CONVNET8X32, TORCH_ENV, torchPython } from './pytorch.js';
import { benchTrainStep } from './train-step.js';
import { TRAIN } from './workloads.js';

const SCRIPT = `
import json, statistics, sys, time
import torch
import torch.nn.functional as F
cfg = json.loads(sys.argv[1])
torch.set_num_threads(cfg["threads"])
torch.manual_seed(0)
${TORCH_CONVNET8X32}
step = convnet8x32_step(cfg)
print(json.dumps({"ready": torch.__version__}), flush=True)
for line in sys.stdin:
    req = json.loads(line)
    for _ in range(req["warmup"]):
        step()
    rates = []
    for _ in range(req["runs"]):
        t0 = time.perf_counter()
        step()
        rates.append(cfg["batch"] / (time.perf_counter() - t0))
    print(json.dumps({"median": statistics.median(rates)}), flush=True)
`;

/** PyTorch's step in a persistent process: `rate(warmup, runs)` answers a median images/s. */
async function startTorch(
  threads: number,
): Promise<{ rate(w: number, r: number): Promise<number>; close(): void }> {
  const python = torchPython();
  if (!python) throw new Error('not installed');
  const cfg = { threads, batch: TRAIN.batch, lr: TRAIN.lr };
  const child = spawn(python, ['-c', SCRIPT, JSON.stringify(cfg)], {
    env: { ...process.env, ...TORCH_ENV },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<Record<string, number | string>> => {
    const { value, done } = await lines.next();
    if (done) throw new Error(`pytorch exited (code ${child.exitCode})`);
    return JSON.parse(value);
  };
  await next(); // ready
  return {
    async rate(warmup, runs) {
      child.stdin.write(`${JSON.stringify({ warmup, runs })}\n`);
      return (await next()).median as number;
    },
    close: () => child.stdin.end(),
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const r3 = (x: number) => Math.round(x * 1000) / 1000;

/**
 * `rounds` rounds; in each, every backend and PyTorch run `warmup` + `runs` steps (images/s, median
 * of the runs). Ratios are each backend's rate over PyTorch's in the same round.
 */
export async function benchPairedTrainStep(
  rt: typeof RT,
  backends: Record<string, RT.Backend>,
  opts: { rounds: number; warmup: number; runs: number; threads: number },
): Promise<Record<string, unknown> | string> {
  let torch: Awaited<ReturnType<typeof startTorch>>;
  try {
    torch = await startTorch(opts.threads);
  } catch (e) {
    return (e as Error).message === 'not installed' ? 'not installed' : `failed: ${(e as Error).message}`;
  }
  const names = Object.keys(backends);
  const rates: Record<string, number[]> = { pytorch: [] };
  for (const n of names) rates[n] = [];
  try {
    for (let round = 0; round < opts.rounds; round++) {
      const order = round % 2 === 0 ? [...names, 'pytorch'] : ['pytorch', ...names];
      for (const who of order) {
        const rate =
          who === 'pytorch'
            ? await torch.rate(opts.warmup, opts.runs)
            : (await benchTrainStep(rt, backends[who], { warmup: opts.warmup, runs: opts.runs })).median;
        rates[who].push(r3(rate));
      }
      console.error(`  paired round ${round + 1}: ${order.map((w) => `${w} ${rates[w][round]}`).join(', ')}`);
    }
  } finally {
    torch.close();
  }
  const ratios: Record<string, { perRound: number[]; median: number }> = {};
  for (const n of names) {
    const perRound = rates[n].map((r, i) => r3(r / rates.pytorch[i]));
    ratios[n] = { perRound, median: r3(median(perRound)) };
  }
  return {
    workload: `convnet8x32 training step, batch ${TRAIN.batch}, images/s`,
    threads: opts.threads,
    rounds: opts.rounds,
    stepsPerRound: { warmup: opts.warmup, runs: opts.runs },
    order: 'alternating: ours then PyTorch in even rounds, PyTorch first in odd ones',
    rates,
    ratioVsPytorch: ratios,
  };
}
