import { defaultGenerator, type Tensor } from '@rectifier/tensor';
import { readJsonl, writeFileAtomic } from '../checkpoint/atomic';
import {
  CheckpointError,
  CheckpointManager,
  type CheckpointMeta,
  loadCheckpointFile,
} from '../checkpoint/checkpoint';
import type { OptimizerStateJSON } from '../optim/optimizer';
import type { LRSchedulerState } from '../schedule/scheduler';
import { checkTrainerMeta } from './checkpoint-meta';
import type { Trainer } from './trainer';
import type { EpochInfo, TrainerOptions } from './types';

const MODEL = 'model.';
const OPTIM = 'optimizer.';

/** Model state dicts may be records or maps; checkpoints use records. */
function toRecord(sd: Record<string, Tensor> | Map<string, Tensor>): Record<string, Tensor> {
  return sd instanceof Map ? Object.fromEntries(sd) : sd;
}

/**
 * The Trainer's checkpoint policy and (de)serialization of its whole state: model weights,
 * optimizer buffers and hyper-parameters, schedule, random generators, epoch / step / position in
 * the epoch, running metrics, history and elapsed time.
 */
export class TrainerCheckpoints {
  private readonly manager: CheckpointManager | null;
  private lastSavedStep = -1;
  private readonly everySteps: number;
  private readonly everyEpochs: number;

  constructor(
    private readonly trainer: Trainer,
    private readonly opts: TrainerOptions,
  ) {
    const c = opts.checkpoint === false ? null : (opts.checkpoint ?? {});
    this.manager =
      c && opts.outDir ? new CheckpointManager(`${opts.outDir}/checkpoints`, c.keepLast ?? 3) : null;
    this.everySteps = c?.everySteps ?? 0;
    this.everyEpochs = c?.everyEpochs ?? 1;
  }

  get dir(): string | null {
    return this.manager?.dir ?? null;
  }

  dueAtStep(step: number): boolean {
    return this.manager !== null && this.everySteps > 0 && step % this.everySteps === 0;
  }

  dueAtEpoch(epochsDone: number): boolean {
    return this.manager !== null && this.everyEpochs > 0 && epochsDone % this.everyEpochs === 0;
  }

  /** Writes a checkpoint of the current state (atomically) and reports it. */
  async save(): Promise<string | null> {
    const t = this.trainer;
    if (!this.manager || this.lastSavedStep === t.step) return t.lastCheckpoint;
    const tensors: Record<string, Tensor> = {};
    const model = toRecord(modelOf(t).stateDict());
    for (const [k, v] of Object.entries(model)) tensors[MODEL + k] = v;
    const { buffers, ...optimJson } = t.optimizer.stateDict();
    for (const [i, bufs] of Object.entries(buffers))
      for (const [name, b] of Object.entries(bufs)) tensors[`${OPTIM}${i}.${name}`] = b;
    const rng: Record<string, unknown> = { default: defaultGenerator().getState() };
    for (const [k, g] of Object.entries(this.opts.generators ?? {})) rng[k] = g.getState();
    const meta = {
      epoch: t.epoch,
      batch: t.batchInEpoch,
      step: t.step,
      elapsedSeconds: t.elapsedSeconds,
      optimizer: optimJson,
      scheduler: t.scheduler?.stateDict() ?? null,
      rng,
      meters: { loss: t.meters.loss.stateDict(), top1: t.meters.top1.stateDict() },
      history: t.history,
      extra: this.opts.checkpointExtra?.() ?? {},
      createdAt: new Date().toISOString(),
    };
    let path: string;
    try {
      // the file name counts epochs as the progress bar does (from 1): a checkpoint inside an epoch
      // carries that epoch's number, one at an epoch's end the number of epochs completed
      const epochShown = t.batchInEpoch > 0 ? t.epoch + 1 : t.epoch;
      path = await this.manager.save(tensors, meta, { epoch: epochShown, step: t.step });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (typeof code !== 'string') throw e;
      // a full disk or lost permissions: the write was atomic, so the previous checkpoint is whole
      const kept = t.lastCheckpoint
        ? `the previous checkpoint ${t.lastCheckpoint} is intact`
        : 'no checkpoint had been written';
      throw new CheckpointError(
        `cannot write the checkpoint of step ${t.step} in ${this.manager.dir}: ${(e as Error).message}; ${kept}`,
        this.manager.dir,
      );
    }
    this.lastSavedStep = t.step;
    t.lastCheckpoint = path;
    await t.record({ type: 'checkpoint', step: t.step, epoch: t.epoch, batch: t.batchInEpoch, path });
    for (const cb of this.opts.callbacks ?? []) await cb.onCheckpoint?.(t, path);
    return path;
  }

  /** At the end of `fit`: a checkpoint of the final state unless one was just written. */
  async saveFinal(): Promise<void> {
    if (this.manager && this.trainer.step > 0) await this.save();
  }

  /** The check every checkpoint passes before it is restored (types, ranges, generator states). */
  readonly check = (meta: CheckpointMeta, tensors: Record<string, Tensor>): void =>
    checkTrainerMeta(meta, tensors, Object.keys(this.opts.generators ?? {}));

  /**
   * Before `fit`: restores `resume` ('last' = newest valid checkpoint in outDir/checkpoints, or a
   * file path) and trims the metrics log to the restored step, so it reads as one run. 'last' with
   * no checkpoint file starts from the beginning (a run killed before its first checkpoint); with
   * checkpoint files none of which is usable it throws rather than start over and prune them.
   */
  async prepare(resume: string | null): Promise<void> {
    const t = this.trainer;
    if (resume === null) return;
    let loaded: { tensors: Record<string, Tensor>; meta: CheckpointMeta; path: string } | null;
    if (resume === 'last') {
      if (!this.manager) throw new Error("Trainer: resume 'last' needs outDir and checkpointing enabled");
      const skipped: string[] = [];
      loaded = await this.manager.loadLatest((_path, err) => {
        skipped.push(err.message);
        t.log(`warning: ${err.message}; trying the previous checkpoint`);
      }, this.check);
      if (loaded === null) {
        if (skipped.length > 0)
          throw new CheckpointError(
            `none of the ${skipped.length} checkpoints in ${this.manager.dir} is usable (newest: ${skipped[0]}); move them away to start the run again`,
            this.manager.dir,
          );
        t.log(`no checkpoint in ${this.manager.dir}; starting from the beginning`);
        await this.trimMetrics(0, { type: 'resume', step: 0, epoch: 0, batch: 0, path: null });
        return;
      }
    } else {
      loaded = { ...(await loadCheckpointFile(resume, this.check)), path: resume };
    }
    try {
      this.restore(loaded.tensors, loaded.meta, loaded.path);
    } finally {
      for (const x of Object.values(loaded.tensors)) x.dispose();
    }
    t.lastCheckpoint = loaded.path;
    this.lastSavedStep = t.step;
    t.log(`resumed from ${loaded.path} (${t.describe()})`);
    await this.trimMetrics(t.step, {
      type: 'resume',
      step: t.step,
      epoch: t.epoch,
      batch: t.batchInEpoch,
      path: loaded.path,
    });
  }

  /** Drops metrics records after `step` (written after the checkpoint resumed from) and notes the resume. */
  private async trimMetrics(step: number, note: Record<string, unknown>): Promise<void> {
    const mp = this.trainer.metricsPath;
    if (!mp) return;
    const recs = await readJsonl(mp);
    const keep = recs.filter((r) => typeof r.step !== 'number' || (r.step as number) <= step);
    await writeFileAtomic(mp, keep.map((r) => `${JSON.stringify(r)}\n`).join(''));
    await this.trainer.record(note);
  }

  private restore(tensors: Record<string, Tensor>, meta: CheckpointMeta, path: string): void {
    const t = this.trainer;
    const model: Record<string, Tensor> = {};
    const buffers: Record<string, Record<string, Tensor>> = {};
    for (const [k, v] of Object.entries(tensors)) {
      if (k.startsWith(MODEL)) model[k.slice(MODEL.length)] = v;
      else if (k.startsWith(OPTIM)) {
        const rest = k.slice(OPTIM.length);
        const dot = rest.indexOf('.');
        const idx = rest.slice(0, dot);
        buffers[idx] ??= {};
        buffers[idx][rest.slice(dot + 1)] = v;
      }
    }
    try {
      modelOf(t).loadStateDict(model);
    } catch (e) {
      throw new CheckpointError(`checkpoint ${path} does not fit this model: ${(e as Error).message}`, path);
    }
    try {
      t.optimizer.loadStateDict({ ...(meta.optimizer as OptimizerStateJSON), buffers });
    } catch (e) {
      throw new CheckpointError(
        `checkpoint ${path} does not fit this optimizer: ${(e as Error).message}`,
        path,
      );
    }
    const sched = meta.scheduler as LRSchedulerState | null;
    if (t.scheduler && sched) {
      try {
        t.scheduler.loadStateDict(sched);
      } catch (e) {
        throw new CheckpointError(
          `checkpoint ${path} does not fit this learning-rate schedule: ${(e as Error).message}`,
          path,
        );
      }
    }
    const rng = meta.rng as Record<string, { seed: string; offset: string }>;
    if (rng?.default) defaultGenerator().setState(rng.default);
    for (const [k, g] of Object.entries(this.opts.generators ?? {})) g.setState(rng[k]);
    t.epoch = Number(meta.epoch);
    t.batchInEpoch = Number(meta.batch);
    t.step = Number(meta.step);
    t.elapsedSeconds = Number(meta.elapsedSeconds ?? 0);
    const meters = meta.meters as {
      loss: { sum: number; count: number };
      top1: { total: number; wrong: number[] };
    };
    t.meters.loss.loadStateDict(meters.loss);
    t.meters.top1.loadStateDict(meters.top1);
    t.history = (meta.history as EpochInfo[]) ?? [];
  }
}

interface StatefulModule {
  stateDict(): Record<string, Tensor> | Map<string, Tensor>;
  loadStateDict(sd: Record<string, Tensor>): void;
}

function modelOf(t: Trainer): StatefulModule {
  const m = t.model as unknown as Partial<StatefulModule>;
  if (typeof m.stateDict !== 'function' || typeof m.loadStateDict !== 'function') {
    throw new Error(
      'Trainer: checkpointing needs a model with stateDict() and loadStateDict() (an @rectifier/nn Module)',
    );
  }
  return m as StatefulModule;
}
