import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tensor } from '@rectifier/tensor';
import { describe, expect, it } from 'vitest';
import { model14 } from '../models/factories';
import { readSafetensorsFile, writeSafetensorsFile } from './file';
import { loadSafetensors, saveSafetensors, saveSafetensorsAsync } from './tensors';

/** Bitwise equality of two typed arrays (fast; toEqual on 10^5 elements is slow). */
function sameBytes(a: ArrayBufferView, b: ArrayBufferView): boolean {
  const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

const small = { width: 1 / 16, numClasses: 10, inputSize: 96 } as const;

describe('safetensors checkpoints of modules', () => {
  it('saves a state dict with PyTorch names and layouts and loads it back into another model', async () => {
    const a = model14({ ...small, seed: 1 });
    const bytes = saveSafetensors(a.stateDict(), { format: 'pt', model: 'model-14' });
    const { tensors, metadata } = loadSafetensors(bytes);
    expect(metadata).toEqual({ format: 'pt', model: 'model-14' });
    expect(tensors['conv1.weight'].shape).toEqual([4, 3, 7, 7]); // OIHW
    expect(tensors['conv1_prelu.weight'].shape).toEqual([4]);
    expect(tensors['fc1.weight'].shape).toEqual([256, 16 * 50]); // [out, in]
    const b = model14({ ...small, seed: 2 });
    b.loadStateDict(tensors);
    for (const [k, v] of Object.entries(b.stateDict())) {
      expect(sameBytes(await v.data(), await a.stateDict()[k].data()), k).toBe(true);
    }
    expect(
      sameBytes(await saveSafetensorsAsync(a.stateDict(), { format: 'pt', model: 'model-14' }), bytes),
    ).toBe(true);
  });

  it('keeps dtypes (float64, int32) and rejects a checkpoint of another architecture', () => {
    const sd = { w: tensor([[1, 2]], { dtype: 'float64' }), step: tensor([3], { dtype: 'int32' }) };
    const { tensors } = loadSafetensors(saveSafetensors(sd));
    expect(tensors.w.dtype).toBe('float64');
    expect(tensors.step.dtype).toBe('int32');
    const other = model14({ ...small, activation: 'prelu-shared', seed: 1 });
    const { tensors: t2 } = loadSafetensors(saveSafetensors(model14({ ...small, seed: 1 }).stateDict()));
    expect(() => other.loadStateDict(t2)).toThrow(
      /conv1_prelu\.weight: shape \[4\] in the state dict, \[1\] in the model/,
    );
  });

  it('file helpers write atomically and name the file in errors', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rectifier-nn-'));
    try {
      const path = join(dir, 'm.safetensors');
      const net = model14({ ...small, seed: 3 });
      await writeSafetensorsFile(path, net.stateDict(), { epoch: '1' });
      const { tensors, metadata } = await readSafetensorsFile(path);
      expect(metadata).toEqual({ epoch: '1' });
      expect(Object.keys(tensors).sort()).toEqual(Object.keys(net.stateDict()).sort());
      const bytes = await readFile(path);
      await writeFile(path, bytes.subarray(0, bytes.length - 3));
      await expect(readSafetensorsFile(path)).rejects.toThrow(
        /m\.safetensors: safetensors: .*the file is truncated/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects non-tensors and disposed tensors', () => {
    expect(() => saveSafetensors({ a: 3 } as never)).toThrow(/saveSafetensors: 'a' is not a Tensor/);
    const t = tensor([1]);
    t.dispose();
    expect(() => saveSafetensors({ t })).toThrow(/'t' is disposed/);
  });
});
