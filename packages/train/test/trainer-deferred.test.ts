// The Trainer's deferred-read mode (statistics read from the device once per interval, batches
// fetched ahead), exercised on the CPU where it must give exactly the results of the step-by-step
// loop: the same losses, weights, logs and checkpoints, and the same non-finite diagnosis.
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manualSeed, memory } from '@rectifier/tensor';
import { describe, expect, it } from 'vitest';
import { readJsonl } from '../src/checkpoint/atomic';
import { SGD } from '../src/optim/sgd';
import { NonFiniteError } from '../src/trainer/guard';
import { Trainer } from '../src/trainer/trainer';
import type { StepInfo, TrainerOptions } from '../src/trainer/types';
import { blobs, loader, sink, snapshot, tinyModel } from './fixtures';

const data = blobs(96);
const val = blobs(48, 11);

function makeTrainer(over: Partial<TrainerOptions> = {}) {
  manualSeed(123);
  const model = tinyModel(1);
  const optimizer = new SGD(model.parameters(), { lr: 0.05, momentum: 0.9, weightDecay: 5e-4 });
  const out = sink();
  const steps: StepInfo[] = [];
  const trainer = new Trainer({
    model,
    optimizer,
    maxEpochs: 2,
    stdout: out,
    progress: 'lines',
    logEvery: 4,
    gradNorms: 5,
    callbacks: [{ onStepEnd: (_t, s) => void steps.push(s) }],
    ...over,
  });
  return { model, trainer, out, steps };
}

describe('Trainer with deferred reads (readEvery > 1)', () => {
  it('gives the results, step reports and logs of the step-by-step loop', async () => {
    const a = makeTrainer({ checkpoint: false });
    const ra = await a.trainer.fit(loader(data, 16), loader(val, 48, false));
    const dir = await mkdtemp(join(tmpdir(), 'rt-deferred-'));
    const b = makeTrainer({ readEvery: 4, prefetch: 2, outDir: dir });
    const tensorsBefore = memory().tensors;
    const rb = await b.trainer.fit(loader(data, 16), loader(val, 48, false));
    // what stays: one momentum buffer per parameter (the statistics table and flag are freed)
    expect(memory().tensors).toBe(tensorsBefore + Object.keys(snapshot(b.model)).length);
    expect(snapshot(b.model)).toEqual(snapshot(a.model));
    expect(b.steps.map((s) => s.step)).toEqual(a.steps.map((s) => s.step));
    expect(b.steps.map((s) => s.loss)).toEqual(a.steps.map((s) => s.loss));
    expect(b.steps.map((s) => s.top1)).toEqual(a.steps.map((s) => s.top1));
    expect(b.steps.map((s) => s.lr)).toEqual(a.steps.map((s) => s.lr));
    // norms: the same sums of squares (bit for bit on the CPU)
    expect(b.steps.map((s) => s.gradNorms)).toEqual(a.steps.map((s) => s.gradNorms));
    expect(rb.history.map((h) => [h.trainLoss, h.trainTop1, h.val?.loss])).toEqual(
      ra.history.map((h) => [h.trainLoss, h.trainTop1, h.val?.loss]),
    );
    // the same progress lines (throughput aside)
    const lines = (s: string) => s.replace(/[\d.]+ img\/s/g, '').split('\n');
    expect(lines(b.out.text())).toEqual(lines(a.out.text()));
    const logged = (await readJsonl(join(dir, 'metrics.jsonl'))).filter((r) => r.type === 'step');
    expect(logged.map((r) => r.step)).toEqual(a.steps.map((s) => s.step));
  });

  it('resumes a deferred run to exactly the uninterrupted run', async () => {
    const full = makeTrainer({ checkpoint: false, readEvery: 3 });
    await full.trainer.fit(loader(data, 16), loader(val, 48, false));
    const dir = await mkdtemp(join(tmpdir(), 'rt-deferred-resume-'));
    const first = makeTrainer({ outDir: dir, maxSteps: 8, readEvery: 3, checkpoint: { everySteps: 4 } });
    await first.trainer.fit(loader(data, 16), loader(val, 48, false));
    const second = makeTrainer({ outDir: dir, readEvery: 3, checkpoint: { everySteps: 4 } });
    manualSeed(999);
    const r = await second.trainer.fit(loader(data, 16), loader(val, 48, false), { resume: 'last' });
    expect(r.steps).toBe(12);
    expect(second.steps.map((s) => s.loss)).toEqual(full.steps.slice(8).map((s) => s.loss));
    expect(snapshot(second.model)).toEqual(snapshot(full.model));
  });

  it('stops on a non-finite gradient found late, naming the step, parameter and layer; the device skipped the update', async () => {
    const bad = blobs(96);
    bad.x[40 * 8] = Number.POSITIVE_INFINITY; // in batch 3 (step 3) without shuffling
    const sync = makeTrainer({ checkpoint: false });
    const e1 = (await sync.trainer.fit(loader(bad, 16, false)).catch((e: unknown) => e)) as NonFiniteError;
    expect(e1).toBeInstanceOf(NonFiniteError);

    const dir = await mkdtemp(join(tmpdir(), 'rt-deferred-nan-'));
    const late = makeTrainer({ readEvery: 4, outDir: dir, checkpoint: { everySteps: 2 } });
    const err = await late.trainer.fit(loader(bad, 16, false)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NonFiniteError);
    const e = err as NonFiniteError;
    expect(e.step).toBe(3);
    expect(e.parameter).toBe('fc1.weight');
    expect(e.layer).toBe('fc1');
    expect(e.message).toBe(
      e1.message.replace('no checkpoint had been written', `the last good checkpoint is ${e.lastCheckpoint}`),
    );
    expect(e.lastCheckpoint).toMatch(/epoch-0001-step-00000002\.ckpt\.safetensors$/);
    expect(await readdir(join(dir, 'checkpoints'))).toEqual(['epoch-0001-step-00000002.ckpt.safetensors']);
    // steps 3 and 4 were encoded, but the device skipped their updates: the weights are step 2's
    expect(snapshot(late.model)).toEqual(snapshot(sync.model));
    expect(late.steps.map((s) => s.step)).toEqual([1, 2]);
  });
});
