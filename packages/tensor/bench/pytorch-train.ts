/**
 * PyTorch as the peer of the WebGPU training-step benchmark: model A (PReLU, SPP {7,3,2,1}) and
 * VGG-19 at 224x224, SGD momentum 0.9 and weight decay 5e-4, in fp32 (TF32 off) on CUDA when
 * available, else the CPU. Runs through `python3 -c` only when `import torch` works; otherwise the
 * result is the string "not installed" (the device machines of ../shared/gpu have no Python).
 */
import { spawnSync } from 'node:child_process';

const SCRIPT = `
import json, sys, time
import torch, torch.nn as nn, torch.nn.functional as F
cfg = json.loads(sys.argv[1])
dev = "cuda" if torch.cuda.is_available() else "cpu"
torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
torch.backends.cudnn.benchmark = True
class SPP(nn.Module):
    def forward(self, x):
        return torch.cat([F.adaptive_max_pool2d(x, n).flatten(1) for n in (7, 3, 2, 1)], 1)
def model_a():
    layers, c = [], 3
    def conv(o, k, s, p):
        nonlocal c
        layers.extend([nn.Conv2d(c, o, k, s, p), nn.PReLU(o)]); c = o
    conv(96, 7, 2, 3); layers.append(nn.MaxPool2d(2))
    for stage, width in enumerate((256, 512, 512)):
        for _ in range(5): conv(width, 3, 1, 1)
        if stage < 2: layers.append(nn.MaxPool2d(2))
    layers += [SPP(), nn.Linear(c * 63, 4096), nn.PReLU(4096), nn.Dropout(0.5),
               nn.Linear(4096, 4096), nn.PReLU(4096), nn.Dropout(0.5), nn.Linear(4096, 1000)]
    return nn.Sequential(*layers)
def vgg19():
    layers, c = [], 3
    for block in ((64, 64), (128, 128), (256,) * 4, (512,) * 4, (512,) * 4):
        for o in block: layers += [nn.Conv2d(c, o, 3, 1, 1), nn.ReLU()]; c = o
        layers.append(nn.MaxPool2d(2))
    layers += [nn.Flatten(), nn.Linear(c * 49, 4096), nn.ReLU(), nn.Dropout(0.5),
               nn.Linear(4096, 4096), nn.ReLU(), nn.Dropout(0.5), nn.Linear(4096, 1000)]
    return nn.Sequential(*layers)
rows = []
for name in cfg["models"]:
    for n in cfg["batches"]:
        torch.manual_seed(0)
        m = (model_a() if name == "modelA" else vgg19()).to(dev)
        slopes = [p for mod in m.modules() if isinstance(mod, nn.PReLU) for p in mod.parameters()]
        ids = {id(p) for p in slopes}
        rest = [p for p in m.parameters() if id(p) not in ids]
        opt = torch.optim.SGD([{"params": rest, "weight_decay": 5e-4}, {"params": slopes, "weight_decay": 0}], lr=0.01, momentum=0.9)
        x = torch.randn(n, 3, 224, 224, device=dev); y = torch.randint(0, 1000, (n,), device=dev)
        def step():
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(m(x), y); loss.backward(); opt.step()
        try:
            for _ in range(3): step()
            if dev == "cuda": torch.cuda.synchronize()
            t = time.perf_counter()
            for _ in range(cfg["reps"]): step()
            if dev == "cuda": torch.cuda.synchronize()
            rows.append({"model": name, "batch": n, "imagesPerSec": round(n * cfg["reps"] / (time.perf_counter() - t), 1)})
        except RuntimeError as e:
            rows.append({"model": name, "batch": n, "error": str(e).splitlines()[0]})
        del m, opt
        if dev == "cuda": torch.cuda.empty_cache()
print(json.dumps({"device": torch.cuda.get_device_name() if dev == "cuda" else "cpu", "torch": torch.__version__, "fp32": True, "rows": rows}))
`;

/** Images/s of the PyTorch training steps, or why they were not measured. */
export function pytorchTrainSteps(
  models: readonly string[],
  batches: readonly number[],
  reps = 10,
): { device: string; rows: unknown[] } | string {
  const probe = spawnSync('python3', ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) return 'not installed';
  const r = spawnSync('python3', ['-c', SCRIPT, JSON.stringify({ models, batches, reps })], {
    encoding: 'utf8',
    timeout: 600_000,
  });
  if (r.status !== 0) return `failed: ${(r.stderr || String(r.error)).trim().split('\n').at(-1)}`;
  return JSON.parse(r.stdout.trim().split('\n').at(-1) as string);
}
