import { type BackendSelection, getBackend } from '@rectifier/tensor';
import type { Callback, StepInfo, Trainer } from '@rectifier/train';
import type { DataBundle, LoaderTotals } from './data/sources';

const MiB = 1024 * 1024;
const mib = (n: number) => `${(n / MiB).toFixed(n < 10 * MiB ? 1 : 0)} MiB`;
/** Images/s with 3 significant digits below 100 (a software GPU or a first step can be under 0.1). */
const rate = (r: number) => (r >= 100 ? r.toFixed(0) : r.toPrecision(3));

/** What the WebGPU backend reports of its memory (`gpuMemory()`); absent on the CPU backends. */
interface GpuMemoryReport {
  allocatedBytes: number;
  pooledBytes: number;
  /** Reported by backends that track their high-water mark. */
  peakBytes?: number;
}

function gpuMemory(): GpuMemoryReport | null {
  const b = getBackend() as { gpuMemory?: () => GpuMemoryReport };
  return typeof b.gpuMemory === 'function' ? b.gpuMemory() : null;
}

/** One line naming the adapter and the limits the kernels use. */
export function adapterLine(s: BackendSelection): string {
  const a = s.adapter;
  if (!a || s.name !== 'webgpu') return `device: ${s.description}`;
  const limits = Object.entries(a.limits)
    .map(([k, v]) => `${k} ${v >= MiB ? mib(v) : v}`)
    .join(', ');
  const name = [a.vendor, a.architecture, a.device || a.description].filter((x) => !!x).join(' / ');
  return `adapter: ${name || 'unnamed'}${a.software ? ' (software renderer)' : ''}; limits: ${limits}`;
}

/** The per-epoch throughput record written to metrics.jsonl (`type: 'throughput'`). */
export interface ThroughputRecord {
  type: 'throughput';
  epoch: number;
  step: number;
  /** Optimizer steps and images in this epoch (or in the part of it this run trained). */
  steps: number;
  images: number;
  backend: string;
  adapter?: BackendSelection['adapter'];
  /** Training images per second (wall clock of the steps, data waits included). */
  trainImagesPerSec: number;
  /** What the image loader can deliver: images per worker-second x workers (null for in-memory data). */
  loaderImagesPerSec: number | null;
  loaderImagesPerSecPerCore: number | null;
  loaderWorkers: number | null;
  /** Which side limits training: 'data' when the loader delivers less than 1.1x the training rate. */
  bottleneck: 'data' | 'device' | null;
  /** GPU buffers of live tensors now, and the most the backend has held (WebGPU only). */
  gpuMemoryInUseBytes: number | null;
  gpuMemoryPeakBytes: number | null;
}

/**
 * A Trainer callback that prints and logs, per epoch (and for a last partial epoch), the adapter,
 * training images/s, the images/s the loader delivers (so a user sees whether data or the device is
 * the bottleneck) and GPU memory in use and at peak. It only reads counters: no device read.
 */
export function throughputCallback(selection: BackendSelection, data: DataBundle): Callback {
  let t0 = 0;
  let tLast = 0;
  let images = 0;
  let steps = 0;
  let loader0: LoaderTotals | null = null;
  let peak = 0;
  const start = () => {
    t0 = performance.now();
    tLast = t0;
    images = 0;
    steps = 0;
    loader0 = data.loaderStats?.() ?? null;
  };
  const sample = () => {
    const m = gpuMemory();
    if (m) peak = Math.max(peak, m.peakBytes ?? m.allocatedBytes);
  };
  const report = async (trainer: Trainer, epoch: number, step: number) => {
    if (steps === 0) return;
    sample();
    const seconds = Math.max(1e-9, (tLast - t0) / 1000);
    const train = images / seconds;
    const now = data.loaderStats?.() ?? null;
    let perCore: number | null = null;
    let loader: number | null = null;
    if (now && loader0 && now.busyMs > loader0.busyMs) {
      perCore = (now.images - loader0.images) / ((now.busyMs - loader0.busyMs) / 1000);
      loader = perCore * now.workers;
    }
    const m = gpuMemory();
    const rec: ThroughputRecord = {
      type: 'throughput',
      epoch,
      step,
      steps,
      images,
      backend: selection.description,
      ...(selection.adapter ? { adapter: selection.adapter } : {}),
      trainImagesPerSec: train,
      loaderImagesPerSec: loader,
      loaderImagesPerSecPerCore: perCore,
      loaderWorkers: now ? now.workers : null,
      bottleneck: loader === null ? null : loader < 1.1 * train ? 'data' : 'device',
      gpuMemoryInUseBytes: m ? m.allocatedBytes - m.pooledBytes : null,
      gpuMemoryPeakBytes: m ? peak : null,
    };
    await trainer.record(rec as unknown as Record<string, unknown>);
    const parts = [`epoch ${epoch + 1} throughput: train ${rate(train)} img/s`];
    if (loader !== null && perCore !== null)
      parts.push(
        `loader ${rate(loader)} img/s (${rate(perCore)} per core x ${rec.loaderWorkers} workers; ${rec.bottleneck === 'data' ? 'data loading is the bottleneck' : 'the device is the bottleneck'})`,
      );
    else parts.push('loader: in memory');
    if (m) parts.push(`GPU memory ${mib(rec.gpuMemoryInUseBytes as number)} in use, ${mib(peak)} peak`);
    trainer.log(parts.join('; '));
    steps = 0;
  };
  let epochNow = 0;
  return {
    onFitStart(trainer) {
      trainer.log(adapterLine(selection));
      start();
    },
    onEpochStart(_t, epoch) {
      epochNow = epoch;
      start();
    },
    onStepEnd(_t, info: StepInfo) {
      images += info.batchSize;
      steps++;
      tLast = performance.now();
      sample();
    },
    async onEpochEnd(trainer, info) {
      await report(trainer, info.epoch, info.step);
    },
    async onFitEnd(trainer, result) {
      await report(trainer, epochNow, result.steps);
    },
  };
}
