// Bad and abusive clients get a 4xx/503 with a message, and the server keeps serving: oversized
// bodies, slow clients, a full queue, requests that time out, graceful shutdown with requests in
// flight. Loopback only; every loop is bounded.
import { connect } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { type InferenceServer, startServer } from './server';
import { randomInput, tempDir, tinyOnnx, writeModel } from './test-support/models';
import { assertErrorObject, OipClient } from './test-support/oip-client';

const t = tempDir('robust');
const path = writeModel(t.dir, 'tiny.onnx', tinyOnnx());
afterAll(() => t.cleanup());

const request = (seed = 1, batch = 1) => ({
  inputs: [
    {
      name: 'input',
      shape: [batch, 1, 12, 12],
      datatype: 'FP32',
      data: Array.from(randomInput(144 * batch, seed)),
    },
  ],
});

async function withServer(
  opts: Partial<Parameters<typeof startServer>[0]>,
  fn: (s: InferenceServer, c: OipClient) => Promise<void>,
) {
  const s = await startServer({ model: path, port: 0, workers: 1, threadsPerWorker: 1, ...opts });
  try {
    await fn(s, new OipClient(s.url));
  } finally {
    await s.close();
  }
}

/** Requests waiting in the server's batch queue, from its metrics. */
async function queueDepth(s: InferenceServer): Promise<number> {
  return Number(/rectifier_serve_queue_depth\{[^}]*\} (\d+)/.exec(await s.metrics())![1]);
}

/** Sends raw bytes on a fresh connection; resolves with everything the server wrote before closing. */
function rawExchange(port: number, chunks: string[], gapMs: number, maxMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1');
    let got = '';
    let i = 0;
    const timer = setInterval(() => {
      if (i < chunks.length && !sock.destroyed) sock.write(chunks[i++]);
    }, gapMs);
    const stop = setTimeout(() => sock.destroy(), maxMs);
    sock.on('data', (d) => {
      got += d.toString();
    });
    sock.on('close', () => {
      clearInterval(timer);
      clearTimeout(stop);
      resolve(got);
    });
    sock.on('error', (e) => {
      clearInterval(timer);
      clearTimeout(stop);
      if (got) resolve(got);
      else reject(e);
    });
  });
}

describe('limits', () => {
  it('answers 413 to a body over the limit and keeps serving', async () => {
    await withServer({ bodyLimit: 16 * 1024 }, async (_s, c) => {
      const big = request(1, 8); // 8 x 144 floats as JSON: well over 16 KiB
      const a = await c.infer('tiny', big);
      assertErrorObject(a, 413);
      expect((a.body as { error: string }).error).toMatch(/larger than the server's limit of 16384 bytes/);
      expect((await c.infer('tiny', request())).status).toBe(200);
    });
  });

  it('answers 408 to a client that sends its body too slowly and keeps serving', async () => {
    await withServer({ requestTimeoutMs: 400 }, async (s, c) => {
      const body = JSON.stringify(request());
      const head = `POST /v2/models/tiny/infer HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
      // One 40-byte piece every 100 ms: the body would take > 20 s.
      const pieces = [head, ...Array.from({ length: 60 }, (_, i) => body.slice(i * 40, i * 40 + 40))];
      const t0 = performance.now();
      const answer = await rawExchange(s.port, pieces, 100, 10_000);
      expect(answer).toMatch(/^HTTP\/1\.1 408/);
      expect(performance.now() - t0).toBeLessThan(5000);
      expect((await c.infer('tiny', request())).status).toBe(200);
    });
  });

  it('answers 503 with Retry-After when the queue is full', async () => {
    // One worker, a long window and room for 2 samples: the first two wait, the third is refused.
    await withServer({ maxQueue: 2, batchWindowMs: 1500, maxBatchSize: 8 }, async (s, c) => {
      const first = [c.infer('tiny', request(1)), c.infer('tiny', request(2))];
      for (let i = 0; i < 100 && (await queueDepth(s)) < 2; i++) await new Promise((r) => setTimeout(r, 20));
      expect(await queueDepth(s)).toBe(2);
      const third = await c.infer('tiny', request(3));
      assertErrorObject(third, 503);
      expect(third.headers.get('retry-after')).toBe('1');
      expect((third.body as { error: string }).error).toMatch(/queue is full/);
      for (const a of await Promise.all(first)) expect(a.status).toBe(200);
      expect((await c.infer('tiny', request(4))).status).toBe(200);
    });
  });

  it('answers 503 to a request that waits past its timeout, then serves the next', async () => {
    await withServer({ timeoutMs: 50, batchWindowMs: 400, maxBatchSize: 8 }, async (_s, c) => {
      const a = await c.infer('tiny', request());
      assertErrorObject(a, 503);
      expect((a.body as { error: string }).error).toMatch(/waited 50 ms in the queue/);
    });
  });

  it('refuses options out of range with a one-line error', async () => {
    await expect(startServer({ model: path, workers: 0 })).rejects.toThrow(
      /workers must be an integer >= 1, got 0/,
    );
    await expect(startServer({ model: path, batchWindowMs: -1 })).rejects.toThrow(/batchWindowMs/);
    await expect(startServer({ model: `${t.dir}/none.onnx` })).rejects.toThrow(/none\.onnx does not exist/);
    const junk = writeModel(t.dir, 'junk.onnx', new TextEncoder().encode('this is not a model'));
    await expect(startServer({ model: junk })).rejects.toThrow(/junk\.onnx is not an ONNX model/);
  });
});

describe('graceful shutdown', () => {
  it('finishes the requests in flight, refuses new ones, then stops', async () => {
    const s = await startServer({ model: path, port: 0, workers: 1, batchWindowMs: 2000, maxBatchSize: 64 });
    const c = new OipClient(s.url);
    const inFlight = Array.from({ length: 12 }, (_, i) => c.infer('tiny', request(i)));
    // Wait (bounded) until all 12 have arrived and sit in the batch window.
    const depth = async () =>
      Number(/rectifier_serve_queue_depth\{[^}]*\} (\d+)/.exec(await s.metrics())![1]);
    for (let i = 0; i < 100 && (await depth()) < 12; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await depth()).toBe(12);
    const closed = s.close();
    await new Promise((r) => setTimeout(r, 20));
    // A new connection after close() began is refused.
    await expect(fetch(`${s.url}/v2/health/live`)).rejects.toThrow();
    const answers = await Promise.all(inFlight);
    for (const a of answers) expect(a.status).toBe(200);
    await closed;
    await expect(fetch(`${s.url}/v2/health/live`)).rejects.toThrow();
  });
});
