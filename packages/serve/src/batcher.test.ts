// The dynamic batcher's policy on a stand-in for the worker pool (so timings are the batcher's own):
// the window, the max batch size, per-sample shapes, the rows each request gets back, the bounded
// queue and draining.
import { describe, expect, it } from 'vitest';
import { Batcher } from './batcher';
import type { InferRequest } from './infer-request';
import type { ModelSpec } from './model-spec';
import type { SessionPool, WireTensor } from './session-pool';

const model: ModelSpec = {
  name: 'm',
  version: '1',
  inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, -1] }],
  outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, -1] }],
  maxBatchSize: 4,
  metadata: {},
};

/** One "worker" whose model doubles its input; records every batch it runs. */
function fakePool(workers = 1, delayMs = 5) {
  const batches: number[][] = [];
  let busy = 0;
  const pool = {
    onIdle: () => {},
    get idle() {
      return workers - busy;
    },
    run(feeds: Record<string, WireTensor>) {
      busy++;
      const x = feeds.x;
      batches.push([...x.dims]);
      return new Promise((resolve) =>
        setTimeout(() => {
          busy--;
          resolve({
            y: {
              type: 'float32',
              data: Float32Array.from(x.data as Float32Array, (v) => 2 * v),
              dims: x.dims,
            },
          });
          pool.onIdle();
        }, delayMs),
      );
    },
  };
  return { pool: pool as unknown as SessionPool, batches };
}

const req = (rows: number, width: number, start: number): InferRequest => ({
  batch: rows,
  inputs: [
    {
      name: 'x',
      datatype: 'FP32',
      shape: [rows, width],
      data: Float32Array.from({ length: rows * width }, (_, i) => start + i),
    },
  ],
  outputs: [{ name: 'y', binary: false }],
});

const events = { batch() {}, queueDepth() {} };

describe('Batcher', () => {
  it('merges requests that arrive within the window and gives each its own rows', async () => {
    const { pool, batches } = fakePool();
    const b = new Batcher(model, pool, { windowMs: 30, maxQueue: 64, timeoutMs: 5000 }, events);
    const [a, c] = await Promise.all([b.submit(req(1, 2, 0)), b.submit(req(2, 2, 10))]);
    expect(batches).toEqual([[3, 2]]);
    expect(Array.from(a.y.data as Float32Array)).toEqual([0, 2]);
    expect(a.y.dims).toEqual([1, 2]);
    expect(Array.from(c.y.data as Float32Array)).toEqual([20, 22, 24, 26]);
    expect(c.y.dims).toEqual([2, 2]);
  });

  it('runs at once when the batch is full, and never over the max batch size', async () => {
    const { pool, batches } = fakePool();
    const b = new Batcher(model, pool, { windowMs: 10_000, maxQueue: 64, timeoutMs: 20_000 }, events);
    const t0 = performance.now();
    await Promise.all([
      b.submit(req(2, 1, 0)),
      b.submit(req(2, 1, 0)),
      b.submit(req(3, 1, 0)),
      b.submit(req(1, 1, 0)),
    ]);
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(batches).toEqual([
      [4, 1],
      [4, 1],
    ]);
  });

  it('batches only requests with the same per-sample shape', async () => {
    const { pool, batches } = fakePool();
    const b = new Batcher(model, pool, { windowMs: 20, maxQueue: 64, timeoutMs: 5000 }, events);
    await Promise.all([b.submit(req(1, 2, 0)), b.submit(req(1, 3, 0)), b.submit(req(1, 2, 0))]);
    expect(batches).toEqual([
      [2, 2],
      [1, 3],
    ]);
  });

  it('refuses samples beyond the queue bound with 503 + Retry-After, and drains', async () => {
    const { pool } = fakePool();
    const b = new Batcher(model, pool, { windowMs: 50, maxQueue: 3, timeoutMs: 5000 }, events);
    const ok = [b.submit(req(2, 1, 0)), b.submit(req(1, 1, 0))];
    await expect(b.submit(req(1, 1, 0))).rejects.toMatchObject({
      statusCode: 503,
      headers: { 'Retry-After': '1' },
    });
    const drained = b.drain();
    await expect(b.submit(req(1, 1, 0))).rejects.toMatchObject({ statusCode: 503 });
    await Promise.all(ok);
    await drained;
  });
});
