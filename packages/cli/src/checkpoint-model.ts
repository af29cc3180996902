import type { Module } from '@rectifier/nn';
import { CheckpointError, loadCheckpointFile } from '@rectifier/train';
import { buildModelFor } from './build-model';
import { checkCheckpointExtra, checkCliCheckpoint } from './checkpoint-extra';
import { UserError } from './errors';
import type { CheckpointExtra } from './session';

/** A model rebuilt from a training checkpoint, with what the checkpoint says about its data. */
export interface LoadedModel {
  model: Module;
  extra: CheckpointExtra;
  path: string;
  step: number;
  epoch: number;
}

/**
 * Reads a checkpoint written by `rectifier train`/`quickstart`, checks everything it says (digest,
 * types and ranges, a model config whose parameter count matches the tensors: see
 * `checkCheckpointExtra`), rebuilds the model from its stored config and loads the weights.
 * Corrupt, truncated, invalid or foreign files give a UserError before any model is built.
 */
export async function loadModelFromCheckpoint(path: string): Promise<LoadedModel> {
  let ck: Awaited<ReturnType<typeof loadCheckpointFile>>;
  try {
    ck = await loadCheckpointFile(path, (meta, tensors) => {
      if ((meta.extra as CheckpointExtra | undefined)?.modelConfig === undefined)
        throw new CheckpointError(
          `${path} has no model configuration (it was not written by the rectifier CLI)`,
          path,
        );
      checkCliCheckpoint(meta, tensors);
    });
  } catch (e) {
    if (e instanceof CheckpointError) throw new UserError(e.message);
    throw e;
  }
  try {
    const extra = checkCheckpointExtra(ck.meta, ck.tensors);
    const { model } = buildModelFor(extra.modelConfig, 0);
    const weights: Record<string, (typeof ck.tensors)[string]> = {};
    for (const [k, t] of Object.entries(ck.tensors)) if (k.startsWith('model.')) weights[k.slice(6)] = t;
    try {
      model.loadStateDict(weights);
    } catch (e) {
      throw new UserError(
        `${path} does not match its own model configuration: ${(e as Error).message.split('\n')[0]}`,
      );
    }
    return { model, extra, path, step: Number(ck.meta.step), epoch: Number(ck.meta.epoch) };
  } finally {
    for (const t of Object.values(ck.tensors)) t.dispose();
  }
}
