/**
 * @rectifier/train: optimizers (SGD with momentum as in the paper and Caffe, AdamW), learning-rate
 * schedules (step, multi-step, the paper's divide-by-10-on-plateau, cosine, linear warm-up),
 * metrics (top-1/top-5 error, mean loss, throughput), atomic checkpoints and a Trainer.
 */

export { appendJsonl, fsyncDir, readJsonl, writeFileAtomic } from './checkpoint/atomic';
export type { CheckpointCheck, CheckpointEntry, CheckpointMeta } from './checkpoint/checkpoint';
export {
  CHECKPOINT_DIGEST_KEY,
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
  CheckpointError,
  CheckpointManager,
  decodeCheckpoint,
  encodeCheckpoint,
  loadCheckpointFile,
} from './checkpoint/checkpoint';
export { checkpointDigest, tensorsDigest } from './checkpoint/digest';
export { MeanMeter, ThroughputMeter, TopKMeter } from './metrics/meters';
export { topKErrors, topKErrorsFromArrays } from './metrics/topk';
export type { AdamWOptions } from './optim/adamw';
export { AdamW } from './optim/adamw';
export type {
  BaseGroupOptions,
  OptimizerStateDict,
  OptimizerStateJSON,
  ParamGroup,
  ParamGroupInput,
} from './optim/optimizer';
export { Optimizer } from './optim/optimizer';
export type { SGDOptions } from './optim/sgd';
export { SGD } from './optim/sgd';
export { ConstantLR, CosineAnnealingLR, MultiStepLR, StepLR } from './schedule/basic';
export { LinearWarmup, SequentialLR } from './schedule/compose';
export type { ReduceLROnPlateauOptions } from './schedule/plateau';
export { ReduceLROnPlateau } from './schedule/plateau';
export type { Schedule, ScheduleState } from './schedule/schedule';
export type { LRSchedulerState, ScheduleConfig } from './schedule/scheduler';
export { LRScheduler, scheduleFromConfig } from './schedule/scheduler';
export { checkTrainerMeta } from './trainer/checkpoint-meta';
export type { EvalProgress, EvaluateOptions } from './trainer/evaluate';
export { evaluateModel, forwardOf } from './trainer/evaluate';
export { l2Norms, NonFiniteError } from './trainer/guard';
export { fitLine, formatDuration, ProgressReporter, pct, progressBar } from './trainer/progress';
export { Trainer } from './trainer/trainer';
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
