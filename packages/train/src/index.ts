/**
 * @rectifier/train: optimizers (SGD with momentum as in the paper and Caffe, AdamW), learning-rate
 * schedules (step, multi-step, the paper's divide-by-10-on-plateau, cosine, linear warm-up),
 * metrics (top-1/top-5 error, mean loss, throughput), atomic checkpoints and a Trainer.
 */
export { Optimizer } from './optim/optimizer';
export type { BaseGroupOptions, OptimizerStateDict, OptimizerStateJSON, ParamGroup, ParamGroupInput } from './optim/optimizer';
export { SGD } from './optim/sgd';
export type { SGDOptions } from './optim/sgd';
export { AdamW } from './optim/adamw';
export type { AdamWOptions } from './optim/adamw';

export type { Schedule, ScheduleState } from './schedule/schedule';
export { ConstantLR, CosineAnnealingLR, MultiStepLR, StepLR } from './schedule/basic';
export { ReduceLROnPlateau } from './schedule/plateau';
export type { ReduceLROnPlateauOptions } from './schedule/plateau';
export { LinearWarmup, SequentialLR } from './schedule/compose';
export { LRScheduler, scheduleFromConfig } from './schedule/scheduler';
export type { LRSchedulerState, ScheduleConfig } from './schedule/scheduler';

export { topKErrors, topKErrorsFromArrays } from './metrics/topk';
export { MeanMeter, ThroughputMeter, TopKMeter } from './metrics/meters';

export { appendJsonl, fsyncDir, readJsonl, writeFileAtomic } from './checkpoint/atomic';
export {
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
  CheckpointError,
  CheckpointManager,
  decodeCheckpoint,
  encodeCheckpoint,
  loadCheckpointFile,
} from './checkpoint/checkpoint';
export type { CheckpointEntry, CheckpointMeta } from './checkpoint/checkpoint';
export { tensorsDigest } from './checkpoint/digest';

export { Trainer } from './trainer/trainer';
export { evaluateModel, forwardOf } from './trainer/evaluate';
export type { EvaluateOptions } from './trainer/evaluate';
export { NonFiniteError, l2Norms } from './trainer/guard';
export { ProgressReporter, formatDuration, pct } from './trainer/progress';
export type {
  Batch,
  BatchIterable,
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
} from './trainer/types';
