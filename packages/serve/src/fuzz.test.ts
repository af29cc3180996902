// A bounded, seeded fuzz on 127.0.0.1: 2000 requests, valid ones and mutations of every field (and
// garbage bodies, truncations, bad binary headers, wrong routes), 16 at a time. The server must answer
// every one (no dropped connection), never with a 5xx, keep answering valid requests correctly, and
// its heap must not grow with the number of requests.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { seededUniform } from '@rectifier/tensor/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type InferenceServer, startServer } from './server';
import { randomInput, tempDir, tinyOnnx, writeModel } from './test-support/models';

const t = tempDir('fuzz');
let server: InferenceServer;

beforeAll(async () => {
  server = await startServer({
    model: writeModel(t.dir, 'tiny.onnx', tinyOnnx()),
    port: 0,
    workers: 2,
    threadsPerWorker: 1,
    bodyLimit: 256 * 1024,
  });
});
afterAll(async () => {
  await server?.close();
  t.cleanup();
});

const gc = (() => {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

type Req = { path: string; method: string; body?: Buffer | string; headers?: Record<string, string> };

function makeRequest(r: () => number, i: number): Req {
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)];
  const valid = () => ({
    id: `r${i}`,
    inputs: [
      { name: 'input', shape: [1, 1, 12, 12], datatype: 'FP32', data: Array.from(randomInput(144, i)) },
    ],
  });
  const weird = () =>
    pick<unknown>([
      null,
      true,
      -1,
      0,
      1e308,
      1e40,
      'x',
      '',
      [],
      {},
      [[[]]],
      { a: 1 },
      -0.5,
      2 ** 53,
      [1, [2, [3]]],
    ]);
  const kind = Math.floor(r() * 12);
  const infer = '/v2/models/tiny/infer';
  const json = (b: unknown): Req => ({
    path: infer,
    method: 'POST',
    body: JSON.stringify(b),
    headers: { 'content-type': 'application/json' },
  });
  switch (kind) {
    case 0:
    case 1:
      return json(valid());
    case 2: {
      const b: any = valid();
      const field = pick(['id', 'inputs', 'outputs', 'parameters', 'extra']);
      b[field] = weird();
      return json(b);
    }
    case 3: {
      const b: any = valid();
      const field = pick(['name', 'shape', 'datatype', 'data', 'parameters', 'other']);
      b.inputs[0][field] = weird();
      return json(b);
    }
    case 4: {
      const b: any = valid();
      b.inputs[0].shape = Array.from({ length: Math.floor(r() * 6) }, () =>
        pick([0, 1, 2, 12, 144, -1, 1.5, 1e9]),
      );
      return json(b);
    }
    case 5: {
      const b: any = valid();
      const k = Math.floor(r() * 144);
      b.inputs[0].data[k] = weird();
      return json(b);
    }
    case 6: {
      const s = JSON.stringify(valid());
      return {
        path: infer,
        method: 'POST',
        body: s.slice(0, Math.floor(r() * s.length)),
        headers: { 'content-type': 'application/json' },
      };
    }
    case 7: {
      const n = Math.floor(r() * 2048);
      const bytes = Buffer.alloc(n);
      for (let j = 0; j < n; j++) bytes[j] = Math.floor(r() * 256);
      return {
        path: pick([infer, '/v2/models/tiny/classify']),
        method: 'POST',
        body: bytes,
        headers: { 'content-type': pick(['application/octet-stream', 'image/png', 'application/json']) },
      };
    }
    case 8: {
      const x = randomInput(144, i);
      const size = pick([576, 575, 0, 1000, -4]);
      const head = Buffer.from(
        JSON.stringify({
          inputs: [
            {
              name: 'input',
              shape: [1, 1, 12, 12],
              datatype: 'FP32',
              parameters: { binary_data_size: size },
            },
          ],
        }),
      );
      const hl = pick([head.length, head.length - 3, 0, 1e9, -1]);
      return {
        path: infer,
        method: 'POST',
        body: Buffer.concat([head, Buffer.from(x.buffer)]),
        headers: {
          'content-type': 'application/octet-stream',
          'inference-header-content-length': String(hl),
        },
      };
    }
    case 9:
      return {
        path: pick([
          '/v2',
          '/v2/health/ready',
          '/v2/models/tiny',
          '/v2/models/nope/ready',
          '/v2/models/tiny/versions/9',
          '/x',
          '/metrics',
        ]),
        method: 'GET',
      };
    case 10:
      return json({
        ...valid(),
        outputs: [
          {
            name: pick(['output', 'nope', '']),
            parameters: { classification: weird(), binary_data: weird() },
          },
        ],
      });
    default: {
      const b: any = valid();
      b.inputs.push({ ...b.inputs[0], name: pick(['input', 'input2']) });
      return json(b);
    }
  }
}

it('answers 2000 fuzzed requests without a crash, a 5xx or a growing heap', async () => {
  const r = seededUniform(20260701);
  const statuses = new Map<number, number>();
  const failures: string[] = [];
  let next = 0;
  const total = 2000;
  const heapAt: number[] = [];
  const worker = async () => {
    while (next < total) {
      const i = next++;
      if (i === 500 || i === total - 1) {
        gc();
        heapAt.push(process.memoryUsage().heapUsed);
      }
      const q = makeRequest(r, i);
      try {
        const res = await fetch(`${server.url}${q.path}`, {
          method: q.method,
          body: q.body as BodyInit | undefined,
          headers: q.headers,
        });
        const text = await res.text();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status >= 500) failures.push(`#${i} ${q.path} -> ${res.status} ${text.slice(0, 200)}`);
        if (res.status >= 400 && q.path !== '/x') {
          const body = JSON.parse(text);
          if (typeof body.error !== 'string')
            failures.push(`#${i}: error body without "error": ${text.slice(0, 200)}`);
        }
      } catch (e) {
        failures.push(`#${i} ${q.path}: ${(e as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  expect(failures.slice(0, 5)).toEqual([]);
  expect([...statuses.values()].reduce((a, b) => a + b, 0)).toBe(total);
  expect(statuses.get(200)).toBeGreaterThan(total / 6);
  expect(statuses.get(400)).toBeGreaterThan(total / 4);
  // Still serving, still right.
  const ok = await fetch(`${server.url}/v2/health/ready`);
  expect(ok.status).toBe(200);
  const growth = heapAt[1] - heapAt[0];
  expect(growth).toBeLessThan(16 * 1024 * 1024);
});
