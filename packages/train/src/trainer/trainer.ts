import { crossEntropy, type Parameter, type Tensor, tidy } from '@rectifier/tensor';
import { nodeFs } from '#train-fs';
import { appendJsonl } from '../checkpoint/atomic';
import { MeanMeter, ThroughputMeter, TopKMeter } from '../metrics/meters';
import { topKErrors } from '../metrics/topk';
import type { Optimizer } from '../optim/optimizer';
import type { LRScheduler } from '../schedule/scheduler';
import { type BatchCursor, disposeBatch, disposesByDefault, openEpoch } from './data';
import { DeviceStepStats, type PendingStep, type StepStats } from './device-stats';
import { evaluateModel, forwardOf } from './evaluate';
import { firstNonFiniteLayer, firstNonFiniteParam, l2Norms, NonFiniteError } from './guard';
import { BatchQueue } from './prefetch';
import { formatDuration, ProgressReporter } from './progress';
import { TrainerCheckpoints } from './trainer-checkpoints';
import type {
  Batch,
  Callback,
  DataSource,
  EpochInfo,
  EvalResult,
  FitResult,
  StepInfo,
  StopReason,
  TextSink,
  TrainableModule,
  TrainerOptions,
} from './types';

/**
 * The training loop, in the spirit of Keras `fit` and PyTorch Lightning's `Trainer`: epochs and
 * steps, a validation pass per epoch, top-1/top-5 errors, mean loss, throughput, callbacks, a
 * progress bar (TTY) or plain lines, a JSON-lines metrics log, per-parameter gradient norms, a
 * guard against non-finite losses and gradients, and atomic, resumable checkpoints.
 *
 * Resuming (`fit(train, val, { resume: 'last' })`) restores weights, optimizer and schedule state,
 * random generator states, the epoch, step and position in the epoch, and the running metrics,
 * so the next steps equal those of an uninterrupted run (bit for bit on the CPU backend), provided
 * the data source yields the same batches for the same epoch.
 *
 * @example
 * ```ts
 * const trainer = new Trainer({ model, optimizer: new SGD(model.parameters(), { lr: 0.01 }),
 *   maxEpochs: 10, outDir: 'runs/a' });
 * const result = await trainer.fit(trainLoader, valLoader);
 * ```
 */
export class Trainer {
  readonly model: TrainableModule;
  readonly optimizer: Optimizer;
  readonly scheduler: LRScheduler | undefined;
  readonly options: TrainerOptions;
  /** Optimizer steps taken so far (global). */
  step = 0;
  /** Current epoch (0-based). */
  epoch = 0;
  /** Batches consumed in the current epoch. */
  batchInEpoch = 0;
  /** Training seconds so far, including earlier runs that this one resumed. */
  elapsedSeconds = 0;
  /** One entry per completed epoch. */
  history: EpochInfo[] = [];
  /** The last checkpoint written or restored. */
  lastCheckpoint: string | null = null;

  /** Running training metrics of the current epoch (saved in checkpoints). */
  readonly meters = { loss: new MeanMeter(), top1: new TopKMeter([1]) };
  private readonly throughput = new ThroughputMeter();
  private stopRequest: string | null = null;
  private readonly progress: ProgressReporter;
  private readonly named: Array<[string, Parameter]>;
  private readonly ckpt: TrainerCheckpoints;
  private lossFn: (o: Tensor, t: Tensor) => Tensor;
  /** Device-side statistics while `fit` runs in deferred-read mode, else null. */
  private stats: DeviceStepStats | null = null;
  private source: DataSource | null = null;
  private disposing = false;
  private batchesPerEpoch: number | undefined;
  /** Whether the first step of this `fit` has been read (it is read at once: early feedback). */
  private firstRead = false;

  constructor(options: TrainerOptions) {
    this.options = options;
    this.model = options.model;
    this.optimizer = options.optimizer;
    this.scheduler = options.scheduler;
    this.lossFn = options.loss ?? ((o, t) => crossEntropy(o, t));
    this.named = [...options.model.namedParameters()];
    const maxEpochs = options.maxEpochs ?? 1;
    if (!(Number.isInteger(maxEpochs) && maxEpochs >= 1))
      throw new Error(`Trainer: maxEpochs must be an integer >= 1, got ${maxEpochs}`);
    if (options.checkpoint && !options.outDir) throw new Error('Trainer: checkpointing needs outDir');
    const out: TextSink | undefined = options.stdout ?? (globalThis.process?.stdout as TextSink | undefined);
    const mode = ProgressReporter.resolveMode(options.progress ?? 'auto', out);
    this.progress = new ProgressReporter(mode, out, options.logEvery ?? 50, maxEpochs);
    this.ckpt = new TrainerCheckpoints(this, options);
  }

  get maxEpochs(): number {
    return this.options.maxEpochs ?? 1;
  }

  /** Path of the JSON-lines metrics log, or null without outDir. */
  get metricsPath(): string | null {
    return this.options.outDir ? `${this.options.outDir}/metrics.jsonl` : null;
  }

  /** Requests a stop after the current step (like Keras `model.stop_training = true`). */
  stop(reason = 'stopped by a callback'): void {
    this.stopRequest = reason;
  }

  /** Prints a line through the progress reporter (closing the bar first). */
  log(line: string): void {
    this.progress.message(line);
  }

  /** Appends a record to metrics.jsonl (no-op without outDir). */
  async record(rec: Record<string, unknown>): Promise<void> {
    const p = this.metricsPath;
    if (p) await appendJsonl(p, { ...rec, time: new Date().toISOString() });
  }

  private async emit<K extends keyof Callback>(hook: K, ...args: unknown[]): Promise<void> {
    for (const cb of this.options.callbacks ?? []) {
      const f = cb[hook] as ((...a: unknown[]) => unknown) | undefined;
      if (f) await f.call(cb, this, ...args);
    }
  }

  /**
   * Trains for `maxEpochs` epochs (or until maxSteps / maxTimeSeconds / `stop()`), validating on
   * `val` after every `evalEvery` epochs. `resume`: a checkpoint file, or 'last' for the newest
   * valid checkpoint in `outDir/checkpoints` (corrupt ones are reported and skipped).
   */
  async fit(train: DataSource, val?: DataSource, opts: { resume?: string | null } = {}): Promise<FitResult> {
    const o = this.options;
    if (o.outDir) await (await nodeFs()).mkdir(o.outDir, { recursive: true });
    await this.ckpt.prepare(opts.resume ?? null);
    this.stopRequest = null;
    await this.emit('onFitStart');
    const runStart = performance.now();
    const elapsedBefore = this.elapsedSeconds;
    const dispose = o.disposeBatches ?? disposesByDefault(train);
    this.source = train;
    this.disposing = dispose;
    const readEvery = this.resolveReadEvery();
    this.stats = readEvery > 0 ? new DeviceStepStats(readEvery, this.named.length) : null;
    this.firstRead = false;
    try {
      return await this.fitLoop(train, val, dispose, runStart, elapsedBefore);
    } finally {
      this.stats?.dispose();
      this.stats = null;
      this.source = null;
    }
  }

  private async fitLoop(
    train: DataSource,
    val: DataSource | undefined,
    dispose: boolean,
    runStart: number,
    elapsedBefore: number,
  ): Promise<FitResult> {
    const o = this.options;
    let reason: StopReason = 'completed';
    const depth = o.prefetch ?? (this.stats ? 2 : 0);
    while (this.epoch < this.maxEpochs) {
      const epoch = this.epoch;
      if (this.batchInEpoch === 0) {
        this.meters.loss.reset();
        this.meters.top1.reset();
      }
      this.throughput.reset();
      this.progress.epochStart();
      const epochStart = performance.now();
      await this.emit('onEpochStart', epoch);
      const cursor = await openEpoch(train, epoch, this.batchInEpoch, dispose);
      this.batchesPerEpoch = cursor.length;
      const queue = new BatchQueue(cursor, depth, dispose);
      let stop: StopReason | null = null;
      let epochDone = false;
      try {
        for (;;) {
          const batch = await queue.next(this.prefetchAllowed(depth));
          if (batch === null) {
            epochDone = true;
            break;
          }
          try {
            await (this.stats ? this.trainStepDeferred(batch) : this.trainStep(batch, cursor));
          } finally {
            if (dispose) disposeBatch(batch);
          }
          this.elapsedSeconds = elapsedBefore + (performance.now() - runStart) / 1000;
          stop = this.stopReason();
          if (o.checkpoint !== false && this.ckpt.dueAtStep(this.step)) {
            await this.drainStats();
            await this.ckpt.save();
            stop = this.stopReason(); // a callback reached by the drain may have asked to stop
          }
          if (stop) {
            // Finish the epoch's bookkeeping when the stop falls on its last batch.
            const peek = await queue.next(0);
            if (peek === null) epochDone = true;
            else if (dispose) disposeBatch(peek);
            break;
          }
        }
        await this.drainStats();
      } finally {
        await queue.close();
      }
      if (epochDone) await this.endEpoch(epoch, epochStart, val);
      this.elapsedSeconds = elapsedBefore + (performance.now() - runStart) / 1000;
      if (stop) {
        reason = stop;
        break;
      }
      if (this.stopReason()) {
        reason = this.stopReason() as StopReason;
        break;
      }
    }
    await this.drainStats();
    // A run stopped mid-epoch (max time or steps, stop()) leaves the bar open: end its line.
    this.progress.closeLine();
    await this.ckpt.saveFinal();
    const result: FitResult = {
      reason,
      epochs: this.epoch,
      steps: this.step,
      seconds: this.elapsedSeconds,
      history: this.history,
      lastCheckpoint: this.lastCheckpoint,
    };
    await this.record({
      type: 'fit_end',
      reason,
      step: this.step,
      epoch: this.epoch,
      seconds: this.elapsedSeconds,
    });
    await this.emit('onFitEnd', result);
    return result;
  }

  private stopReason(): StopReason | null {
    const o = this.options;
    if (this.stopRequest) return 'stopped';
    if (o.maxSteps !== undefined && this.step >= o.maxSteps) return 'maxSteps';
    if (o.maxTimeSeconds !== undefined && this.elapsedSeconds >= o.maxTimeSeconds) return 'maxTime';
    return null;
  }

  /**
   * Steps per read of the device-side statistics, or 0 for the synchronous loop (read every step
   * before the optimizer runs). Deferred reads need an optimizer that can skip its update on the
   * device (SGD), and no per-step schedule (it is fed the step's loss).
   */
  private resolveReadEvery(): number {
    const o = this.options;
    const backend = this.named[0]?.[1].backend;
    const hostMemory = backend?.readSync !== undefined;
    const n = o.readEvery ?? (hostMemory ? 1 : (o.logEvery ?? 50));
    if (!(Number.isInteger(n) && n >= 1))
      throw new Error(`Trainer: readEvery must be an integer >= 1, got ${n}`);
    const possible =
      this.optimizer.supportsSkipIf && !(this.scheduler && o.schedulerInterval === 'step') && backend;
    if (!possible) return 0;
    return hostMemory && n === 1 ? 0 : n;
  }

  /** How many batches beyond the current one may be requested: none across a checkpoint or maxSteps. */
  private prefetchAllowed(depth: number): number {
    const o = this.options;
    const s = this.step + 1; // the step of the batch being taken
    let k = 0;
    while (k < depth) {
      const t = s + k; // a batch for step t + 1 may be drawn only if nothing is saved after step t
      if (o.maxSteps !== undefined && t >= o.maxSteps) break;
      if (o.checkpoint !== false && this.ckpt.dueAtStep(t)) break;
      k++;
    }
    return k;
  }

  private gradNormsDue(step: number): boolean {
    const g = this.options.gradNorms;
    if (g === true) return true;
    if (typeof g === 'number' && g > 0) return step === 1 || step % g === 0;
    return false;
  }

  /** Forward, backward, guard, optimizer step: one training iteration. */
  private async trainStep(batch: Batch, cursor: BatchCursor): Promise<void> {
    const o = this.options;
    const step = this.step + 1;
    const n = batch.input.shape[0];
    const lr = this.optimizer.paramGroups[0].lr;
    this.throughput.start();
    this.model.train();
    const forward = forwardOf(this.model);
    const { output, loss } = tidy(() => {
      const out = forward(batch.input);
      return { output: out, loss: this.lossFn(out, batch.target) };
    });
    let lossValue: number;
    let top1: number;
    try {
      loss.backward();
      lossValue = await loss.item();
      const tk = await topKErrors(output, batch.target, [1]);
      top1 = tk.errors[0] / n;
      this.meters.top1.update(tk);
    } finally {
      output.dispose();
      loss.dispose();
    }
    const guard = o.guard ?? true;
    const wantNorms = this.gradNormsDue(step);
    let gradNorms: Record<string, number> | undefined;
    if (guard || wantNorms) {
      const norms = await l2Norms(this.named.map(([, p]) => p.grad));
      const bad = norms.findIndex((v) => !Number.isFinite(v));
      if (guard && (bad >= 0 || !Number.isFinite(lossValue))) {
        const what = Number.isFinite(lossValue)
          ? `the gradient of '${this.named[bad][0]}' is ${norms[bad]}`
          : `the loss is ${lossValue}`;
        await this.failNonFinite(step, what, bad >= 0 ? this.named[bad][0] : null, batch);
      }
      if (wantNorms) gradNorms = Object.fromEntries(this.named.map(([name], i) => [name, norms[i]]));
    }
    this.optimizer.step();
    this.optimizer.zeroGrad();
    this.step = step;
    this.batchInEpoch += 1;
    this.throughput.stop(n);
    this.meters.loss.update(lossValue, n);
    if (this.scheduler && o.schedulerInterval === 'step')
      this.scheduler.step(this.monitorValue(undefined, lossValue));
    const info: StepInfo = {
      step,
      epoch: this.epoch,
      batch: this.batchInEpoch,
      loss: lossValue,
      top1,
      lr,
      batchSize: n,
      samplesPerSec: this.throughput.rate,
      ...(gradNorms ? { gradNorms } : {}),
    };
    this.progress.step(info, cursor.length);
    await this.record({ type: 'step', ...info });
    await this.emit('onStepEnd', info);
  }

  /**
   * One training iteration without reading the device: forward, backward, the step's statistics
   * into the device-side table, and the optimizer step, which the device skips once a non-finite
   * value has been seen. The previous interval's statistics are collected after this step is
   * encoded (so the device works on this step meanwhile), and this interval's read is requested
   * when it is full: at most one read per `readEvery` steps, none that waits in mid-step.
   */
  private async trainStepDeferred(batch: Batch): Promise<void> {
    const o = this.options;
    const stats = this.stats as DeviceStepStats;
    const step = this.step + 1;
    const n = batch.input.shape[0];
    const lr = this.optimizer.paramGroups[0].lr;
    if (step === 1 || stats.recorded === 0) this.throughput.start();
    this.model.train();
    const forward = forwardOf(this.model);
    const { output, loss } = tidy(() => {
      const out = forward(batch.input);
      return { output: out, loss: this.lossFn(out, batch.target) };
    });
    const meta: PendingStep = {
      step,
      epoch: this.epoch,
      batch: this.batchInEpoch + 1,
      lr,
      batchSize: n,
      present: [],
    };
    try {
      loss.backward();
      const grads: Tensor[] = [];
      this.named.forEach(([, p], i) => {
        if (p.grad) {
          meta.present.push(i);
          grads.push(p.grad);
        }
      });
      stats.record(loss, output, batch.target, grads, meta);
    } finally {
      output.dispose();
      loss.dispose();
    }
    this.optimizer.step((o.guard ?? true) ? { skipIf: stats.skipIf } : {});
    this.optimizer.zeroGrad();
    this.step = step;
    this.batchInEpoch += 1;
    if (stats.pending) await this.collectStats();
    // the first step of a run forms an interval of its own (its line and profile come at once)
    if (stats.recorded >= stats.capacity || !this.firstRead) {
      stats.requestRead();
      this.firstRead = true;
    }
    const profiler = this.named[0]?.[1].backend as { stepProfile?: () => unknown } | undefined;
    if (o.profile && typeof profiler?.stepProfile === 'function')
      meta.extra = { profile: profiler.stepProfile() };
  }

  /** Reports the steps of the collected read: meters, progress, log, callbacks; stops on a non-finite value. */
  private async collectStats(): Promise<void> {
    const stats = this.stats;
    if (!stats) return;
    const rows = await stats.collect();
    if (rows.length === 0) return;
    const guard = this.options.guard ?? true;
    for (const { meta } of rows) this.throughput.stop(meta.batchSize);
    if (rows.length > 0) this.throughput.start();
    for (const { meta, stats: s } of rows) {
      if (guard && (s.lossBad || s.firstBadGrad >= 0)) await this.failDeferred(meta, s);
      const n = meta.batchSize;
      this.meters.loss.update(s.loss, n);
      this.meters.top1.update({ n, errors: [n - s.correct] });
      const wantNorms = this.gradNormsDue(meta.step);
      let gradNorms: Record<string, number> | undefined;
      if (wantNorms) {
        gradNorms = Object.fromEntries(this.named.map(([name]) => [name, 0]));
        meta.present.forEach((pi, j) => {
          (gradNorms as Record<string, number>)[this.named[pi][0]] = Math.sqrt(s.gradSq[j]);
        });
      }
      const info: StepInfo = {
        step: meta.step,
        epoch: meta.epoch,
        batch: meta.batch,
        loss: s.loss,
        top1: (n - s.correct) / n,
        lr: meta.lr,
        batchSize: n,
        samplesPerSec: this.throughput.rate,
        ...(gradNorms ? { gradNorms } : {}),
        ...(meta.extra ?? {}),
      };
      this.progress.step(info, this.batchesPerEpoch);
      await this.record({ type: 'step', ...info });
      await this.emit('onStepEnd', info);
    }
  }

  /** Collects every statistic still on the device (before checkpoints, epoch ends and the end of `fit`). */
  private async drainStats(): Promise<void> {
    const stats = this.stats;
    if (!stats) return;
    await this.collectStats();
    stats.requestRead();
    await this.collectStats();
  }

  /**
   * A non-finite value found in step `meta.step`'s statistics. The device skipped that step's update
   * and every later one, so the parameters are those from before it; the step's batch is read again
   * from the data source (re-running the interval up to it) to find the first non-finite layer.
   */
  private async failDeferred(meta: PendingStep, s: StepStats): Promise<never> {
    const param = s.firstBadGrad >= 0 ? this.named[meta.present[s.firstBadGrad]][0] : null;
    const what = !s.lossBad
      ? `the gradient of '${param}' is ${Math.sqrt(s.gradSq[s.firstBadGrad])}`
      : `the loss is ${s.loss}`;
    let batch: Batch | null = null;
    let cursor: BatchCursor | null = null;
    try {
      if (this.source !== null) {
        cursor = await openEpoch(this.source, meta.epoch, meta.batch - 1, this.disposing);
        batch = await cursor.next();
      }
    } catch {
      batch = null; // a one-shot iterable cannot be read again: the layer stays unnamed
    }
    const saved = this.epoch;
    this.epoch = meta.epoch;
    try {
      await this.failNonFinite(meta.step, what, param, batch);
    } finally {
      this.epoch = saved;
      if (batch && this.disposing) disposeBatch(batch);
      await cursor?.close();
    }
    throw new Error('unreachable');
  }

  /**
   * Stops the run: names the step, the first layer whose output is non-finite (a diagnostic
   * forward pass with hooks, when the model supports them) and the first parameter whose gradient
   * (or else value) is non-finite, and keeps the last good checkpoint (nothing is written).
   */
  private async failNonFinite(
    step: number,
    what: string,
    gradParam: string | null,
    batch: Batch | null,
  ): Promise<never> {
    this.optimizer.zeroGrad();
    let name = gradParam;
    let valueParam = false;
    if (name === null) {
      const i = await firstNonFiniteParam(this.named.map(([, p]) => p));
      if (i >= 0) {
        name = this.named[i][0];
        valueParam = true;
      }
    }
    const layer = batch ? await firstNonFiniteLayer(this.model, batch.input) : null;
    const parts = [`non-finite value at step ${step} (epoch ${this.epoch + 1}): ${what}`];
    if (layer) parts.push(`the first layer with a non-finite output is '${layer}'`);
    if (name && gradParam !== null && !what.includes(`'${name}'`))
      parts.push(`the first parameter with a non-finite gradient is '${name}'`);
    if (name && valueParam) parts.push(`the first parameter with a non-finite value is '${name}'`);
    if (!layer && !name)
      parts.push('every parameter and gradient is finite (check the loss function and the targets)');
    const kept = this.lastCheckpoint
      ? `the last good checkpoint is ${this.lastCheckpoint}`
      : 'no checkpoint had been written';
    const msg = `${parts.join('; ')}. Training stopped before applying this step; ${kept}.`;
    await this.record({ type: 'error', step, parameter: name, layer, message: msg });
    this.progress.closeLine();
    throw new NonFiniteError(msg, step, name, this.lastCheckpoint, layer);
  }

  /**
   * The monitored value for `scheduler.step(metric)`, or undefined when it is not available
   * (schedules that need it, ReduceLROnPlateau, then throw a clear error).
   */
  private monitorValue(val: EvalResult | undefined, trainLoss: number): number | undefined {
    const m = this.options.monitor ?? (val ? 'val_top1' : 'train_loss');
    if (m === 'train_loss') return trainLoss;
    if (!val) return undefined;
    return m === 'val_top1' ? val.top1 : m === 'val_top5' ? val.top5 : val.loss;
  }

  private async endEpoch(epoch: number, epochStart: number, val: DataSource | undefined): Promise<void> {
    const o = this.options;
    let valResult: EvalResult | undefined;
    const every = o.evalEvery ?? 1;
    if (val !== undefined && ((epoch + 1) % every === 0 || epoch + 1 === this.maxEpochs)) {
      valResult = await this.evaluate(val, { epoch });
      this.progress.validation(valResult);
      await this.emit('onValidationEnd', valResult);
    }
    const info: EpochInfo = {
      epoch,
      step: this.step,
      trainLoss: this.meters.loss.mean,
      trainTop1: this.meters.top1.rates[0],
      samplesPerSec: this.throughput.rate,
      lr: this.optimizer.paramGroups[0].lr,
      seconds: (performance.now() - epochStart) / 1000,
      ...(valResult ? { val: valResult } : {}),
    };
    if (this.scheduler && (o.schedulerInterval ?? 'epoch') === 'epoch') {
      // With evalEvery > 1, epochs without validation do not advance a metric-driven schedule.
      const m = this.monitorValue(valResult, info.trainLoss);
      if (m !== undefined || this.scheduler.schedule.observe === undefined) this.scheduler.step(m);
    }
    this.history.push(info);
    this.progress.epochEnd(info);
    await this.record({ type: 'epoch', ...info });
    this.epoch = epoch + 1;
    this.batchInEpoch = 0;
    await this.emit('onEpochEnd', info);
    if (o.checkpoint !== false && this.ckpt.dueAtEpoch(this.epoch)) await this.ckpt.save();
  }

  /**
   * Mean loss and top-k errors of the model on `data`, in eval mode and without a graph
   * (see `evaluateModel`). Batches are disposed after use (unless `disposeBatches` is false or `data`
   * is an array of batches).
   */
  async evaluate(data: DataSource, opts: { epoch?: number } = {}): Promise<EvalResult> {
    return evaluateModel(this.model, data, {
      topK: this.options.topK,
      loss: this.lossFn,
      disposeBatches: this.options.disposeBatches,
      epoch: opts.epoch,
    });
  }

  /** A one-line summary of where the run is, for logs. */
  describe(): string {
    return `epoch ${this.epoch + 1}/${this.maxEpochs}, step ${this.step}, ${formatDuration(this.elapsedSeconds)} of training`;
  }
}
