// A worker thread that dies fails only its own batch (a 500), is replaced, and the pool serves on.
import { afterAll, expect, it } from 'vitest';
import { SessionPool } from './session-pool';
import { tinyOnnx } from './test-support/models';

let pool: SessionPool | undefined;
afterAll(() => pool?.close());

const feeds = () => ({
  input: { type: 'float32', data: new Float32Array(144).fill(0.5), dims: [1, 1, 12, 12] },
});

it('replaces a worker that dies mid-batch and keeps running batches', async () => {
  pool = await SessionPool.start({ model: tinyOnnx(), workers: 1, threadsPerWorker: 1 });
  const ok = await pool.run(feeds());
  expect(ok.output.dims).toEqual([1, 10]);
  // Kill the only worker while it holds a batch.
  const running = pool.run(feeds());
  const slot = (pool as unknown as { slots: { worker: { terminate(): Promise<number> } }[] }).slots[0];
  await slot.worker.terminate();
  await expect(running).rejects.toMatchObject({ statusCode: 500 });
  // The replacement comes up (bounded wait) and serves.
  for (let i = 0; i < 200 && pool.idle === 0; i++) await new Promise((r) => setTimeout(r, 25));
  expect(pool.size).toBe(1);
  expect(pool.healthy).toBe(true);
  expect((await pool.run(feeds())).output.dims).toEqual([1, 10]);
});

it('reports a model onnxruntime cannot load as a one-line error', async () => {
  const bytes = tinyOnnx();
  await expect(
    SessionPool.start({ model: bytes.subarray(0, 200), workers: 1, threadsPerWorker: 1 }),
  ).rejects.toThrow(/^onnxruntime could not load the model: /);
});
