#!/usr/bin/env node
// Data at GPU speed: the paper's training transform at 224 (s ~ U[256, 512], crop, flip, PCA colour
// noise, mean subtraction) from worker threads on ALL cores, each batch going straight into the tensor
// upload (`toTensors`, one copy, into the device buffer on WebGPU) and its buffer handed back to the
// workers, as `rectifier train` does. From JPEG files and from the packed raw format. Reports wall
// images/s, images per worker-second (one core's rate, measured in the workers: `loader.stats()`), and
// images per CPU-second of the whole process. Build first (`npm run build`).
//
//   node bench/loader-upload.mjs [--backend cpu|wasm|webgpu]     (default cpu: host upload only)
// env: BENCH_IMAGES (default 256), BENCH_REPEATS (default 3), BENCH_BATCH (default 32), BENCH_WORKERS
// (default: all cores).
import { statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { selectBackend } from '@rectifier/tensor';
import sharp from 'sharp';
import { toTensors } from '../dist/batch.js';
import { ImageLoader, imagenetDataset, openPacked, pack } from '../dist/node.js';
import { writeImages } from './photos.mjs';

const images = Number(process.env.BENCH_IMAGES ?? 256);
const repeats = Number(process.env.BENCH_REPEATS ?? 3);
const batchSize = Number(process.env.BENCH_BATCH ?? 32);
const workers = Number(process.env.BENCH_WORKERS ?? availableParallelism());
const backendArg =
  process.argv.find((a) => a.startsWith('--backend'))?.split('=')[1] ??
  process.argv[process.argv.indexOf('--backend') + 1];
const choice = ['cpu', 'wasm', 'webgpu'].includes(backendArg) ? backendArg : 'cpu';
sharp.concurrency(1); // parallelism comes from the worker threads

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** One epoch into device uploads: wall img/s, img per worker-second, img per CPU-second. */
async function epoch(loader, sync) {
  const s0 = loader.stats();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let n = 0;
  for await (const b of loader) {
    const { input, target } = toTensors(b);
    loader.recycle(b);
    n += b.labels.length;
    input.dispose();
    target.dispose();
  }
  await sync();
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  const s = loader.stats();
  return {
    wall: n / wall,
    perCore: (s.images - s0.images) / ((s.busyMs - s0.busyMs) / 1000),
    cpu: n / ((c.user + c.system) / 1e6),
  };
}

const selection = await selectBackend(choice);
const sync = async () => (selection.backend.sync ? selection.backend.sync() : undefined);
const dir = await mkdtemp(join(tmpdir(), 'rectifier-loader-upload-'));
try {
  await writeImages(dir, images);
  const ds = imagenetDataset(dir);
  const bytes = ds.samples.reduce((a, s) => a + statSync(s.path).size, 0);
  const packedDir = join(dir, 'packed-raw');
  await pack(ds, packedDir, { shorterSide: 256, encoding: 'raw' });
  const packed = await openPacked(packedDir);
  console.log(
    `# @rectifier/imagenet loader -> upload  ${new Date().toISOString()}  node ${process.version}  sharp ${sharp.versions.sharp}`,
  );
  console.log(
    `# ${cpus()[0]?.model ?? 'cpu'}, ${availableParallelism()} cores; ${ds.samples.length} JPEGs (mean ${(bytes / ds.samples.length / 1024).toFixed(0)} KiB); ${workers} workers x 2 images in flight; batch ${batchSize}; upload to ${selection.description}; median of ${repeats} epochs after a warm-up`,
  );
  console.log(`${'source'.padEnd(28)}  wall img/s   img per worker-second (per core)   img per CPU-second`);
  for (const [name, data] of [
    ['JPEG files', ds],
    ['packed raw (shorter side 256)', packed],
  ]) {
    const loader = new ImageLoader(data, {
      transform: { kind: 'train' }, // the paper's: s ~ U[256, 512], 224 crop, flip, PCA noise, mean
      batchSize,
      workers,
      itemConcurrency: 2,
      seed: 1,
      onBadFile: () => {},
    });
    const rates = [];
    for (let r = 0; r <= repeats; r++) {
      const x = await epoch(loader, sync);
      if (r > 0) rates.push(x);
    }
    await loader.close();
    const m = (k) => median(rates.map((x) => x[k]));
    console.log(
      `${name.padEnd(28)}  ${m('wall').toFixed(0).padStart(10)}   ${m('perCore').toFixed(0).padStart(32)}   ${m('cpu').toFixed(0).padStart(18)}`,
    );
  }
  console.log(`# load average: ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores`);
} finally {
  await rm(dir, { recursive: true, force: true });
  selection.backend.destroy?.();
  selection.backend.close?.();
}
