import type { Generator, Parameter, Tensor } from '@rectifier/tensor';
import type { Optimizer } from '../optim/optimizer';
import type { LRScheduler } from '../schedule/scheduler';
import type { Trainer } from './trainer';

/** One mini-batch: `input` (e.g. NCHW float32) and `target` (int32 class indices [N]). */
export interface Batch {
  input: Tensor;
  target: Tensor;
}

/** Batches of one pass, synchronous or asynchronous (loaders that decode images are async). */
export type BatchIterable = Iterable<Batch> | AsyncIterable<Batch>;

/**
 * Where `fit` gets its batches. Either an iterable, iterated afresh every epoch (on resume the
 * Trainer discards the batches already consumed, so the iterable must yield the same sequence for
 * the same epoch), or a function returning the batches of `epoch` starting at batch `startBatch`
 * (a resumable loader that can seek, and can reshuffle deterministically per epoch).
 */
export type DataSource = BatchIterable | ((ctx: { epoch: number; startBatch: number }) => BatchIterable);

/** What the Trainer needs from a model (`@rectifier/nn`'s Module satisfies it). */
export interface TrainableModule {
  forward(input: Tensor): Tensor;
  train(mode?: boolean): unknown;
  eval(): unknown;
  namedParameters(): Iterable<[string, Parameter]>;
}

/** Per-step information passed to `onStepEnd` and written to the metrics log. */
export interface StepInfo {
  /** Global optimizer step, 1-based after the step. */
  step: number;
  /** Epoch, 0-based. */
  epoch: number;
  /** Batches consumed in this epoch, including this one. */
  batch: number;
  /** Mean loss of the batch. */
  loss: number;
  /** Top-1 error of the batch (training mode), in [0, 1]. */
  top1: number;
  /** Learning rate of the first parameter group when the step ran. */
  lr: number;
  /** Samples in the batch. */
  batchSize: number;
  /** Training throughput so far in this epoch, samples per second. */
  samplesPerSec: number;
  /** L2 norm of each parameter's gradient (by parameter name), when requested for this step. */
  gradNorms?: Record<string, number>;
  /**
   * What the device did for this step (`WebGPUBackend.stepProfile()`: dispatches, pipeline
   * compiles, buffer allocations, uploads, reads...), with the `profile` option on a backend that
   * reports it.
   */
  profile?: unknown;
}

/** Evaluation result: mean loss and top-k error fractions (`topk[k]`), plus the sample count. */
export interface EvalResult {
  loss: number;
  /** Top-1 error fraction (NaN if k = 1 was not requested). */
  top1: number;
  /** Top-5 error fraction (NaN if 5 exceeds the number of classes). */
  top5: number;
  /** Error fraction by k, for every requested k. */
  topk: Record<number, number>;
  n: number;
  samplesPerSec: number;
}

/** Per-epoch summary passed to `onEpochEnd` and written to the metrics log. */
export interface EpochInfo {
  epoch: number;
  step: number;
  trainLoss: number;
  trainTop1: number;
  samplesPerSec: number;
  lr: number;
  seconds: number;
  val?: EvalResult;
}

/** Lifecycle hooks, as Keras callbacks / Lightning hooks. Any may be async. Call `trainer.stop()` to end the run. */
export interface Callback {
  onFitStart?(trainer: Trainer): void | Promise<void>;
  onEpochStart?(trainer: Trainer, epoch: number): void | Promise<void>;
  onStepEnd?(trainer: Trainer, info: StepInfo): void | Promise<void>;
  onValidationEnd?(trainer: Trainer, result: EvalResult): void | Promise<void>;
  onEpochEnd?(trainer: Trainer, info: EpochInfo): void | Promise<void>;
  onCheckpoint?(trainer: Trainer, path: string): void | Promise<void>;
  onFitEnd?(trainer: Trainer, result: FitResult): void | Promise<void>;
}

/** A writable text stream (process.stdout, or a test double). */
export interface TextSink {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Options of `new Trainer(...)`. */
export interface TrainerOptions {
  model: TrainableModule;
  optimizer: Optimizer;
  /** `(output, target) => scalar loss`. Default: softmax cross-entropy, mean over the batch. */
  loss?: (output: Tensor, target: Tensor) => Tensor;
  scheduler?: LRScheduler;
  /** When the scheduler steps: after every epoch (default, the paper) or after every optimizer step. */
  schedulerInterval?: 'epoch' | 'step';
  /**
   * Value passed to `scheduler.step(metric)`: 'val_top1' (default when validation data is given,
   * the paper's "error plateaus"), 'val_top5', 'val_loss' or 'train_loss'.
   */
  monitor?: 'val_top1' | 'val_top5' | 'val_loss' | 'train_loss';
  /** Number of epochs. Default 1. */
  maxEpochs?: number;
  /** Stop after this many optimizer steps in total. */
  maxSteps?: number;
  /** Stop after this many seconds of training (summed over resumed runs). */
  maxTimeSeconds?: number;
  /** Which top-k errors to measure. Default [1, 5]. */
  topK?: number[];
  callbacks?: Callback[];
  /**
   * Directory for `metrics.jsonl` and `checkpoints/`. Without it nothing is written to disk
   * (Node only).
   */
  outDir?: string;
  /** Checkpointing (needs outDir). Default: at the end of every epoch and of the run, keep the last 3. */
  checkpoint?: false | { everySteps?: number; everyEpochs?: number; keepLast?: number };
  /**
   * Per-parameter gradient L2 norms: `true` for every step, a number n for every n-th step and the
   * first step. They appear in `StepInfo.gradNorms` and in the metrics log.
   */
  gradNorms?: boolean | number;
  /** Stop on a non-finite loss or gradient, naming the step and the parameter. Default true. */
  guard?: boolean;
  /** 'auto' (default): a progress bar on a TTY, plain lines otherwise. */
  progress?: 'auto' | 'bar' | 'lines' | 'none';
  /** Steps between plain progress lines. Default 50. */
  logEvery?: number;
  /** Where progress goes. Default process.stdout (Node) or nothing. */
  stdout?: TextSink;
  /** Random generators whose state is saved in checkpoints, besides the default generator. */
  generators?: Record<string, Generator>;
  /** Extra JSON stored in every checkpoint (model configuration, class names...). */
  checkpointExtra?: () => Record<string, unknown>;
  /** Epochs between validation passes. Default 1. */
  evalEvery?: number;
  /**
   * Steps between reads of the training statistics (loss, top-1 count, the guard's non-finite
   * checks) from the device. 1 (the default on backends with host memory: CPU, WASM): read every
   * step, and stop before the optimizer applies a bad step. n > 1 (default `logEvery` on other
   * backends, e.g. WebGPU): the statistics accumulate on the device and are read together once per
   * n steps, one step late, so the device never waits for the host in mid-step; a non-finite value
   * makes the optimizer skip its update on the device from that step on, and the run then stops
   * naming the step, the parameter and (re-reading that step's batch from the data source) the
   * layer. Step information (`onStepEnd`, progress, metrics log) then arrives in bursts, and a
   * `trainer.stop()` takes effect up to n steps later. Needs an optimizer with `supportsSkipIf`
   * (SGD) and no per-step schedule; otherwise every step is read.
   */
  readEvery?: number;
  /**
   * Batches requested from the data source ahead of the step that uses them, so their decoding and
   * upload overlap the device's work. Default 2 when statistics are read in intervals (a GPU), else
   * 0. Never across a due checkpoint or `maxSteps` (random draws for later batches would otherwise
   * differ after a resume).
   */
  prefetch?: number;
  /** Attach the backend's step profile (`stepProfile()`, WebGPU) to each `StepInfo` as `profile`. */
  profile?: boolean;
  /**
   * Dispose each batch's tensors after use. Default: true for loaders and generators (they create
   * fresh tensors), false for an array of batches (reused every epoch).
   */
  disposeBatches?: boolean;
}

/** Why `fit` returned. */
export type StopReason = 'completed' | 'maxSteps' | 'maxTime' | 'stopped';

/** What `fit` resolves to. */
export interface FitResult {
  reason: StopReason;
  epochs: number;
  steps: number;
  seconds: number;
  history: EpochInfo[];
  lastCheckpoint: string | null;
}
