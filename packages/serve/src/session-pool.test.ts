// A worker thread that dies is replaced and the pool serves on; a model that cannot load is a one-line error.
import { afterAll, expect, it } from 'vitest';
import { SessionPool } from './session-pool';
import { tinyOnnx } from './test-support/models';

let pool: SessionPool | undefined;
afterAll(() => pool?.close());

const feeds = (n = 1) => ({
  input: { type: 'float32', data: new Float32Array(n * 144).fill(0.5), dims: [n, 1, 12, 12] },
});

it('replaces a worker that died and keeps running batches', async () => {
  pool = await SessionPool.start({ model: tinyOnnx(), workers: 1, threadsPerWorker: 1 });
  const ok = await pool.run(feeds());
  expect(ok.output.dims).toEqual([1, 10]);
  // Stop the only worker between batches. (Not during one: a worker thread terminated while
  // onnxruntime-node runs a session aborts the whole process, so the pool itself only terminates
  // workers after the batcher has drained.)
  const slot = (pool as unknown as { slots: { worker: { terminate(): Promise<number> } }[] }).slots[0];
  await slot.worker.terminate();
  // The replacement comes up (bounded wait) and serves.
  for (let i = 0; i < 200 && pool.idle === 0; i++) await new Promise((r) => setTimeout(r, 25));
  expect(pool.size).toBe(1);
  expect(pool.healthy).toBe(true);
  expect((pool as unknown as { slots: unknown[] }).slots[0]).not.toBe(slot);
  expect((await pool.run(feeds(3))).output.dims).toEqual([3, 10]);
});

it('reports a model onnxruntime cannot load as a one-line error', async () => {
  const bytes = tinyOnnx();
  await expect(
    SessionPool.start({ model: bytes.subarray(0, 200), workers: 1, threadsPerWorker: 1 }),
  ).rejects.toThrow(/^onnxruntime could not load the model: /);
});
