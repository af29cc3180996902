"""The torchvision + PIL reference for bench.mjs: the same work on the same JPEG folder.

The paper's training transform (He et al. 2015, section 3) written with torchvision: shorter side
s ~ U{256..512} (Resize(s)), RandomCrop(224), RandomHorizontalFlip(0.5), ToTensor, AlexNet PCA
lighting noise (std 0.1, the published ImageNet eigenvalues/eigenvectors, as fb.resnet.torch's
Lighting), per-channel mean subtraction without std division. Read through ImageFolder and a
DataLoader (bench.mjs's batch size, shuffled), in one process and with persistent worker processes.

Usage: python3 torchvision_bench.py <imagefolder-dir> <epochs> <batch> <workers> [<workers> ...]
Prints one line per configuration:
  torchvision <workers> <median wall img/s> <min> <max> <img per CPU-second>
"""

import os
import random
import resource
import statistics
import sys
import time

import torch
from torch.utils.data import DataLoader
from torchvision import datasets, transforms
from torchvision.transforms import functional as F

EIGVAL = torch.tensor([0.2175, 0.0188, 0.0045])
EIGVEC = torch.tensor(
    [[-0.5675, 0.7192, 0.4009], [-0.5808, -0.0045, -0.8140], [-0.5836, -0.6948, 0.4203]]
)
MEAN = [0.485, 0.456, 0.406]


class ScaleJitter:
    """Resize so the shorter side is s, s drawn uniformly from [lo, hi] per image."""

    def __init__(self, lo, hi):
        self.lo, self.hi = lo, hi

    def __call__(self, img):
        return F.resize(img, random.randint(self.lo, self.hi))


class Lighting:
    """AlexNet PCA colour noise: add eigvec @ (alpha * eigval), alpha ~ N(0, std^2), to every pixel."""

    def __init__(self, std):
        self.std = std

    def __call__(self, x):
        alpha = torch.randn(3) * self.std
        return x + (EIGVEC @ (alpha * EIGVAL)).view(3, 1, 1)


def live_children_cpu():
    """CPU seconds of this process's running children (persistent DataLoader workers), from /proc."""
    me, total = os.getpid(), 0.0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == me:  # fields after "(comm)": state, ppid, ..., utime (12), stime (13)
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def cpu_seconds():
    own = resource.getrusage(resource.RUSAGE_SELF)
    done = resource.getrusage(resource.RUSAGE_CHILDREN)  # children that have exited
    return own.ru_utime + own.ru_stime + done.ru_utime + done.ru_stime + live_children_cpu()


def main():
    root, epochs, batch = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    worker_counts = [int(w) for w in sys.argv[4:]]
    torch.set_num_threads(1)
    transform = transforms.Compose(
        [
            ScaleJitter(256, 512),
            transforms.RandomCrop(224),
            transforms.RandomHorizontalFlip(0.5),
            transforms.ToTensor(),
            Lighting(0.1),
            transforms.Normalize(MEAN, [1.0, 1.0, 1.0]),
        ]
    )
    ds = datasets.ImageFolder(root, transform=transform)
    for workers in worker_counts:
        # persistent workers: process start-up is paid once, in the warm-up epoch
        loader = DataLoader(
            ds, batch_size=batch, shuffle=True, num_workers=workers, persistent_workers=workers > 0
        )
        walls, cpus = [], []
        for epoch in range(epochs + 1):  # the first epoch warms up
            t0, c0 = time.perf_counter(), cpu_seconds()
            n = sum(x.shape[0] for x, _ in loader)
            wall, cpu = time.perf_counter() - t0, cpu_seconds() - c0
            if epoch > 0:
                walls.append(n / wall)
                cpus.append(n / cpu)
        print(
            f"torchvision {workers} {statistics.median(walls):.1f} {min(walls):.1f} {max(walls):.1f} "
            f"{statistics.median(cpus):.1f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
