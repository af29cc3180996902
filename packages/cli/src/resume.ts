import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CheckpointManager } from '@rectifier/train';
import { checkCliCheckpoint } from './checkpoint-extra';
import { UsageError, UserError } from './errors';
import type { Io } from './io';
import { checkTrainConfig, TRAIN_DEFAULTS, type TrainConfig } from './run-config';
import type { CheckpointExtra, ResumeChange, ResumePlan } from './session';

/** The run in an output directory: its own config and where to continue it from. */
export interface PriorRun extends ResumePlan {
  config: TrainConfig;
}

/**
 * Finds the run to continue in `outDir`: the newest checkpoint that verifies and passes every
 * check (older ones are tried after a corrupt or invalid one, with a warning), and the config
 * stored in it; or, for a run killed before its first checkpoint, the config.json it wrote.
 */
export async function findRun(outDir: string, io: Io): Promise<PriorRun> {
  const dir = join(outDir, 'checkpoints');
  const mgr = new CheckpointManager(dir);
  const files = await mgr.list();
  if (files.length > 0) {
    const skipped: string[] = [];
    const latest = await mgr.loadLatest((_p, e) => {
      skipped.push(e.message);
      io.stderr.write(`warning: ${e.message}; trying the previous checkpoint\n`);
    }, checkCliCheckpoint);
    if (!latest)
      throw new UserError(
        `--resume: none of the ${files.length} checkpoints in ${dir} is usable (newest: ${skipped[0]}); move ${dir} away to start the run again, or choose another --out`,
      );
    for (const t of Object.values(latest.tensors)) t.dispose();
    const extra = latest.meta.extra as unknown as CheckpointExtra;
    // a key the config did not have when the checkpoint was written: the run used its default
    const config = { ...TRAIN_DEFAULTS, ...extra.config };
    return { config, checkpoint: latest.path, modelConfig: extra.modelConfig };
  }
  const cfgPath = join(outDir, 'config.json');
  if (!existsSync(cfgPath))
    throw new UserError(
      `--resume: ${outDir} holds no run to continue (no checkpoint, no config.json); start one without --resume`,
    );
  let config: TrainConfig;
  try {
    config = checkTrainConfig(JSON.parse(readFileSync(cfgPath, 'utf8')), `${cfgPath}: `, true) as TrainConfig;
  } catch (e) {
    throw new UserError(
      `--resume: ${outDir} has no checkpoint and its config.json is unusable (${(e as Error).message}); start a new run without --resume`,
    );
  }
  io.stdout.write(
    `resume: ${outDir} has no completed checkpoint; starting the run again from the beginning\n`,
  );
  return { config, checkpoint: null };
}

/** Settings applied to a resumed run (the optimizer's, and when or how long it trains). */
const APPLIED = new Set([
  'lr',
  'momentum',
  'weightDecay',
  'epochs',
  'maxSteps',
  'maxTime',
  'checkpointEvery',
  'keep',
  'gradNorms',
  'backend',
  'threads',
  'out',
]);

/** Why a setting cannot change on resume. */
const WHY: Record<string, string> = {
  batchSize:
    'the position in the epoch is counted in batches, so part of the epoch would be skipped or repeated',
  limit: 'the epoch would hold other images, so part of it would be skipped or repeated',
  seed: 'the shuffling order of the epoch would change',
  data: 'the run continues on its own data',
  schedule: "the schedule's state in the checkpoint belongs to the old schedule",
  warmup: "the schedule's state in the checkpoint belongs to the old schedule",
  optimizer: "the optimizer's state in the checkpoint belongs to the old optimizer",
};

/**
 * Compares the config of a resumed run with what the flags and --config asked for (`given`):
 * optimizer settings and budgets are applied (returned, to be recorded); anything that would make
 * the resumed run differ from the one in the checkpoint in another way is refused.
 * @throws UsageError naming the flag, both values and why.
 */
export function resumeChanges(prior: TrainConfig, next: TrainConfig, given: Set<string>): ResumeChange[] {
  const changes: ResumeChange[] = [];
  for (const key of given) {
    const from = (prior as unknown as Record<string, unknown>)[key];
    const to = (next as unknown as Record<string, unknown>)[key];
    if (JSON.stringify(from) === JSON.stringify(to) || key === 'out') continue;
    if (APPLIED.has(key)) {
      changes.push({ key, from, to });
      continue;
    }
    const why = WHY[key] ?? 'it changes the model in the checkpoint';
    throw new UsageError(
      `--resume: ${key} is ${JSON.stringify(from)} in the run but ${JSON.stringify(to)} here, and it cannot change on resume (${why}); drop it, or start a new run with another --out`,
    );
  }
  return changes;
}
