import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manualSeed, memory, type Tensor, tensor } from '@rectifier/tensor';
import { describe, expect, it } from 'vitest';
import { readJsonl } from '../src/checkpoint/atomic';
import { CheckpointError } from '../src/checkpoint/checkpoint';
import { SGD } from '../src/optim/sgd';
import { ReduceLROnPlateau } from '../src/schedule/plateau';
import { LRScheduler } from '../src/schedule/scheduler';
import { NonFiniteError } from '../src/trainer/guard';
import { Trainer } from '../src/trainer/trainer';
import type { Callback, TrainerOptions } from '../src/trainer/types';
import { blobs, loader, sink, snapshot, tinyModel } from './fixtures';

const data = blobs(96);
const val = blobs(48, 11);

function makeTrainer(over: Partial<TrainerOptions> = {}, seed = 1) {
  manualSeed(123);
  const model = tinyModel(seed);
  const optimizer = new SGD(model.parameters(), { lr: 0.05, momentum: 0.9, weightDecay: 5e-4 });
  const out = sink();
  const trainer = new Trainer({
    model,
    optimizer,
    maxEpochs: 3,
    stdout: out,
    progress: 'lines',
    logEvery: 4,
    ...over,
  });
  return { model, optimizer, trainer, out };
}

describe('Trainer.fit', () => {
  it('trains, validates, logs metrics and calls callbacks in order', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rt-fit-'));
    const events: string[] = [];
    const cb: Callback = {
      onFitStart: () => void events.push('fitStart'),
      onEpochStart: (_t, e) => void events.push(`epochStart${e}`),
      onValidationEnd: () => void events.push('val'),
      onEpochEnd: (_t, e) => void events.push(`epochEnd${e.epoch}`),
      onCheckpoint: () => void events.push('ckpt'),
      onFitEnd: () => void events.push('fitEnd'),
    };
    const { trainer, out } = makeTrainer({ outDir: dir, callbacks: [cb] });
    const r = await trainer.fit(loader(data, 16), loader(val, 24, false));
    expect(r.reason).toBe('completed');
    expect(r.steps).toBe(18);
    expect(r.history).toHaveLength(3);
    expect(r.history[2].val?.top1).toBeLessThan(0.2); // separable blobs
    expect(r.history[2].trainLoss).toBeLessThan(r.history[0].trainLoss);
    expect(Number.isNaN(r.history[0].val?.top5 ?? 0)).toBe(true); // 3 classes: no top-5
    expect(events).toEqual([
      'fitStart',
      'epochStart0',
      'val',
      'epochEnd0',
      'ckpt',
      'epochStart1',
      'val',
      'epochEnd1',
      'ckpt',
      'epochStart2',
      'val',
      'epochEnd2',
      'ckpt',
      'fitEnd',
    ]);
    const recs = await readJsonl(join(dir, 'metrics.jsonl'));
    expect(recs.filter((x) => x.type === 'step')).toHaveLength(18);
    expect(recs.filter((x) => x.type === 'epoch')).toHaveLength(3);
    expect(out.text()).toMatch(/epoch 1\/3 {2}step 1 {2}batch 1\/6 {2}loss \d\.\d{4}/);
    expect(out.text()).toMatch(/validation: loss .* top-1 err .*%/);
    expect(await readdir(join(dir, 'checkpoints'))).toHaveLength(3);
  });

  it('draws a progress bar on a TTY (carriage returns, batch count, ETA)', async () => {
    const tty = sink(true);
    const { trainer } = makeTrainer({ maxEpochs: 1, stdout: tty, progress: 'auto', checkpoint: false });
    await trainer.fit(loader(data, 16));
    expect(tty.text()).toMatch(
      /\repoch 1\/1 \[=*>? *\] \d\/6 {2}eta \d+:\d\d {2}loss \d\.\d{4} {2}err \d+\.\d\d% {2}lr 0\.0500 {2}[\d.]+ img\/s/,
    );
    expect(tty.text()).toContain(`${String.fromCharCode(27)}[K`); // erase to end of line after each redraw
    expect(tty.text()).toMatch(/\nepoch 1\/1 done in \d+:\d\d: train loss/);
  });

  it('stops at maxSteps mid-epoch and at stop() from a callback', async () => {
    const a = makeTrainer({ maxSteps: 8, checkpoint: false });
    const r = await a.trainer.fit(loader(data, 16));
    expect([r.reason, r.steps, a.trainer.epoch, a.trainer.batchInEpoch]).toEqual(['maxSteps', 8, 1, 2]);
    const b = makeTrainer({ callbacks: [{ onStepEnd: (t, s) => (s.step === 3 ? t.stop() : undefined) }] });
    expect((await b.trainer.fit(loader(data, 16))).reason).toBe('stopped');
    expect(b.trainer.step).toBe(3);
  });

  it('records per-parameter gradient norms on request', async () => {
    const norms: Array<Record<string, number>> = [];
    const { trainer } = makeTrainer({
      maxEpochs: 1,
      gradNorms: 3,
      callbacks: [{ onStepEnd: (_t, s) => void (s.gradNorms && norms.push(s.gradNorms)) }],
    });
    await trainer.fit(loader(data, 16));
    expect(norms).toHaveLength(3); // steps 1, 3, 6
    expect(Object.keys(norms[0])).toEqual(['fc1.weight', 'fc1.bias', 'act.weight', 'fc2.weight', 'fc2.bias']);
    for (const v of Object.values(norms[0])) expect(v).toBeGreaterThan(0);
  });

  it('steps ReduceLROnPlateau on the validation error (the paper rule)', async () => {
    manualSeed(1);
    const model = tinyModel();
    const optimizer = new SGD(model.parameters(), { lr: 0.05 });
    const scheduler = new LRScheduler(optimizer, new ReduceLROnPlateau({ patience: 0, threshold: 10 })); // nothing is ever "better" enough
    const trainer = new Trainer({ model, optimizer, scheduler, maxEpochs: 3, progress: 'none' });
    const r = await trainer.fit(loader(data, 32), loader(val, 48, false));
    // lr in effect during each epoch: the first epoch sets the best value, each later one is "worse"
    expect(r.history.map((h) => Number(h.lr.toPrecision(3)))).toEqual([0.05, 0.05, 0.005]);
    expect(optimizer.lrs[0]).toBeCloseTo(0.0005, 12);
  });

  it('does not leak tensors over an epoch', async () => {
    const { trainer } = makeTrainer({ maxEpochs: 1, checkpoint: false });
    await trainer.fit(loader(data, 16), undefined);
    const before = memory().tensors;
    const t2 = trainer;
    t2.options.maxEpochs = 2;
    await t2.fit(loader(data, 16));
    expect(memory().tensors).toBe(before);
  });
});

describe('Trainer guard rails', () => {
  it('stops on a non-finite gradient, naming the step and the first parameter, keeping the last good checkpoint', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rt-nan-'));
    const bad = blobs(96);
    // sample 40 (batch 2 of epoch 0 without shuffling) has an infinite feature
    bad.x[40 * 8] = Number.POSITIVE_INFINITY;
    const { trainer } = makeTrainer({ outDir: dir, checkpoint: { everySteps: 1 } });
    const err = await trainer.fit(loader(bad, 16, false)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NonFiniteError);
    const e = err as NonFiniteError;
    expect(e.step).toBe(3);
    expect(e.message).toMatch(/non-finite value at step 3 \(epoch 1\)/);
    expect(e.message).toMatch(/the first layer with a non-finite output is 'fc1'/);
    expect(e.message).toMatch(/'fc1\.weight'/);
    expect(e.parameter).toBe('fc1.weight');
    expect(e.layer).toBe('fc1');
    expect(e.lastCheckpoint).toMatch(/epoch-0001-step-00000002\.ckpt\.safetensors$/);
    expect(await readdir(join(dir, 'checkpoints'))).toEqual([
      'epoch-0001-step-00000001.ckpt.safetensors',
      'epoch-0001-step-00000002.ckpt.safetensors',
    ]);
    const recs = await readJsonl(join(dir, 'metrics.jsonl'));
    expect(recs.at(-1)).toMatchObject({ type: 'error', step: 3, parameter: 'fc1.weight' });
  });
});

describe('Trainer checkpoints and resume', () => {
  it('resumes mid-epoch to exactly the uninterrupted run (losses and weights, dropout included)', async () => {
    const full = makeTrainer({ checkpoint: false });
    const lossesFull: number[] = [];
    full.trainer.options.callbacks = [{ onStepEnd: (_t, s) => void lossesFull.push(s.loss) }];
    await full.trainer.fit(loader(data, 16), loader(val, 48, false));

    const dir = await mkdtemp(join(tmpdir(), 'rt-resume-'));
    const first = makeTrainer({ outDir: dir, maxSteps: 8, checkpoint: { everySteps: 4 } });
    await first.trainer.fit(loader(data, 16), loader(val, 48, false));
    // a different seed everywhere: the checkpoint must restore weights and RNG state
    const second = makeTrainer({ outDir: dir, checkpoint: { everySteps: 4 } }, 99);
    manualSeed(999);
    const lossesResumed: number[] = [];
    second.trainer.options.callbacks = [{ onStepEnd: (_t, s) => void lossesResumed.push(s.loss) }];
    const r = await second.trainer.fit(loader(data, 16), loader(val, 48, false), { resume: 'last' });
    expect(r.steps).toBe(18);
    expect(lossesResumed).toEqual(lossesFull.slice(8));
    expect(snapshot(second.model)).toEqual(snapshot(full.model));
    expect(r.history.map((h) => h.trainLoss)).toEqual(full.trainer.history.map((h) => h.trainLoss));
    // the metrics log reads as one run: each step once
    const steps = (await readJsonl(join(dir, 'metrics.jsonl')))
      .filter((x) => x.type === 'step')
      .map((x) => x.step);
    expect(steps).toEqual(Array.from({ length: 18 }, (_, i) => i + 1));
  });

  it('keeps the last K, refuses a corrupt newest checkpoint and falls back to the previous one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rt-corrupt-'));
    const a = makeTrainer({ outDir: dir, maxSteps: 10, checkpoint: { everySteps: 2, keepLast: 2 } });
    await a.trainer.fit(loader(data, 16));
    const files = (await readdir(join(dir, 'checkpoints'))).sort();
    expect(files).toEqual([
      'epoch-0002-step-00000008.ckpt.safetensors', // inside epoch 2, as the progress bar counts
      'epoch-0002-step-00000010.ckpt.safetensors',
    ]);
    const newest = join(dir, 'checkpoints', files[1]);
    const bytes = await readFile(newest);
    bytes[bytes.length - 5] ^= 0xff; // flip bits in tensor data
    await writeFile(newest, bytes);
    const b = makeTrainer({ outDir: dir, maxSteps: 10, checkpoint: { everySteps: 2, keepLast: 2 } });
    await b.trainer.fit(loader(data, 16), undefined, { resume: 'last' });
    expect(b.out.text()).toMatch(
      /warning: checkpoint .*step-00000010.* is corrupt: its SHA-256 .*trying the previous checkpoint/,
    );
    expect(b.out.text()).toMatch(/resumed from .*step-00000008/);
    // truncated file given explicitly: a clear error
    const truncated = join(dir, 'trunc.ckpt.safetensors');
    await writeFile(truncated, bytes.subarray(0, 100));
    const c = makeTrainer({ outDir: dir });
    const err = await c.trainer
      .fit(loader(data, 16), undefined, { resume: truncated })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckpointError);
    expect((err as Error).message).toMatch(/trunc\.ckpt\.safetensors is corrupt or truncated \(100 bytes\)/);
  });

  it('refuses a checkpoint of another model with a clear error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rt-other-'));
    const a = makeTrainer({ outDir: dir, maxSteps: 2 });
    await a.trainer.fit(loader(data, 16));
    const { Linear } = await import('@rectifier/nn');
    const other = new Linear({ inFeatures: 8, outFeatures: 3 });
    const t = new Trainer({
      model: other,
      optimizer: new SGD(other.parameters()),
      outDir: dir,
      progress: 'none',
    });
    await expect(t.fit(loader(data, 16), undefined, { resume: 'last' })).rejects.toThrow(
      /does not fit this model/,
    );
  });
});

describe('Trainer with an array of batches', () => {
  it('reuses the batches every epoch (an array is a dataset in memory: not disposed by default)', async () => {
    const data = blobs(96);
    const batches = Array.from({ length: 3 }, (_, b) => ({
      input: tensor(data.x.slice(b * 32 * 8, (b + 1) * 32 * 8), { shape: [32, 8] }),
      target: tensor(data.y.slice(b * 32, (b + 1) * 32)),
    }));
    const model = tinyModel();
    const trainer = new Trainer({
      model,
      optimizer: new SGD(model.parameters(), { lr: 0.05 }),
      maxEpochs: 3,
      progress: 'none',
    });
    const r = await trainer.fit(batches, batches);
    expect(r.history).toHaveLength(3);
    expect(batches.every((b) => !b.input.isDisposed && !b.target.isDisposed)).toBe(true);
    expect(r.history[2].val!.top1).toBeLessThanOrEqual(r.history[0].val!.top1);
  });

  it('still disposes the batches of a loader function by default', async () => {
    const made: Tensor[] = [];
    const data = blobs(64);
    const source = () =>
      [{ input: tensor(data.x, { shape: [64, 8] }), target: tensor(data.y) }].map((b) => {
        made.push(b.input, b.target);
        return b;
      });
    const model = tinyModel();
    const trainer = new Trainer({
      model,
      optimizer: new SGD(model.parameters()),
      maxEpochs: 1,
      progress: 'none',
    });
    await trainer.fit(source);
    expect(made.length).toBe(2);
    expect(made.every((t) => t.isDisposed)).toBe(true);
  });
});
