// A full disk during a checkpoint write: a one-line CheckpointError, the previous checkpoint whole,
// no temporary file left. The disk is "full" through a mocked file handle (a real ENOSPC needs a
// full file system).
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manualSeed } from '@rectifier/tensor';
import { describe, expect, it, vi } from 'vitest';
import { CheckpointError, loadCheckpointFile } from '../src/checkpoint/checkpoint';
import { SGD } from '../src/optim/sgd';
import { Trainer } from '../src/trainer/trainer';
import { blobs, loader, tinyModel } from './fixtures';

const disk = vi.hoisted(() => ({ full: false }));

vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  const open = async (...args: Parameters<typeof fs.open>) => {
    const fh = await fs.open(...args);
    if (!disk.full || !String(args[0]).includes('.ckpt.safetensors.tmp-')) return fh;
    return new Proxy(fh, {
      get(target, key) {
        if (key === 'writeFile')
          return async () => {
            throw Object.assign(new Error('ENOSPC: no space left on device, write'), {
              code: 'ENOSPC',
              errno: -28,
              syscall: 'write',
            });
          };
        const v = Reflect.get(target, key);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
  };
  return { ...fs, open, default: { ...fs, open } };
});

describe('a full disk while writing a checkpoint', () => {
  it('stops with one line naming the cause and keeps the previous checkpoint intact', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rt-enospc-'));
    manualSeed(1);
    const model = tinyModel(1);
    const trainer = new Trainer({
      model,
      optimizer: new SGD(model.parameters(), { lr: 0.05, momentum: 0.9 }),
      maxSteps: 6,
      outDir: dir,
      checkpoint: { everySteps: 2 },
      progress: 'none',
      callbacks: [
        {
          onCheckpoint: () => {
            disk.full = true;
          },
        },
      ],
    });
    const err = await trainer.fit(loader(blobs(96), 16)).catch((e: unknown) => e);
    disk.full = false;
    expect(err).toBeInstanceOf(CheckpointError);
    const msg = (err as Error).message;
    expect(msg).toMatch(
      /^cannot write the checkpoint of step 4 in .*: ENOSPC: no space left on device, write; the previous checkpoint .*step-00000002\.ckpt\.safetensors is intact$/,
    );
    expect(msg).not.toContain('\n');
    const names = await readdir(join(dir, 'checkpoints'));
    expect(names).toEqual(['epoch-0001-step-00000002.ckpt.safetensors']);
    const ok = await loadCheckpointFile(join(dir, 'checkpoints', names[0]));
    expect(ok.meta.step).toBe(2);
    for (const t of Object.values(ok.tensors)) t.dispose();
  });
});
