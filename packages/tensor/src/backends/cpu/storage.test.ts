import { expect, test } from 'vitest';
import { alloc, pooledMemory, release, releasePool } from './storage.js';

// The reproduction: the paper's 14-layer model (75M parameters) frees and reallocates more than the
// pool's old fixed 256 MB every step, and what did not fit went back to the allocator and page-faulted
// again on the next step (1.42 s a step against 1.16 s with its working set pooled).
test('the reuse pool keeps a working set larger than its 256 MB floor, and reuses it', () => {
  releasePool();
  const n = 25 * 1024 * 1024; // 100 MB of float32
  const live = [alloc('float32', n), alloc('float32', n), alloc('float32', n)];
  const arrays = new Set(live.map((s) => s.data));
  for (const s of live) release(s);
  expect(pooledMemory()).toBe(3 * n * 4);
  const again = [alloc('float32', n), alloc('float32', n), alloc('float32', n)];
  expect(again.every((s) => arrays.has(s.data))).toBe(true);
  expect(pooledMemory()).toBe(0);
  for (const s of again) release(s);
  releasePool();
  expect(pooledMemory()).toBe(0);
});

// A backend that keeps its own element order (the native backend's blocked activations) tags the
// storage; everyone else must see row-major elements, restored once, without copying back.
test('a storage in a deferred layout restores row-major order on first access to data, once', () => {
  releasePool();
  const s = alloc('float32', 4096);
  const raw = s.data as Float32Array;
  for (let i = 0; i < raw.length; i++) raw[i] = raw.length - 1 - i; // stored reversed
  let restores = 0;
  s.setLayout({
    name: 'reversed',
    restore(from, to) {
      restores++;
      for (let i = 0; i < from.length; i++) to[i] = from[from.length - 1 - i];
    },
  });
  expect(s.layout?.name).toBe('reversed');
  expect(s.rawData).toBe(raw); // the backend that wrote it reads it as it is
  expect(s.size).toBe(4096); // size and disposal do not restore
  expect(restores).toBe(0);
  const plain = s.data;
  expect(Array.from(plain.subarray(0, 3))).toEqual([0, 1, 2]);
  expect(plain[4095]).toBe(4095);
  expect(s.data).toBe(plain);
  expect(s.layout).toBeNull();
  expect(restores).toBe(1);
  // The array it was restored from went back to the pool and is reused.
  expect(pooledMemory()).toBe(4096 * 4);
  const next = alloc('float32', 4096);
  expect(next.data).toBe(raw);
  release(next);
  release(s);
  releasePool();
});

test('a restore that throws leaves the storage in its layout, and the error reaches the reader', () => {
  const s = alloc('float32', 8);
  const raw = s.rawData;
  const layout = {
    name: 'failing',
    restore(): void {
      throw new Error('restore failed');
    },
  };
  s.setLayout(layout);
  expect(() => s.data).toThrow('restore failed');
  expect(s.layout).toBe(layout);
  expect(s.rawData).toBe(raw);
  release(s);
});
