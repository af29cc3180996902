#!/usr/bin/env node
// npm run bench: decode + training-transform throughput of the ImageNet pipeline on generated
// ImageNet-sized JPEGs (shorter side 375, longer 375-500, quality 90), from raw JPEG files and from the
// packed format, with one worker and with all workers. Reports medians over repeated epochs.
// Uses the built package (dist/): run `npm run build` first (turbo's bench task does).
// Options (env): BENCH_IMAGES (default 300), BENCH_REPEATS (default 5), BENCH_BATCH (default 32),
// BENCH_PYTHON (the interpreter with torchvision; default python3, then /usr/bin/python3).
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { ImageLoader, imagenetDataset, openPacked, pack } from '../dist/node.js';
import { writeImages } from './photos.mjs';

const images = Number(process.env.BENCH_IMAGES ?? 300);
const repeats = Number(process.env.BENCH_REPEATS ?? 5);
const batchSize = Number(process.env.BENCH_BATCH ?? 32);
const cores = availableParallelism();
const classes = 10;
const transform = { kind: 'train' }; // paper defaults: s ~ U[256, 512], 224 crop, flip, PCA noise 0.1, mean
sharp.concurrency(1); // one libvips thread per operation: parallelism comes from workers/in-flight images

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// Wall-clock img/s, and img per CPU-second of this process (all threads: main, workers, libuv/libvips):
// the CPU figure is what one fully available core would do, and is far less sensitive to other
// tenants of a shared machine than wall time.
async function epochRate(loader, recycle) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let n = 0;
  for await (const b of loader) {
    n += b.labels.length;
    if (recycle) loader.recycle(b); // a trainer recycles after copying the batch into a tensor
  }
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return { wall: n / wall, cpu: n / ((c.user + c.system) / 1e6) };
}

// Runs all configurations round-robin (one epoch each per round) so that load from other users of
// the machine spreads over all of them; round 0 warms up and is dropped.
async function measure(configs) {
  const loaders = configs.map(
    ([, dataset, opts]) =>
      new ImageLoader(dataset, { transform, batchSize, seed: 1, onBadFile: () => {}, ...opts }),
  );
  const rates = configs.map(() => []);
  for (let r = 0; r <= repeats; r++)
    for (let c = 0; c < configs.length; c++) {
      const rate = await epochRate(loaders[c], configs[c][3] ?? true);
      if (r > 0) rates[c].push(rate);
    }
  await Promise.all(loaders.map((l) => l.close()));
  return configs.map(([name], c) => {
    const wall = rates[c].map((x) => x.wall);
    return {
      name,
      median: median(wall),
      min: Math.min(...wall),
      max: Math.max(...wall),
      cpu: median(rates[c].map((x) => x.cpu)),
    };
  });
}

// The same work with torchvision + PIL (bench/torchvision_bench.py) on the same folder, when Python has
// them (Debian: apt-get install python3-torchvision): one process, then one DataLoader worker per core.
function torchvisionRows(dir) {
  // Debian's packages live in /usr/bin/python3, which a pyenv or venv `python3` on PATH may hide
  const python = [process.env.BENCH_PYTHON, 'python3', '/usr/bin/python3'].find((py) => {
    if (!py) return false;
    try {
      execFileSync(py, ['-c', 'import torchvision, PIL'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  });
  if (!python) return null;
  const script = new URL('./torchvision_bench.py', import.meta.url).pathname;
  const out = execFileSync(
    python,
    [script, join(dir, 'train'), String(repeats), String(batchSize), '0', String(cores)],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return out
    .trim()
    .split('\n')
    .map((line) => {
      const [, workers, median, min, max, cpu] = line.split(' ');
      const name =
        workers === '0' ? 'torchvision + PIL, 1 process' : `torchvision + PIL, ${workers} DataLoader workers`;
      return { name, median: +median, min: +min, max: +max, cpu: +cpu };
    });
}

const dir = await mkdtemp(join(tmpdir(), 'rectifier-imagenet-bench-'));
try {
  const t0 = performance.now();
  await writeImages(dir, images, classes);
  const ds = imagenetDataset(dir);
  const bytes = ds.samples.reduce((a, s) => a + statSync(s.path).size, 0);
  const meta = await Promise.all(ds.samples.slice(0, 50).map((s) => sharp(s.path).metadata()));
  const meanW = meta.reduce((a, m) => a + m.width * m.height, 0) / meta.length;
  console.log(
    `# @rectifier/imagenet bench  ${new Date().toISOString()}  node ${process.version}  sharp ${sharp.versions.sharp} (libvips ${sharp.versions.vips})`,
  );
  console.log(
    `# ${cpus()[0]?.model ?? 'cpu'}, ${cores} cores available; ${ds.samples.length} JPEGs, mean ${(bytes / ds.samples.length / 1024).toFixed(0)} KiB, mean ${(meanW / 1000).toFixed(0)}k pixels (generated in ${((performance.now() - t0) / 1000).toFixed(1)} s)`,
  );
  console.log(
    `# transform: paper training augmentation (s ~ U[256,512], 224 crop, flip, PCA colour noise, mean subtraction), batch ${batchSize}, median of ${repeats} epochs`,
  );

  const one = { workers: 1, itemConcurrency: 1, prefetch: 1 };
  const all = { workers: cores, itemConcurrency: 2, prefetch: 2 * cores };
  const configs = [
    ['JPEG files, 1 worker, 1 image at a time', ds, one],
    ['JPEG files, 1 worker, 1 at a time, no recycle', ds, one, false],
    [`JPEG files, ${cores} workers x 2 images in flight`, ds, all],
    // Small-scale runs (s in [36, 64], 32 crops): JPEG shrink-on-load decodes at 1/4 or 1/8 size.
    [
      'JPEG files, s in [36,64] + 32 crop, 1 worker',
      ds,
      { ...one, transform: { kind: 'train', scaleRange: [36, 64], cropSize: 32 } },
    ],
  ];
  for (const encoding of ['raw', 'jpeg']) {
    const out = join(dir, `packed-${encoding}`);
    const p0 = performance.now();
    const r = await pack(ds, out, { shorterSide: 256, encoding, quality: 90 });
    console.log(
      `# packed ${encoding} (shorter side 256): ${r.count} images, ${(r.bytes / 2 ** 20).toFixed(1)} MiB, packed in ${((performance.now() - p0) / 1000).toFixed(1)} s`,
    );
    const packed = await openPacked(out);
    configs.push([`packed ${encoding} 256, 1 worker, 1 image at a time`, packed, one]);
    configs.push([`packed ${encoding} 256, ${cores} workers x 2 images in flight`, packed, all]);
  }
  console.log(`${'configuration'.padEnd(50)}  wall img/s (min-max)    img per CPU-second`);
  const row = (r) => {
    const wall = `${r.median.toFixed(0).padStart(6)}  (${r.min.toFixed(0)}-${r.max.toFixed(0)})`;
    console.log(`${r.name.padEnd(50)} ${wall.padEnd(25)}${r.cpu.toFixed(0).padStart(6)}`);
  };
  for (const r of await measure(configs)) row(r);
  const tv = torchvisionRows(dir);
  if (tv) tv.forEach(row);
  const load = loadavg()[0];
  console.log(
    `# load average during the run: ${load.toFixed(1)} on ${cores} cores (other users of the machine)`,
  );
  if (!tv)
    console.log(
      '# torchvision + PIL: not installed (apt-get install python3-torchvision); reference on this machine kind: 166 img/s one process, 264 with two workers',
    );
} finally {
  await rm(dir, { recursive: true, force: true });
}
