/**
 * PyTorch as a peer, through `python3 -c`, only when `import torch` works (Debian's python3-torch is
 * usually not installed; then the result is the string "not installed"). Measured with 1 thread (the
 * JS backend's count) and with all cores. PyTorch's own timings need glibc's malloc pinned
 * (MALLOC_MMAP/TRIM thresholds) to be stable on this VM, see shared/reference/toolchain.md.
 */
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { CONV, MATMUL_N, MODEL14, TRAIN } from './workloads.js';

/**
 * Python shared by the PyTorch scripts: measure() (warm-up, then timed runs: median images/s or
 * GFLOP/s), blas_threads(), torch_kernels() (the four kernels, as ours in backend-kernels.ts: a
 * function and its GFLOP each) and convnet8x32_step() (train-step.ts is ours: a function running one
 * step). Needs json, statistics, time, torch and F imported.
 */
export const TORCH_COMMON = `
def measure(fn, work, warmup, runs, unit="GFLOP/s"):
    for _ in range(warmup):
        fn()
    rates, cpu_rates = [], []
    for _ in range(runs):
        c0 = time.process_time()
        t0 = time.perf_counter()
        fn()
        rates.append(work / (time.perf_counter() - t0))
        cpu_rates.append(work / max(time.process_time() - c0, 1e-6))
    r3 = lambda v: round(v, 3)
    return {"median": r3(statistics.median(rates)), "min": r3(min(rates)), "max": r3(max(rates)),
            "runs": [r3(v) for v in rates], "cpuMedian": r3(statistics.median(cpu_rates)), "unit": unit}
def blas_threads(n):
    # Debian's torch calls whatever libblas.so.3 is installed (reference BLAS, or OpenBLAS with
    # libopenblas0-pthread), and torch.set_num_threads does not reach OpenBLAS's own thread pool.
    import ctypes, ctypes.util
    for name in ("openblas", "openblas64"):
        try:
            ctypes.CDLL("lib%s.so.0" % name).openblas_set_num_threads(n)
            return
        except (OSError, AttributeError):
            pass
def torch_kernels(cfg):
    n = cfg["n"]
    a = torch.rand(n, n) * 2 - 1
    b = torch.rand(n, n) * 2 - 1
    N, C, H, W, O = cfg["conv"]
    x = torch.rand(N, C, H, W) * 2 - 1
    w = torch.rand(O, C, 3, 3) * 2 - 1
    dy = torch.rand(N, O, H, W) * 2 - 1
    cf = 2 * N * O * H * W * C * 9 / 1e9
    return {
        "matmul": (lambda: torch.mm(a, b), 2 * n ** 3 / 1e9),
        "conv2dForward": (lambda: F.conv2d(x, w, padding=1), cf),
        "conv2dBackwardInput": (lambda: torch.nn.grad.conv2d_input(x.shape, w, dy, padding=1), cf),
        "conv2dBackwardWeight": (lambda: torch.nn.grad.conv2d_weight(x, w.shape, dy, padding=1), cf),
    }
def convnet8x32_step(cfg):
    layers, c = [], 3
    for _ in range(8):
        layers += [torch.nn.Conv2d(c, 32, 3, padding=1), torch.nn.ReLU()]
        c = 32
    model = torch.nn.Sequential(*layers, torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(32, 10))
    opt = torch.optim.SGD(model.parameters(), lr=cfg["lr"])
    bsz = cfg["batch"]
    xb = torch.rand(bsz, 3, 32, 32) * 2 - 1
    yb = torch.randint(0, 10, (bsz,))
    def step():
        opt.zero_grad()
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()
    return step
`;

/**
 * The environment PyTorch runs in: glibc's malloc pinned (MALLOC_MMAP/TRIM thresholds), without which
 * its timings are unstable on this VM (shared/reference/toolchain.md).
 */
export const TORCH_ENV = { MALLOC_MMAP_THRESHOLD_: '1073741824', MALLOC_TRIM_THRESHOLD_: '1073741824' };

/** A python3 that imports torch, or null. */
export function torchPython(): string | null {
  // Debian's python3-torch lives in /usr/bin/python3, which a pyenv or venv `python3` on PATH may hide.
  const python = [process.env.BENCH_PYTHON, 'python3', '/usr/bin/python3'].find((py) => {
    if (!py) return false;
    const probe = spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8' });
    return !probe.error && probe.status === 0;
  });
  return python ?? null;
}

const SCRIPT = `
import json, statistics, sys, time
import torch
import torch.nn.functional as F
import torch.nn.grad
cfg = json.loads(sys.argv[1])
${TORCH_COMMON}
torch.manual_seed(0)
def bench(threads):
    torch.set_num_threads(threads)
    blas_threads(threads)
    out = {"threads": torch.get_num_threads()}
    with torch.no_grad():
        for name, (fn, work) in torch_kernels(cfg).items():
            out[name] = measure(fn, work, cfg["warmup"], cfg["runs"])
    out["trainStep"] = measure(convnet8x32_step(cfg), cfg["batch"], cfg["trainWarmup"], cfg["trainRuns"], "images/s")
    if cfg["model14"]:
        out["model14Step"] = model14_step(cfg["model14"])
    return out
class SPP(torch.nn.Module):
    def __init__(self, levels):
        super().__init__(); self.levels = levels
    def forward(self, x):
        return torch.cat([F.adaptive_max_pool2d(x, n).flatten(1) for n in self.levels], 1)
def model14_step(m):
    torch.manual_seed(0)
    layers, c = [], 3
    def conv(o, k, s, p):
        nonlocal c
        layers.extend([torch.nn.Conv2d(c, o, k, s, p), torch.nn.PReLU(o, 0.25)]); c = o
    conv(64, 7, 2, 3); layers.append(torch.nn.MaxPool2d(3, 3))
    for i in range(4): conv(128, 2, 1, 1 - i % 2)
    layers.append(torch.nn.MaxPool2d(2, 2))
    for i in range(6): conv(256, 2, 1, 1 - i % 2)
    feats = c * sum(n * n for n in m["sppLevels"])
    layers += [SPP(m["sppLevels"]), torch.nn.Linear(feats, 4096), torch.nn.PReLU(4096, 0.25),
               torch.nn.Linear(4096, 4096), torch.nn.PReLU(4096, 0.25), torch.nn.Linear(4096, m["classes"])]
    model = torch.nn.Sequential(*layers)
    opt = torch.optim.SGD(model.parameters(), lr=m["lr"])
    x = torch.randn(m["batch"], 3, m["size"], m["size"]); y = torch.randint(0, m["classes"], (m["batch"],))
    def step():
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()
    return measure(step, m["batch"], cfg["trainWarmup"], cfg["trainRuns"], "images/s")
res = {"version": torch.__version__, "oneThread": bench(1)}
if cfg["cores"] > 1:
    res["allCores"] = bench(cfg["cores"])
print(json.dumps(res))
`;

/** Result object from the script, or "not installed", or an error string. */
export function benchPytorch(opts: {
  warmup: number;
  runs: number;
  trainRuns: number;
  trainWarmup: number;
  /** Also the 14-layer model's training step. */
  model14?: boolean;
}): unknown {
  const python = torchPython();
  if (!python) return 'not installed';
  const { model14: _, ...rest } = opts;
  const cfg = {
    ...rest,
    n: MATMUL_N,
    conv: [CONV.N, CONV.C, CONV.H, CONV.W, CONV.O],
    batch: TRAIN.batch,
    lr: TRAIN.lr,
    cores: cpus().length,
    model14: opts.model14 ? MODEL14 : null,
  };
  console.error('  pytorch: running (1 thread, then all cores)...');
  const r = spawnSync(python, ['-c', SCRIPT, JSON.stringify(cfg)], {
    encoding: 'utf8',
    timeout: 300_000,
    env: { ...process.env, ...TORCH_ENV },
  });
  if (r.status !== 0)
    return `failed: ${(r.stderr || String(r.error)).trim().split('\n').slice(-3).join(' | ')}`;
  const last = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(last);
  } catch {
    return `failed: unparsable output ${last.slice(0, 200)}`;
  }
}
