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
