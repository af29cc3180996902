// Checkpoints are trusted only after their digest (tensors and metadata) and the Trainer's
// type/range checks pass; a bad newest checkpoint falls back to the previous one.
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manualSeed } from '@rectifier/tensor';
import { describe, expect, it } from 'vitest';
import { readJsonl } from '../src/checkpoint/atomic';
import { CheckpointError, decodeCheckpoint, encodeCheckpoint } from '../src/checkpoint/checkpoint';
import { SGD } from '../src/optim/sgd';
import { checkTrainerMeta } from '../src/trainer/checkpoint-meta';
import { Trainer } from '../src/trainer/trainer';
import type { TrainerOptions } from '../src/trainer/types';
import { blobs, loader, sink, tinyModel } from './fixtures';

const data = blobs(96);

function makeTrainer(over: Partial<TrainerOptions> = {}) {
  manualSeed(123);
  const model = tinyModel(1);
  const out = sink();
  const trainer = new Trainer({
    model,
    optimizer: new SGD(model.parameters(), { lr: 0.05, momentum: 0.9, weightDecay: 5e-4 }),
    maxEpochs: 3,
    stdout: out,
    progress: 'lines',
    logEvery: 1000,
    ...over,
  });
  return { trainer, out };
}

/** A run with checkpoints at steps 2 and 4 (and the epoch end at 6); returns its checkpoint paths, oldest first. */
async function twoCheckpoints(): Promise<{ dir: string; files: string[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'rt-trust-'));
  const { trainer } = makeTrainer({ outDir: dir, maxSteps: 4, checkpoint: { everySteps: 2, keepLast: 3 } });
  await trainer.fit(loader(data, 16));
  const names = (await readdir(join(dir, 'checkpoints'))).sort();
  expect(names).toEqual([
    'epoch-0001-step-00000002.ckpt.safetensors',
    'epoch-0001-step-00000004.ckpt.safetensors',
  ]);
  return { dir, files: names.map((f) => join(dir, 'checkpoints', f)) };
}

/** Rewrites a checkpoint with edited metadata and a valid digest (a hand-made file, not a corrupt one). */
async function rewrite(path: string, edit: (meta: Record<string, unknown>) => void): Promise<void> {
  const { tensors, meta } = await decodeCheckpoint(new Uint8Array(await readFile(path)), path);
  const { format: _f, version: _v, sha256: _s, ...rest } = meta;
  edit(rest);
  await writeFile(path, await encodeCheckpoint(tensors, rest));
  for (const t of Object.values(tensors)) t.dispose();
}

describe('checkpoint metadata is verified and validated before it is restored', () => {
  it('no single bit flip in a checkpoint header loads without complaint (400 flips)', async () => {
    const { files } = await twoCheckpoints();
    const bytes = new Uint8Array(await readFile(files[1]));
    const headerEnd = 8 + Number(new DataView(bytes.buffer).getBigUint64(0, true));
    const bits = headerEnd * 8;
    let accepted = 0;
    const reasons = new Set<string>();
    // 400 bits spread evenly over the header (length prefix, tensor entries and metadata alike)
    for (let i = 0; i < 400; i++) {
      const bit = Math.floor(((i + 0.5) * bits) / 400);
      const m = bytes.slice();
      m[bit >> 3] ^= 1 << (bit & 7);
      try {
        const { tensors, meta } = await decodeCheckpoint(m, 'mutant');
        checkTrainerMeta(meta, tensors);
        for (const t of Object.values(tensors)) t.dispose();
        accepted++;
      } catch (e) {
        expect(e, `bit ${bit}`).toBeInstanceOf(CheckpointError);
        reasons.add((e as Error).message.replace(/mutant (is )?/, '').split(':')[0]);
      }
    }
    expect(accepted).toBe(0);
    expect(reasons.size).toBeGreaterThan(1);
  });

  for (const [what, edit, message] of [
    [
      '"step": "x"',
      (m: Record<string, unknown>) => {
        m.step = 'x';
      },
      /step must be an integer >= 0, got "x"/,
    ],
    [
      'meters: null',
      (m: Record<string, unknown>) => {
        m.meters = null;
      },
      /meters must be an object, got null/,
    ],
    [
      'an RNG state that is not a number',
      (m: Record<string, unknown>) => {
        (m.rng as { default: { seed: string } }).default.seed = '1e5';
      },
      /rng\.default\.seed must be a decimal string, got "1e5"/,
    ],
    [
      'an epoch without its history',
      (m: Record<string, unknown>) => {
        m.epoch = 2;
      },
      /history must be one entry per completed epoch \(2\), got 0/,
    ],
    [
      'a negative learning rate',
      (m: Record<string, unknown>) => {
        (m.optimizer as { paramGroups: Array<{ lr: number }> }).paramGroups[0].lr = -1;
      },
      /optimizer\.paramGroups\[0\]\.lr must be a finite number >= 0, got -1/,
    ],
  ] as const) {
    it(`a newest checkpoint with ${what} is reported and the previous one is used`, async () => {
      const { dir, files } = await twoCheckpoints();
      await rewrite(files[1], edit);
      const { trainer, out } = makeTrainer({ outDir: dir, maxSteps: 6, checkpoint: { everySteps: 2 } });
      const r = await trainer.fit(loader(data, 16), undefined, { resume: 'last' });
      expect(out.text()).toMatch(message);
      expect(out.text()).toMatch(/trying the previous checkpoint/);
      expect(out.text()).toMatch(/resumed from .*step-00000002/);
      expect(r.steps).toBe(6);
      const steps = (await readJsonl(join(dir, 'metrics.jsonl'))).filter((x) => x.type === 'step');
      expect(steps.map((x) => x.step)).toEqual([1, 2, 3, 4, 5, 6]);
    });
  }

  it('refuses to start over when checkpoints exist but none is usable (they would be pruned)', async () => {
    const { dir, files } = await twoCheckpoints();
    for (const f of files)
      await rewrite(f, (m) => {
        m.step = -1;
      });
    const { trainer } = makeTrainer({ outDir: dir, maxSteps: 6 });
    const err = await trainer.fit(loader(data, 16), undefined, { resume: 'last' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckpointError);
    expect((err as Error).message).toMatch(
      /none of the 2 checkpoints in .* is usable \(newest: .*step must be an integer >= 0, got -1\); move them away/,
    );
    expect((await readdir(join(dir, 'checkpoints'))).length).toBe(2);
  });

  it("resume 'last' with no checkpoint file starts from the beginning and restarts the metrics log", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rt-none-'));
    // a run killed during its first checkpoint write: a log, a temporary file, no checkpoint
    const { trainer: a } = makeTrainer({ outDir: dir, maxSteps: 3, checkpoint: false });
    await a.fit(loader(data, 16));
    const { trainer, out } = makeTrainer({ outDir: dir, maxSteps: 3 });
    const r = await trainer.fit(loader(data, 16), undefined, { resume: 'last' });
    expect(out.text()).toMatch(/no checkpoint in .*checkpoints; starting from the beginning/);
    expect(r.steps).toBe(3);
    const steps = (await readJsonl(join(dir, 'metrics.jsonl'))).filter((x) => x.type === 'step');
    expect(steps.map((x) => x.step)).toEqual([1, 2, 3]);
  });
});
