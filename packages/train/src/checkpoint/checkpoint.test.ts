import { appendFile, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tensor } from '@rectifier/tensor';
import { describe, expect, it } from 'vitest';
import { appendJsonl, readJsonl, writeFileAtomic } from './atomic';
import {
  CHECKPOINT_VERSION,
  CheckpointError,
  CheckpointManager,
  decodeCheckpoint,
  encodeCheckpoint,
  loadCheckpointFile,
} from './checkpoint';
import { encodeSafetensors } from './codec';
import { checkpointDigest, tensorsDigest } from './digest';

describe('writeFileAtomic', () => {
  it('replaces the file and leaves no temporary file behind', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rt-atomic-'));
    const p = join(dir, 'a.bin');
    await writeFileAtomic(p, 'old');
    await writeFileAtomic(p, new Uint8Array([1, 2, 3]));
    expect(Array.from(await readFile(p))).toEqual([1, 2, 3]);
    expect(await readdir(dir)).toEqual(['a.bin']);
  });
});

describe('JSON lines', () => {
  it('skips a torn last line (a crash mid-append) but not a bad middle line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rt-jsonl-'));
    const p = join(dir, 'm.jsonl');
    await appendJsonl(p, { a: 1 });
    await appendJsonl(p, { a: 2 });
    await appendFile(p, '{"a": 3');
    expect(await readJsonl(p)).toEqual([{ a: 1 }, { a: 2 }]);
    await writeFile(p, '{"a":1}\nnope\n{"a":2}\n');
    await expect(readJsonl(p)).rejects.toThrow(/line 2 of .* is not JSON/);
    expect(await readJsonl(join(dir, 'missing.jsonl'))).toEqual([]);
  });
});

describe('checkpoint encoding', () => {
  const tensors = () => ({
    'model.w': tensor([1, 2, 3]),
    'optimizer.0.momentumBuffer': tensor([0.5, 0, -1]),
  });

  it('round-trips tensors and metadata exactly', async () => {
    const bytes = await encodeCheckpoint(tensors(), { step: 7, note: 'x' });
    const { tensors: t, meta } = await decodeCheckpoint(bytes, 'mem');
    expect(meta).toMatchObject({ format: 'rectifier-checkpoint', version: 2, step: 7, note: 'x' });
    expect(CHECKPOINT_VERSION).toBe(2);
    expect(Array.from(t['model.w'].dataSync())).toEqual([1, 2, 3]);
  });

  it('the digest depends on names, shapes and every byte', async () => {
    const a = await tensorsDigest({ x: tensor([1, 2]) });
    expect(await tensorsDigest({ x: tensor([1, 2]) })).toBe(a);
    expect(await tensorsDigest({ y: tensor([1, 2]) })).not.toBe(a);
    expect(await tensorsDigest({ x: tensor([[1, 2]]) })).not.toBe(a);
    expect(await tensorsDigest({ x: tensor([1, 2.0000002]) })).not.toBe(a);
  });

  it('the digest covers the metadata text: an edited value with a kept digest is refused', async () => {
    const bytes = await encodeCheckpoint(tensors(), {
      step: 7,
      tiny: 1e-7,
      meters: { loss: { sum: 1, count: 2 } },
    });
    const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
    const header = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    for (const [from, to] of [
      ['\\"step\\":7', '\\"step\\":9'],
      ['\\"count\\":2', '\\"count\\":3'],
      ['1e-7', '1E-7'], // the same value once parsed: still a changed file
    ]) {
      expect(header).toContain(from);
      const edited = bytes.slice();
      // same length, so the safetensors layout still parses; only the digest can notice
      edited.set(new TextEncoder().encode(header.replace(from, to)), 8);
      await expect(decodeCheckpoint(edited, 'e.ckpt')).rejects.toThrow(
        /checkpoint e\.ckpt is corrupt: its SHA-256/,
      );
    }
    expect(await checkpointDigest(tensors(), '{"a":1}')).not.toBe(
      await checkpointDigest(tensors(), '{"a":2}'),
    );
  });

  it('still reads version 1 (digest inside the metadata, over the tensors only)', async () => {
    const meta = {
      step: 3,
      format: 'rectifier-checkpoint',
      version: 1,
      sha256: await tensorsDigest(tensors()),
    };
    const v1 = await encodeSafetensors(tensors(), { rectifier: JSON.stringify(meta) });
    const { meta: m } = await decodeCheckpoint(v1, 'v1.ckpt');
    expect(m).toMatchObject({ step: 3, version: 1 });
    const bad = await encodeSafetensors(tensors(), { rectifier: JSON.stringify({ ...meta, version: 0 }) });
    await expect(decodeCheckpoint(bad, 'v0.ckpt')).rejects.toThrow(/format version 0 is not 1 or 2/);
    const newer = await encodeSafetensors(tensors(), { rectifier: JSON.stringify({ ...meta, version: 3 }) });
    await expect(decodeCheckpoint(newer, 'v3.ckpt')).rejects.toThrow(/version 3; this version reads up to 2/);
  });

  it('runs the caller check before returning, and reads only regular files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rt-check-'));
    const p = join(dir, 'a.ckpt.safetensors');
    await writeFileAtomic(p, await encodeCheckpoint(tensors(), { step: 'x' }));
    const check = (m: Record<string, unknown>) => {
      if (typeof m.step !== 'number') throw new Error(`step must be a number, got ${JSON.stringify(m.step)}`);
    };
    await expect(loadCheckpointFile(p, check)).rejects.toThrow(
      /checkpoint .*a\.ckpt\.safetensors is invalid: step must be a number, got "x"/,
    );
    await expect(loadCheckpointFile(dir)).rejects.toThrow(/is not a regular file/);
  });

  it('refuses truncated, corrupted and foreign files with the path in the message', async () => {
    const bytes = await encodeCheckpoint(tensors(), {});
    await expect(decodeCheckpoint(bytes.subarray(0, bytes.length - 4), 'c.ckpt')).rejects.toThrow(
      /checkpoint c\.ckpt is corrupt or truncated/,
    );
    const flipped = bytes.slice();
    flipped[flipped.length - 1] ^= 1;
    await expect(decodeCheckpoint(flipped, 'c.ckpt')).rejects.toThrow(CheckpointError);
    const { saveSafetensors } = await import('@rectifier/nn');
    await expect(decodeCheckpoint(saveSafetensors({ w: tensor([1]) }), 'w.safetensors')).rejects.toThrow(
      /not a Rectifier training checkpoint/,
    );
  });

  it('CheckpointManager lists newest first, prunes to keepLast and removes stale temporary files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rt-mgr-'));
    await writeFile(join(dir, '.epoch-0000-step-00000001.ckpt.safetensors.tmp-1-2'), 'partial');
    const m = new CheckpointManager(dir, 2);
    for (const step of [1, 2, 3]) await m.save(tensors(), { step }, { epoch: 0, step });
    expect((await m.list()).map((e) => e.step)).toEqual([3, 2]);
    expect((await readdir(dir)).sort()).toEqual([
      'epoch-0000-step-00000002.ckpt.safetensors',
      'epoch-0000-step-00000003.ckpt.safetensors',
    ]);
    const latest = await m.loadLatest();
    expect(latest?.meta.step).toBe(3);
    await expect(m.load(join(dir, 'nope'))).rejects.toThrow(/checkpoint .*nope does not exist/);
  });
});
