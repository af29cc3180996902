/**
 * Benchmark of the WASM kernels (`npm run bench:wasm -- [flags]`, see README.md): matmul 1024^3 and
 * the conv2d workload (forward and both backward passes) for each SIMD flavour the runtime has and
 * each thread count, through the typed-array kernel API (operands copied into the kernel memory and
 * results copied out on every call, as the backend does), next to onnxruntime-web (wasm) and, when
 * `import torch` works, PyTorch. Prints one JSON object on stdout; progress on stderr.
 *
 * Flags: --threads 1,2 (default: 1 and the default thread count), --runs N (5), --warmup N (2),
 * --no-ort, --out FILE. Internal: --ort-child N (one ORT measurement in a child process).
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { hasRelaxedSimd } from '../src/backends/wasm/features.js';
import { WasmKernels } from '../src/backends/wasm/kernels.js';
import { createWasmRuntime, type SimdFlavour } from '../src/backends/wasm/runtime.js';
import { benchPytorch } from './pytorch.js';
import { measure, type Sample } from './timing.js';
import { benchOrt, type OrtResults } from './wasm-onnx.js';
import { CONV, CONV_FLOP, MATMUL_FLOP, MATMUL_N, randomF32 } from './workloads.js';

const argv = process.argv.slice(2);
const flag = (name: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const runs = Number(flag('--runs') ?? 5);
const warmup = Number(flag('--warmup') ?? 2);
const defaultThreads = Math.min(8, availableParallelism());

if (flag('--ort-child') !== undefined) {
  console.log(JSON.stringify(await benchOrt(Number(flag('--ort-child')), warmup, runs)));
  process.exit(0);
}

const threadCounts = (flag('--threads') ?? [...new Set([1, defaultThreads])].join(','))
  .split(',')
  .map(Number);
const flavours: SimdFlavour[] = hasRelaxedSimd() ? ['simd', 'relaxed'] : ['simd'];
const load = () => loadavg().map((v) => Math.round(v * 100) / 100);
const result: Record<string, unknown> = {
  date: new Date().toISOString(),
  command: `npm run bench:wasm -- ${argv.join(' ')}`.trim(),
  node: process.version,
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  loadAverageBefore: load(),
  relaxedSimd: hasRelaxedSimd()
    ? 'available'
    : 'not validated by this runtime (Node 20 needs --experimental-wasm-relaxed-simd)',
  statistic: `median of ${runs} timed runs after ${warmup} warm-up runs`,
};

interface Row {
  simd: SimdFlavour;
  threads: number;
  matmul: Sample;
  conv2dForward: Sample;
  conv2dBackwardInput: Sample;
  conv2dBackwardWeight: Sample;
}
const rows: Row[] = [];
const n = MATMUL_N,
  g = CONV;
const a = randomF32(n * n, 1),
  b = randomF32(n * n, 2),
  c = new Float32Array(n * n);
const x = randomF32(g.N * g.C * g.H * g.W, 3),
  w = randomF32(g.O * g.C * 9, 4),
  dy = randomF32(g.N * g.O * g.OH * g.OW, 5);
const y = new Float32Array(dy.length),
  dx = new Float32Array(x.length),
  dw = new Float32Array(w.length);
for (const simd of flavours) {
  for (const threads of threadCounts) {
    const rt = await createWasmRuntime(threads, simd);
    const k = new WasmKernels(rt);
    const tag = `${simd} ${rt.threads}t`;
    const opts = (work: number, label: string) => ({
      warmup,
      runs,
      work: work / 1e9,
      unit: 'GFLOP/s',
      label: `${label} ${tag}`,
    });
    rows.push({
      simd,
      threads: rt.threads,
      matmul: await measure(
        () => k.gemm(n, n, n, a, 0, n, 1, b, 0, n, 1, c, 0, n, 0),
        opts(MATMUL_FLOP, 'matmul'),
      ),
      conv2dForward: await measure(() => k.conv2dForward(x, w, y, g), opts(CONV_FLOP, 'conv2d forward')),
      conv2dBackwardInput: await measure(
        () => k.conv2dBackwardInput(dy, w, dx, g),
        opts(CONV_FLOP, 'conv2d backward input'),
      ),
      conv2dBackwardWeight: await measure(
        () => k.conv2dBackwardWeight(x, dy, dw, g),
        opts(CONV_FLOP, 'conv2d backward weight'),
      ),
    });
    rt.dispose();
  }
}
result.wasm = rows;

const peers: Record<string, unknown> = {};
if (!argv.includes('--no-ort')) {
  const ort: (OrtResults | string)[] = [];
  for (const t of threadCounts) {
    const child = spawnSync(
      process.execPath,
      [process.argv[1], '--ort-child', String(t), '--runs', String(runs), '--warmup', String(warmup)],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    ort.push(child.status === 0 ? (JSON.parse(child.stdout) as OrtResults) : `failed (exit ${child.status})`);
  }
  peers.onnxruntimeWeb = ort;
  const ratios: Record<string, number> = {};
  for (const o of ort) {
    if (typeof o === 'string') continue;
    const ours = rows.find((r) => r.threads === o.threads && r.simd === 'simd');
    if (!ours) continue;
    const r2 = (x: number, y: number) => Math.round((x / y) * 100) / 100;
    ratios[`matmul ${o.threads}t`] = r2(ours.matmul.median, o.matmul.median);
    ratios[`conv2dForward ${o.threads}t`] = r2(ours.conv2dForward.median, o.conv2dForward.median);
    // Rates per CPU-second are far less sensitive to other processes on a shared machine.
    const cpu = (x: Sample) => (x as Sample & { cpuMedian?: number }).cpuMedian ?? Number.NaN;
    ratios[`matmul ${o.threads}t per CPU-second`] = r2(cpu(ours.matmul), cpu(o.matmul));
    ratios[`conv2dForward ${o.threads}t per CPU-second`] = r2(cpu(ours.conv2dForward), cpu(o.conv2dForward));
  }
  peers.ratioToOnnxruntimeWeb = { note: 'ours (simd flavour) / ORT-web, same thread count', ...ratios };
}
const torch = benchPytorch({ warmup, runs, trainRuns: 1, trainWarmup: 1 });
peers.pytorch = torch;
if (typeof torch === 'object' && torch !== null) {
  const t1 = (torch as { oneThread?: { matmul?: Sample; conv2dForward?: Sample } }).oneThread;
  const ours = rows.find((r) => r.threads === 1);
  if (t1?.matmul && t1.conv2dForward && ours) {
    peers.ratioToPytorch1Thread = {
      matmul: Math.round((ours.matmul.median / t1.matmul.median) * 100) / 100,
      conv2dForward: Math.round((ours.conv2dForward.median / t1.conv2dForward.median) * 100) / 100,
    };
  }
}
result.peers = peers;
result.loadAverageAfter = load();

const json = JSON.stringify(result, null, 2);
console.log(json);
const out = flag('--out');
if (out) writeFileSync(out, `${json}\n`);
