// Protocol conformance: the spec-derived client (test-support/oip-client.ts) exercises every endpoint
// of the Open Inference Protocol REST API, the binary tensor and classification extensions, the image
// endpoint and the metrics, and checks results against onnxruntime-node run in-process.
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InferenceServer, startServer } from './server';
import { CLASSES, randomInput, tempDir, tinyOnnx, writeModel } from './test-support/models';
import { assertErrorObject, type InferenceResponse, OipClient } from './test-support/oip-client';

const t = tempDir('conformance');
let server: InferenceServer;
let client: OipClient;
let reference: ort.InferenceSession;

beforeAll(async () => {
  const bytes = tinyOnnx();
  const path = writeModel(t.dir, 'tiny.onnx', bytes);
  server = await startServer({ model: path, port: 0, workers: 2, threadsPerWorker: 1, batchWindowMs: 2 });
  client = new OipClient(server.url);
  reference = await ort.InferenceSession.create(bytes);
});

afterAll(async () => {
  await server?.close();
  await reference?.release();
  t.cleanup();
});

async function expected(x: Float32Array, n: number): Promise<Float32Array> {
  const r = await reference.run({ input: new ort.Tensor('float32', x, [n, 1, 12, 12]) });
  return r.output.data as Float32Array;
}

const close = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThan(1e-5);
};

describe('Open Inference Protocol: health and metadata', () => {
  it('answers server live and ready with 200', async () => {
    expect(await client.serverLive()).toBe(true);
    expect(await client.serverReady()).toBe(true);
  });

  it('answers server metadata with name, version and the extensions it implements', async () => {
    const m = await client.serverMetadata();
    expect(m.name).toBe('rectifier');
    expect(m.extensions).toEqual(expect.arrayContaining(['binary_tensor_data', 'classification']));
  });

  it('answers model metadata, with and without a version, -1 for the batch dimension', async () => {
    for (const v of [undefined, '1']) {
      const a = await client.modelMetadata('tiny', v);
      expect(a.status).toBe(200);
      expect(a.body).toEqual({
        name: 'tiny',
        versions: ['1'],
        platform: 'onnxruntime_onnx',
        inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 1, 12, 12] }],
        outputs: [{ name: 'output', datatype: 'FP32', shape: [-1, 10] }],
      });
    }
  });

  it('answers model ready with 200, and error objects for unknown models and versions', async () => {
    const r = await client.modelReady('tiny');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ name: 'tiny', ready: true });
    expect((await client.modelReady('tiny', '1')).status).toBe(200);
    assertErrorObject(await client.modelReady('nope'), 404);
    assertErrorObject(await client.modelMetadata('nope'), 404);
    assertErrorObject(await client.modelMetadata('tiny', '7'), 404);
    assertErrorObject(await client.infer('nope', { inputs: [] }), 404);
    assertErrorObject(await client.get('/v3/whatever'), 404);
  });
});

describe('Open Inference Protocol: infer', () => {
  it('runs a JSON batch (flat data), echoes the id, matches onnxruntime', async () => {
    const x = randomInput(3 * 144, 1);
    const a = await client.infer('tiny', {
      id: 'req-42',
      inputs: [{ name: 'input', shape: [3, 1, 12, 12], datatype: 'FP32', data: Array.from(x) }],
    });
    expect(a.status).toBe(200);
    const r = a.body as InferenceResponse;
    expect(r.id).toBe('req-42');
    expect(r.model_name).toBe('tiny');
    expect(r.outputs).toHaveLength(1);
    expect(r.outputs[0]).toMatchObject({ name: 'output', datatype: 'FP32', shape: [3, 10] });
    close(r.outputs[0].data as number[], await expected(x, 3));
  });

  it('takes nested data in the natural shape and a named output list', async () => {
    const x = randomInput(144, 2);
    const nested = [[Array.from({ length: 12 }, (_, i) => Array.from(x.subarray(i * 12, i * 12 + 12)))]];
    const a = await client.infer(
      'tiny',
      {
        inputs: [{ name: 'input', shape: [1, 1, 12, 12], datatype: 'FP32', data: nested }],
        outputs: [{ name: 'output' }],
      },
      { version: '1' },
    );
    expect(a.status).toBe(200);
    close((a.body as InferenceResponse).outputs[0].data as number[], await expected(x, 1));
  });

  it('speaks the binary tensor data extension both ways', async () => {
    const x = randomInput(2 * 144, 3);
    const { answer, response, binary } = await client.inferBinary(
      'tiny',
      {
        inputs: [
          {
            name: 'input',
            shape: [2, 1, 12, 12],
            datatype: 'FP32',
            parameters: { binary_data_size: x.byteLength },
          },
        ],
        outputs: [{ name: 'output', parameters: { binary_data: true } }],
      },
      [new Uint8Array(x.buffer)],
    );
    expect(answer.status).toBe(200);
    expect(response!.outputs[0]).toMatchObject({ name: 'output', shape: [2, 10], datatype: 'FP32' });
    const buf = binary.get('output')!;
    expect(buf.length).toBe(2 * 10 * 4);
    close(
      new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length)),
      await expected(x, 2),
    );
  });

  it('answers binary inputs with JSON outputs when binary ones are not asked for', async () => {
    const x = randomInput(144, 4);
    const { answer, response } = await client.inferBinary(
      'tiny',
      {
        inputs: [
          { name: 'input', shape: [1, 1, 12, 12], datatype: 'FP32', parameters: { binary_data_size: 576 } },
        ],
      },
      [new Uint8Array(x.buffer)],
    );
    expect(answer.status).toBe(200);
    close(response!.outputs[0].data as number[], await expected(x, 1));
  });

  it('implements the classification extension: top-k "score:index:label" strings', async () => {
    const x = randomInput(2 * 144, 5);
    const a = await client.infer('tiny', {
      inputs: [{ name: 'input', shape: [2, 1, 12, 12], datatype: 'FP32', data: Array.from(x) }],
      outputs: [{ name: 'output', parameters: { classification: 3 } }],
    });
    expect(a.status).toBe(200);
    const o = (a.body as InferenceResponse).outputs[0];
    expect(o).toMatchObject({ name: 'output', datatype: 'BYTES', shape: [2, 3] });
    const ref = await expected(x, 2);
    for (let r = 0; r < 2; r++) {
      const row = Array.from(ref.subarray(r * 10, r * 10 + 10));
      const order = row.map((v, i) => [v, i] as const).sort((p, q) => q[0] - p[0]);
      for (let k = 0; k < 3; k++) {
        const [score, index, label] = (o.data![r * 3 + k] as string).split(':');
        expect(Number(index)).toBe(order[k][1]);
        expect(label).toBe(CLASSES[order[k][1]]);
        expect(Math.abs(Number(score) - order[k][0])).toBeLessThan(1e-5);
      }
    }
  });

  it('runs concurrent single requests in shared batches with the right rows for each', async () => {
    const xs = Array.from({ length: 24 }, (_, i) => randomInput(144, 100 + i));
    const answers = await Promise.all(
      xs.map((x) =>
        client.infer('tiny', {
          inputs: [{ name: 'input', shape: [1, 1, 12, 12], datatype: 'FP32', data: Array.from(x) }],
        }),
      ),
    );
    for (const [i, a] of answers.entries()) {
      expect(a.status).toBe(200);
      close((a.body as InferenceResponse).outputs[0].data as number[], await expected(xs[i], 1));
    }
    const m = await server.metrics();
    const count = Number(/rectifier_serve_batch_size_count\{[^}]*\} (\d+)/.exec(m)![1]);
    const sum = Number(/rectifier_serve_batch_size_sum\{[^}]*\} (\d+)/.exec(m)![1]);
    expect(count).toBeGreaterThan(0);
    expect(sum).toBeGreaterThanOrEqual(24);
  });
});

describe('Open Inference Protocol: error objects for bad inference requests', () => {
  const valid = () => ({
    inputs: [{ name: 'input', shape: [1, 1, 12, 12], datatype: 'FP32', data: Array.from(randomInput(144)) }],
  });
  const cases: [string, (r: any) => unknown, RegExp][] = [
    ['no inputs', (r) => ({ ...r, inputs: [] }), /inputs/],
    ['an unknown input', (r) => ({ inputs: [{ ...r.inputs[0], name: 'x' }] }), /unknown input 'x'/],
    [
      'a wrong datatype',
      (r) => ({ inputs: [{ ...r.inputs[0], datatype: 'INT32' }] }),
      /datatype "INT32".*FP32/,
    ],
    [
      'a datatype that does not exist',
      (r) => ({ inputs: [{ ...r.inputs[0], datatype: 'FLOAT' }] }),
      /datatype/,
    ],
    [
      'a wrong shape',
      (r) => ({ inputs: [{ ...r.inputs[0], shape: [1, 3, 12, 12] }] }),
      /shape \[1,3,12,12\]/,
    ],
    ['too little data', (r) => ({ inputs: [{ ...r.inputs[0], data: [1, 2, 3] }] }), /3 elements/],
    ['too much data', (r) => ({ inputs: [{ ...r.inputs[0], data: [...r.inputs[0].data, 1] }] }), /more than/],
    [
      'a string element',
      (r) => ({ inputs: [{ ...r.inputs[0], data: ['a', ...r.inputs[0].data.slice(1)] }] }),
      /"a"/,
    ],
    [
      'a batch over the maximum',
      (r) => ({ inputs: [{ ...r.inputs[0], shape: [1000, 1, 12, 12] }] }),
      /batch size/,
    ],
    ['a non-string id', (r) => ({ ...r, id: 5 }), /"id"/],
    ['an unknown output', (r) => ({ ...r, outputs: [{ name: 'logits' }] }), /unknown output 'logits'/],
    [
      'a bad classification',
      (r) => ({ ...r, outputs: [{ name: 'output', parameters: { classification: 0 } }] }),
      /classification/,
    ],
    ['not an object', () => [1, 2], /JSON object/],
  ];
  for (const [what, mutate, message] of cases) {
    it(`answers 400 with an error object for ${what}`, async () => {
      const a = await client.infer('tiny', mutate(valid()));
      assertErrorObject(a, 400);
      expect((a.body as { error: string }).error).toMatch(message);
    });
  }

  it('answers 400 for malformed JSON, an empty body and a bad header length', async () => {
    const bad = await client.infer('tiny', null, { rawBody: '{"inputs": [' });
    assertErrorObject(bad, 400);
    expect((bad.body as { error: string }).error).toMatch(/not valid JSON/);
    assertErrorObject(await client.infer('tiny', null, { rawBody: '' }), 400);
    assertErrorObject(
      await client.infer('tiny', valid(), { headers: { 'inference-header-content-length': '99999999' } }),
      400,
    );
  });
});

describe('image endpoint', () => {
  it('classifies a PNG with the preprocessing in the model metadata', async () => {
    const pixels = Buffer.from(Array.from({ length: 144 }, (_, i) => (i * 37) % 256));
    const png = await sharp(pixels, { raw: { width: 12, height: 12, channels: 1 } })
      .png()
      .toBuffer();
    const a = await client.post('/v2/models/tiny/classify?top=3', png, { 'content-type': 'image/png' });
    expect(a.status).toBe(200);
    const body = a.body as { classes: { index: number; label: string; probability: number }[] };
    expect(body.classes).toHaveLength(3);
    // The same image through the tensor path, normalised by hand as training did.
    const x = Float32Array.from(pixels, (p) => (p / 255 - 0.286) / 0.353);
    const logits = Array.from(await expected(x, 1));
    const m = Math.max(...logits);
    const z = logits.reduce((s, v) => s + Math.exp(v - m), 0);
    const probs = logits.map((v) => Math.exp(v - m) / z);
    const order = probs.map((p, i) => [p, i] as const).sort((p, q) => q[0] - p[0]);
    for (let k = 0; k < 3; k++) {
      expect(body.classes[k].index).toBe(order[k][1]);
      expect(body.classes[k].label).toBe(CLASSES[order[k][1]]);
      expect(Math.abs(body.classes[k].probability - order[k][0])).toBeLessThan(1e-4);
    }
  });

  it('answers 400 for bytes that are not an image, a truncated PNG and a bad ?top', async () => {
    const a = await client.post('/v2/models/tiny/classify', Buffer.from('hello, not an image'), {
      'content-type': 'image/jpeg',
    });
    assertErrorObject(a, 400);
    expect((a.body as { error: string }).error).toMatch(/not a JPEG or PNG/);
    const png = await sharp({ create: { width: 40, height: 40, channels: 3, background: '#336699' } })
      .png()
      .toBuffer();
    assertErrorObject(await client.post('/v2/models/tiny/classify', png.subarray(0, 30)), 400);
    assertErrorObject(await client.post('/v2/models/tiny/classify?top=zero', png), 400);
    // A larger RGB image is resized and turned grey for this 1-channel model.
    expect((await client.post('/v2/models/tiny/classify', png)).status).toBe(200);
  });
});

describe('metrics', () => {
  it('serves Prometheus text with requests, errors, latency, batch sizes and queue depth', async () => {
    const a = await client.get('/metrics');
    expect(a.status).toBe(200);
    expect(a.headers.get('content-type')).toMatch(/text\/plain/);
    const text = a.raw.toString();
    for (const name of [
      'rectifier_serve_requests_total',
      'rectifier_serve_request_errors_total',
      'rectifier_serve_request_duration_seconds_bucket',
      'rectifier_serve_batch_size_bucket',
      'rectifier_serve_queue_depth',
    ])
      expect(text).toContain(name);
    expect(text).toMatch(
      /rectifier_serve_requests_total\{route="\/v2\/models\/:name\/infer",method="POST",code="200"/,
    );
    expect(text).toMatch(
      /rectifier_serve_request_errors_total\{route="\/v2\/models\/:name\/infer",method="POST",code="400"/,
    );
  });
});
