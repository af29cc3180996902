/**
 * WebGPU backend benchmark (a script, not a test): per adapter, fp32 matmul 1024^3 and 4096^3, conv2d
 * NCHW batch 32, 56x56, 256->256, 3x3 (forward and both backward kernels), and training steps of the
 * paper's model A (He et al. 2015, Table 3, PReLU, SPP) and of VGG-19 (Table 3's comparison model)
 * at batch 32 and 64, 224x224, in images/s, each with its step profile (dispatches, compiles,
 * buffers created, uploads, reads) and peak device memory; PyTorch's steps beside when `torch` is
 * importable. Shader compilation is timed separately (first call) from steady-state runs.
 *
 * Runs through the gpukit in ../shared/gpu (see "Benchmark on a real GPU" in the WebGPU README):
 *   npx esbuild packages/tensor/bench/webgpu-bench.ts --bundle --platform=node --format=esm \
 *     --external:webgpu --outfile=.gpu/app/bench.mjs
 *   bash ../shared/gpu/pack.sh .gpu/app/bench.mjs
 *   WEBGPU_ICD=/usr/lib/chromium/vk_swiftshader_icd.json bash .gpu/run.sh app/bench.mjs --small
 * Flags: --small (tiny sizes for a SwiftShader dry run), --only=matmul,conv,modelA,vgg19, --reps=N,
 * --batches=32,64 (training steps), --robustness=on|off|both (Dawn's bounds clamps; 'off' passes
 * enable-dawn-features=disable_robustness), --dawn=toggle1,toggle2 (Dawn flags for create(); on a
 * software adapter SOFTWARE_ADAPTER_DAWN_FLAGS are added, as createWebGPUBackend does),
 * --profile (per-kernel GPU times of one training step via timestamp queries),
 * --sweep (matmul and conv forward once per GEMM variant: tile shape, pipelining, 16-byte accesses;
 * a bias-gradient sum with and without subgroups), for tuning the automatic choices.
 * Results go to stdout and, when OUT is set, to $OUT/webgpu-bench.json.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { create, globals } from 'webgpu';
import type { Conv2dGeometry, View } from '../src/backend.js';
import {
  adaptiveMaxPool2d,
  concat,
  conv2d,
  crossEntropy,
  dropout,
  Generator,
  isSoftwareAdapter,
  linear,
  maximum,
  maxPool2d,
  noGrad,
  prelu,
  randint,
  randn,
  relu,
  setBackend,
  sgdStep,
  sumOfSquares,
  type Tensor,
  tensor,
  tidy,
  zeros,
} from '../src/index.js';
import {
  createWebGPUBackend,
  formatStepProfile,
  SOFTWARE_ADAPTER_DAWN_FLAGS,
  type StepProfile,
  type WebGPUBackend,
  type WebGPUStorage,
  type WebGPUTuning,
} from '../src/webgpu/index.js';
import { pytorchTrainSteps } from './pytorch-train.js';

const args = process.argv.slice(2);
const flag = (name: string) => args.find((a) => a === `--${name}` || a.startsWith(`--${name}=`));
const value = (name: string, dflt: string) => flag(name)?.split('=')[1] ?? dflt;
const small = !!flag('small');
const only = value('only', 'matmul,conv,modelA,vgg19').split(',');
const batches = value('batches', small ? '2' : '32,64')
  .split(',')
  .map(Number);
/** Dawn's robustness (bounds clamps on every buffer access): 'on' (default), 'off' or 'both'. */
const robustness = value('robustness', 'on') as 'on' | 'off' | 'both';
const ROBUSTNESS_OFF = 'enable-dawn-features=disable_robustness';
const reps = Number(value('reps', small ? '2' : '10'));
const dawnFlags = flag('dawn') ? value('dawn', '').split(',').filter(Boolean) : [];
const profileKernels = !!flag('profile');
const sweep = !!flag('sweep');

Object.assign(globalThis, globals);
// On a software adapter (a SwiftShader dry run) add the flags the backend itself uses there: without
// them SwiftShader compiles each GEMM pipeline 6-17x slower (bench/webgpu-compile.ts).
const probeGpu = create([]);
const softwareFlags = isSoftwareAdapter(await probeGpu.requestAdapter()) ? SOFTWARE_ADAPTER_DAWN_FLAGS : [];
const baseFlags = [...dawnFlags, ...softwareFlags];
const gpu = create(robustness === 'off' ? [...baseFlags, ROBUSTNESS_OFF] : baseFlags);
// dawn.node crashes if these are collected
(globalThis as unknown as { __keepGpu: unknown }).__keepGpu = [probeGpu, gpu];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

const checks: string[] = [];
/** Records whether sampled results match float64 references within `tol` (relative to the scale). */
function check(name: string, got: number[], want: number[], scale: number, tol = 2e-3): void {
  let worst = 0;
  got.forEach((g, i) => {
    worst = Math.max(worst, Math.abs(g - (want[i] as number)) / scale);
  });
  const ok = worst <= tol && got.every(Number.isFinite);
  checks.push(
    `${ok ? 'ok  ' : 'FAIL'} ${name}: ${got.length} sampled entries, max |err| / scale = ${worst.toExponential(2)}`,
  );
  if (!ok) process.exitCode = 1;
}

/** Deterministic sample indices in [0, n). */
function samples(n: number, count = 24): number[] {
  return Array.from({ length: count }, (_, i) =>
    Math.floor((((i * 2654435761) % 4294967296) / 4294967296) * n),
  );
}

interface Row {
  name: string;
  firstMs: number;
  compileMs: number;
  medianMs: number;
  rate: string;
}
const rows: Row[] = [];
let pytorch: unknown = 'not run';

/** Times `fn` (which issues GPU work and returns storages to dispose) to completion, first call apart. */
async function time(
  b: WebGPUBackend,
  fn: () => WebGPUStorage[],
): Promise<{ firstMs: number; compileMs: number; medianMs: number }> {
  const c0 = b.compileMs();
  let t = performance.now();
  for (const s of fn()) b.dispose(s);
  await b.sync();
  const firstMs = performance.now() - t;
  const compileMs = b.compileMs() - c0;
  for (const s of fn()) b.dispose(s); // warm-up
  await b.sync();
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    t = performance.now();
    for (const s of fn()) b.dispose(s);
    await b.sync();
    times.push(performance.now() - t);
  }
  return { firstMs, compileMs, medianMs: median(times) };
}

function view(s: WebGPUStorage, shape: number[], strides?: number[]): View<WebGPUStorage> {
  const st = strides ?? shape.map((_, i) => shape.slice(i + 1).reduce((a, x) => a * x, 1));
  return { storage: s, dtype: 'float32', shape, strides: st, offset: 0 };
}

function randomStorage(b: WebGPUBackend, size: number, seed: number): WebGPUStorage {
  return b.random({ distribution: 'normal', size, dtype: 'float32', key: [seed, 0], counter: [0, 0] });
}

async function benchMatmul(b: WebGPUBackend): Promise<void> {
  for (const n of small ? [128, 256] : [1024, 4096]) {
    const A = randomStorage(b, n * n, 1);
    const B = randomStorage(b, n * n, 2);
    const r = await time(b, () => [b.matmul(view(A, [1, n, n]), view(B, [1, n, n]))]);
    const tflops = (2 * n ** 3) / (r.medianMs * 1e-3) / 1e12;
    rows.push({ name: `matmul ${n}^3 fp32`, ...r, rate: `${tflops.toFixed(2)} TFLOP/s` });
    // correctness on this adapter: sampled entries against float64 dot products
    const C = b.matmul(view(A, [1, n, n]), view(B, [1, n, n]));
    const [a, bb, c] = await Promise.all([A, B, C].map((s) => b.read(view(s, [n * n]))));
    const idx = samples(n * n);
    const want = idx.map((e) => {
      const i = Math.floor(e / n);
      const j = e % n;
      let acc = 0;
      for (let k = 0; k < n; k++) acc += (a as Float32Array)[i * n + k]! * (bb as Float32Array)[k * n + j]!;
      return acc;
    });
    check(
      `matmul ${n}^3`,
      idx.map((e) => (c as Float32Array)[e]!),
      want,
      Math.sqrt(n),
    );
    for (const s of [A, B, C]) b.dispose(s);
  }
}

function convGeometry(N: number, C: number, H: number, O: number): Conv2dGeometry {
  return {
    N,
    C,
    H,
    W: H,
    O,
    KH: 3,
    KW: 3,
    OH: H,
    OW: H,
    strideH: 1,
    strideW: 1,
    padH: 1,
    padW: 1,
    dilationH: 1,
    dilationW: 1,
    groups: 1,
  };
}

async function benchConv(b: WebGPUBackend): Promise<void> {
  const g = small ? convGeometry(2, 32, 14, 32) : convGeometry(32, 256, 56, 256);
  const x = randomStorage(b, g.N * g.C * g.H * g.W, 3);
  const w = randomStorage(b, g.O * g.C * 9, 4);
  const dy = randomStorage(b, g.N * g.O * g.OH * g.OW, 5);
  const xv = view(x, [g.N, g.C, g.H, g.W]);
  const wv = view(w, [g.O, g.C, 3, 3]);
  const dyv = view(dy, [g.N, g.O, g.OH, g.OW]);
  const flops = 2 * g.N * g.O * g.OH * g.OW * g.C * 9;
  const label = `conv3x3 N${g.N} ${g.H}x${g.W} ${g.C}->${g.O}`;
  const kinds: [string, () => WebGPUStorage[]][] = [
    ['forward', () => [b.conv2d(xv, wv, g)]],
    ['backward input', () => [b.conv2dBackwardInput(dyv, wv, g)]],
    ['backward weight', () => [b.conv2dBackwardWeight(xv, dyv, g)]],
  ];
  for (const [kind, fn] of kinds) {
    const r = await time(b, fn);
    rows.push({
      name: `${label} ${kind}`,
      ...r,
      rate: `${(flops / (r.medianMs * 1e-3) / 1e12).toFixed(2)} TFLOP/s`,
    });
  }
  // correctness on this adapter: sampled entries of all three kernels against direct float64 sums
  const y = b.conv2d(xv, wv, g);
  const dx = b.conv2dBackwardInput(dyv, wv, g);
  const dw = b.conv2dBackwardWeight(xv, dyv, g);
  const [X, Wt, DY, Y, DX, DW] = (await Promise.all(
    [x, w, dy, y, dx, dw].map((s) => b.read(view(s, [s.size]))),
  )) as Float32Array[];
  const H = g.H;
  const at = (n: number, c: number, h: number, ww: number) =>
    h < 0 || ww < 0 || h >= H || ww >= H ? 0 : X![((n * g.C + c) * H + h) * H + ww]!;
  const yi = samples(Y!.length);
  check(
    'conv forward',
    yi.map((e) => Y![e]!),
    yi.map((e) => {
      const ow = e % H;
      const oh = Math.floor(e / H) % H;
      const o = Math.floor(e / (H * H)) % g.O;
      const n = Math.floor(e / (H * H * g.O));
      let acc = 0;
      for (let c = 0; c < g.C; c++)
        for (let kh = 0; kh < 3; kh++)
          for (let kw = 0; kw < 3; kw++)
            acc += at(n, c, oh + kh - 1, ow + kw - 1) * Wt![((o * g.C + c) * 3 + kh) * 3 + kw]!;
      return acc;
    }),
    Math.sqrt(g.C * 9),
  );
  const xi = samples(DX!.length);
  check(
    'conv backward input',
    xi.map((e) => DX![e]!),
    xi.map((e) => {
      const iw = e % H;
      const ih = Math.floor(e / H) % H;
      const c = Math.floor(e / (H * H)) % g.C;
      const n = Math.floor(e / (H * H * g.C));
      let acc = 0;
      for (let o = 0; o < g.O; o++)
        for (let kh = 0; kh < 3; kh++)
          for (let kw = 0; kw < 3; kw++) {
            const oh = ih + 1 - kh;
            const ow = iw + 1 - kw;
            if (oh >= 0 && ow >= 0 && oh < H && ow < H)
              acc += DY![((n * g.O + o) * H + oh) * H + ow]! * Wt![((o * g.C + c) * 3 + kh) * 3 + kw]!;
          }
      return acc;
    }),
    Math.sqrt(g.O * 9),
  );
  const wi = samples(DW!.length);
  check(
    'conv backward weight',
    wi.map((e) => DW![e]!),
    wi.map((e) => {
      const kw = e % 3;
      const kh = Math.floor(e / 3) % 3;
      const c = Math.floor(e / 9) % g.C;
      const o = Math.floor(e / (9 * g.C));
      let acc = 0;
      for (let n = 0; n < g.N; n++)
        for (let oh = 0; oh < H; oh++)
          for (let ow = 0; ow < H; ow++)
            acc += DY![((n * g.O + o) * H + oh) * H + ow]! * at(n, c, oh + kh - 1, ow + kw - 1);
      return acc;
    }),
    Math.sqrt(g.N * H * H),
  );
  for (const s of [x, w, dy, y, dx, dw]) b.dispose(s);
}

/** Model A of He et al. 2015 (Table 3) with PReLU, from tensor ops; `width` scales channels (1 = paper). */
function modelA(width: number, gen: Generator) {
  const ch = (c: number) => Math.max(4, Math.round(c * width));
  const params: Tensor[] = [];
  const p = (t: Tensor) => {
    const q = t.detach().requiresGrad_();
    params.push(q);
    return q;
  };
  const convs: { w: Tensor; b: Tensor; a: Tensor; k: number; s: number; pad: number }[] = [];
  let c = 3;
  const addConv = (out: number, k: number, s: number, pad: number) => {
    const std = Math.sqrt(2 / (k * k * c)); // He init, Eq. 10 (slopes start at 0.25, Eq. 15 would use 1 + a^2)
    convs.push({
      w: p(randn([out, c, k, k], { generator: gen }).mul(std)),
      b: p(tensor(new Float32Array(out))),
      a: p(tensor(new Float32Array(out).fill(0.25))),
      k,
      s,
      pad,
    });
    c = out;
  };
  addConv(ch(96), 7, 2, 3);
  const stages = [ch(256), ch(512), ch(512)];
  for (const width_ of stages) for (let i = 0; i < 5; i++) addConv(width_, 3, 1, 1);
  const levels = [7, 3, 2, 1];
  const hidden = ch(4096);
  const fcIn = c * levels.reduce((s, n) => s + n * n, 0);
  const fc = [
    {
      w: p(randn([hidden, fcIn], { generator: gen }).mul(0.01)),
      b: p(tensor(new Float32Array(hidden))),
      a: p(tensor(new Float32Array(hidden).fill(0.25))),
    },
    {
      w: p(randn([hidden, hidden], { generator: gen }).mul(0.01)),
      b: p(tensor(new Float32Array(hidden))),
      a: p(tensor(new Float32Array(hidden).fill(0.25))),
    },
    {
      w: p(randn([1000, hidden], { generator: gen }).mul(0.001)),
      b: p(tensor(new Float32Array(1000))),
      a: null,
    },
  ];
  const forward = (x: Tensor): Tensor => {
    let h = x;
    convs.forEach((l, i) => {
      h = prelu(conv2d(h, l.w, l.b, { stride: l.s, padding: l.pad }), l.a);
      if (i === 0 || i === 5 || i === 10) h = maxPool2d(h, { kernelSize: 2 });
    });
    // spatial pyramid pooling {7, 3, 2, 1} (adaptive max pooling per level), flattened and concatenated
    h = concat(
      levels.map((n) => adaptiveMaxPool2d(h, n).flatten(1)),
      1,
    );
    for (const l of fc) {
      h = linear(h, l.w, l.b);
      if (l.a) h = dropout(prelu(h, l.a), 0.5, true, gen);
    }
    return h;
  };
  const slopes = new Set<Tensor>([...convs.map((l) => l.a), ...fc.flatMap((l) => (l.a ? [l.a] : []))]);
  return { params, forward, slopes };
}

/**
 * VGG-19 (Simonyan & Zisserman, config E; Table 3's comparison model, ReLU, dropout 0.5 after fc1 and
 * fc2), from tensor ops; `width` scales channels and the fc hidden width (1 = paper).
 */
function vgg19(width: number, size: number, gen: Generator) {
  const ch = (c: number) => Math.max(4, Math.round(c * width));
  const params: Tensor[] = [];
  const p = (t: Tensor) => {
    const q = t.detach().requiresGrad_();
    params.push(q);
    return q;
  };
  const blocks = [
    [64, 64],
    [128, 128],
    [256, 256, 256, 256],
    [512, 512, 512, 512],
    [512, 512, 512, 512],
  ];
  const convs: { w: Tensor; b: Tensor; pool: boolean }[] = [];
  let c = 3;
  for (const block of blocks) {
    block.forEach((out, i) => {
      const o = ch(out);
      convs.push({
        w: p(randn([o, c, 3, 3], { generator: gen }).mul(Math.sqrt(2 / (9 * c)))),
        b: p(tensor(new Float32Array(o))),
        pool: i === block.length - 1,
      });
      c = o;
    });
  }
  const hidden = ch(4096);
  const fcIn = c * (size / 32) ** 2;
  const fc = [
    {
      w: p(randn([hidden, fcIn], { generator: gen }).mul(0.01)),
      b: p(tensor(new Float32Array(hidden))),
      act: true,
    },
    {
      w: p(randn([hidden, hidden], { generator: gen }).mul(0.01)),
      b: p(tensor(new Float32Array(hidden))),
      act: true,
    },
    {
      w: p(randn([1000, hidden], { generator: gen }).mul(0.001)),
      b: p(tensor(new Float32Array(1000))),
      act: false,
    },
  ];
  const forward = (x: Tensor): Tensor => {
    let h = x;
    for (const l of convs) {
      h = relu(conv2d(h, l.w, l.b, { padding: 1 }));
      if (l.pool) h = maxPool2d(h, { kernelSize: 2 });
    }
    h = h.flatten(1);
    for (const l of fc) {
      h = linear(h, l.w, l.b);
      if (l.act) h = dropout(relu(h), 0.5, true, gen);
    }
    return h;
  };
  return { params, forward, slopes: new Set<Tensor>() };
}

/** The paper's recipe as the Trainer runs it: SGD momentum 0.9, weight decay 5e-4 (none on slopes). */
function trainer(net: { params: Tensor[]; slopes: Set<Tensor> }) {
  const momenta = net.params.map((q) => zeros(q.shape));
  const hyper = net.params.map((q) => ({
    lr: 0.01,
    momentum: 0.9,
    weightDecay: net.slopes.has(q) ? 0 : 5e-4,
    nesterov: false,
  }));
  const flag = zeros([1]); // sticky non-finite flag: the guard, evaluated on the device
  return { momenta, hyper, flag };
}

interface TrainRow extends Row {
  model: string;
  batch: number;
  imagesPerSec: number;
  robustness: 'on' | 'off';
  profile: StepProfile;
}
const trainRows: TrainRow[] = [];

/**
 * A training step as the Trainer runs it on an asynchronous device: forward and loss inside `tidy`,
 * backward, the guard's fused sum of squares and a sticky non-finite flag, the fused SGD (skipped on
 * the device when the flag is set); no read inside the step. Steady state: `reps` steps encoded back
 * to back, then one read of the last loss; images/s from the total. The step profile of one steady
 * step is printed beside it.
 */
async function benchTrainStep(
  b: WebGPUBackend,
  model: 'modelA' | 'vgg19',
  batch: number,
  robustness: 'on' | 'off',
): Promise<void> {
  const size = small ? (model === 'vgg19' ? 64 : 112) : 224;
  const width = small ? 1 / 16 : 1;
  setBackend(b);
  const gen = new Generator(0);
  const net = model === 'modelA' ? modelA(width, gen) : vgg19(width, size, gen);
  const opt = trainer(net);
  const x = randn([batch, 3, size, size], { generator: gen });
  const y = randint(0, 1000, [batch], { generator: gen });
  const step = (): Tensor => {
    const loss = tidy(() => crossEntropy(net.forward(x), y));
    loss.backward();
    const grads = net.params.map((q) => q.grad as Tensor);
    noGrad(() =>
      tidy(() => {
        const sq = sumOfSquares([...grads, loss]);
        opt.flag.assign(maximum(opt.flag, sq.narrow(0, 2 * (grads.length + 1), 1)));
        sgdStep(net.params, grads, opt.momenta, opt.hyper, { skipIf: opt.flag });
      }),
    );
    for (const q of net.params) q.zeroGrad();
    return loss;
  };
  const c0 = b.compileMs();
  let t = performance.now();
  const l0 = step();
  const first = await l0.item();
  l0.dispose();
  const firstMs = performance.now() - t;
  const compileMs = b.compileMs() - c0;
  step().dispose(); // warm-up: the pool reaches its size
  await b.sync();
  b.stepProfile();
  step().dispose();
  const profile = b.stepProfile();
  await b.sync();
  const liveBefore = b.memory().storages;
  t = performance.now();
  let last: Tensor | null = null;
  for (let r = 0; r < reps; r++) {
    last?.dispose();
    last = step();
  }
  const lastLoss = await (last as Tensor).item();
  (last as Tensor).dispose();
  await b.sync();
  const ms = (performance.now() - t) / reps;
  const leaked = b.memory().storages - liveBefore;
  const imagesPerSec = batch / (ms * 1e-3);
  const name = `${model === 'modelA' ? 'model A (PReLU)' : 'VGG-19'} train step N${batch} ${size}x${size} width ${width}${robustness === 'off' ? ' robustness off' : ''}`;
  const row: TrainRow = {
    name,
    firstMs,
    compileMs,
    medianMs: ms,
    rate: `${imagesPerSec.toPrecision(3)} img/s (loss ${first.toFixed(3)} -> ${lastLoss.toFixed(3)})`,
    model,
    batch,
    imagesPerSec,
    robustness,
    profile,
  };
  rows.push(row);
  trainRows.push(row);
  console.log(`${name}: ${row.rate}\n  step profile: ${formatStepProfile(profile)}`);
  if (leaked !== 0) {
    console.log(`  FAIL: ${leaked} storages leaked per ${reps} steps`);
    process.exitCode = 1;
  }
  if (profileKernels && b.features.has('timestamp-query')) {
    b.profile(true);
    step().dispose();
    const report = await b.profileReport();
    b.profile(false);
    const total = report.reduce((s, k) => s + k.ms, 0);
    console.log(`  GPU time per kernel (timestamp queries; total ${total.toFixed(1)} ms):`);
    for (const k of report.slice(0, 25))
      console.log(
        `    ${k.label.padEnd(32)} ${String(k.count).padStart(5)}x ${k.ms.toFixed(2).padStart(10)} ms ${((100 * k.ms) / total).toFixed(1).padStart(5)}%`,
      );
  }
  for (const q of [...net.params, ...opt.momenta, opt.flag, x, y]) q.dispose();
  row.rate += `; peak device memory ${(b.gpuMemory().peakBytes / 2 ** 30).toFixed(2)} GiB`;
  b.releasePooledMemory();
}

const backend = await createWebGPUBackend({ gpu, poolBytes: 4 * 1024 ** 3 });
console.log(
  `adapter: ${backend.adapterInfo}; features: ${[...backend.features].join(', ')}; subgroup reductions: ${backend.subgroups}; ${small ? 'SMALL sizes' : 'full sizes'}; reps ${reps}`,
);
if (sweep) {
  // every GEMM variant on the two benchmark problems, plus a bias-gradient reduction with and without
  // subgroups: what the automatic choices in gemm-plan.ts / reduce.ts should be tuned against
  const variants: [string, WebGPUTuning][] = [
    ['128x128 double-buffered+vec4 (default)', { gemmTile: '128x128' }],
    ['128x128 prefetch+vec4', { gemmTile: '128x128', gemmPipeline: 'prefetch' }],
    ['128x128 plain scalar', { gemmTile: '128x128', gemmPipeline: 'none', gemmVectorAccess: false }],
    ['64x64 double-buffered+vec4', { gemmTile: '64x64' }],
    ['64x64 plain scalar', { gemmTile: '64x64', gemmPipeline: 'none', gemmVectorAccess: false }],
    ['32x128', { gemmTile: '32x128' }],
    ['128x32', { gemmTile: '128x32' }],
    ['16x128', { gemmTile: '16x128' }],
  ];
  const n = small ? 256 : 4096;
  const g = small ? convGeometry(2, 32, 14, 32) : convGeometry(32, 256, 56, 256);
  for (const [label, tuning] of variants) {
    const tb = await createWebGPUBackend({ gpu, tuning });
    const A = randomStorage(tb, n * n, 1);
    const B = randomStorage(tb, n * n, 2);
    const r = await time(tb, () => [tb.matmul(view(A, [1, n, n]), view(B, [1, n, n]))]);
    rows.push({
      name: `sweep matmul ${n}^3 ${label}`,
      ...r,
      rate: `${((2 * n ** 3) / (r.medianMs * 1e-3) / 1e12).toFixed(2)} TFLOP/s`,
    });
    const x = randomStorage(tb, g.N * g.C * g.H * g.W, 3);
    const w = randomStorage(tb, g.O * g.C * 9, 4);
    const rc = await time(tb, () => [tb.conv2d(view(x, [g.N, g.C, g.H, g.W]), view(w, [g.O, g.C, 3, 3]), g)]);
    const flops = 2 * g.N * g.O * g.OH * g.OW * g.C * 9;
    rows.push({
      name: `sweep conv forward ${label}`,
      ...rc,
      rate: `${(flops / (rc.medianMs * 1e-3) / 1e12).toFixed(2)} TFLOP/s`,
    });
    tb.destroy();
  }
  for (const subgroups of [true, false]) {
    const tb = await createWebGPUBackend({ gpu, tuning: { subgroups } });
    const dy = randomStorage(tb, g.N * g.O * g.OH * g.OW, 5);
    const dyv = view(dy, [g.N, g.O, g.OH * g.OW, 1]);
    const r = await time(tb, () => [tb.reduce('sum', dyv, [0, 2, 3])]);
    rows.push({
      name: `sweep bias-grad sum [${g.N},${g.O},${g.OH},${g.OW}] subgroups ${tb.subgroups ? 'on' : 'off'}`,
      ...r,
      rate: `${((dy.size * 4) / (r.medianMs * 1e-3) / 1e9).toFixed(0)} GB/s read`,
    });
    tb.destroy();
  }
}
if (only.includes('matmul')) await benchMatmul(backend);
if (only.includes('conv')) await benchConv(backend);
const models = (['modelA', 'vgg19'] as const).filter((m) => only.includes(m));
if (models.length > 0) {
  const variants: ['on' | 'off', WebGPUBackend][] = [[robustness === 'off' ? 'off' : 'on', backend]];
  let offGpu: unknown = null;
  if (robustness === 'both') {
    offGpu = create([...baseFlags, ROBUSTNESS_OFF]);
    (globalThis as unknown as { __keepGpu2: unknown }).__keepGpu2 = offGpu;
    variants.push(['off', await createWebGPUBackend({ gpu: offGpu as GPU })]);
  }
  for (const m of models)
    for (const n of batches) for (const [rob, b] of variants) await benchTrainStep(b, m, n, rob);
  for (const [, b] of variants.slice(1)) b.destroy();
  if (!small) {
    const torch = pytorchTrainSteps(models, batches);
    console.log(`\nPyTorch on this machine: ${typeof torch === 'string' ? torch : JSON.stringify(torch)}`);
    pytorch = torch;
  }
}

const pad = (s: string, n: number) => s.padEnd(n);
console.log(
  `\n${pad('benchmark', 58)} ${pad('first(ms)', 10)} ${pad('compile', 9)} ${pad('median(ms)', 11)} rate`,
);
for (const r of rows) {
  console.log(
    `${pad(r.name, 58)} ${pad(r.firstMs.toFixed(1), 10)} ${pad(r.compileMs.toFixed(1), 9)} ${pad(r.medianMs.toFixed(2), 11)} ${r.rate}`,
  );
}
console.log(`\ncorrectness checks:\n  ${checks.join('\n  ')}`);
console.log(
  `\ntotal shader compile time: ${backend.compileMs().toFixed(0)} ms; GPU memory: ${JSON.stringify(backend.gpuMemory())}`,
);
if (process.env.OUT) {
  writeFileSync(
    join(process.env.OUT, 'webgpu-bench.json'),
    JSON.stringify(
      { adapter: backend.adapterInfo, small, reps, robustness, rows, training: trainRows, pytorch, checks },
      null,
      2,
    ),
  );
}
backend.destroy();
