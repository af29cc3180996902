// Triton model repositories: config.pbtxt per Triton's model configuration schema, written and read
// back, served as is, and the text-format reader on configs in the style of Triton's documentation.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatPbtxt, PbEnum, parsePbtxt } from './pbtxt';
import { startServer } from './server';
import { CLASSES, tempDir, tinyOnnx } from './test-support/models';
import { OipClient } from './test-support/oip-client';
import { findTritonModelDir, readTritonModel, tritonConfig, writeTritonRepository } from './triton';

const t = tempDir('triton');
afterAll(() => t.cleanup());

describe('protobuf text format', () => {
  it('reads a config written in the style of Triton’s documentation', () => {
    const cfg = parsePbtxt(`
      # an ONNX image classifier
      name: "densenet_onnx"
      platform: "onnxruntime_onnx"
      max_batch_size : 8
      input [
        {
          name: "data_0"
          data_type: TYPE_FP32
          format: FORMAT_NCHW
          dims: [ 3, 224, 224 ]
          reshape { shape: [ 1, 3, 224, 224 ] }
        }
      ]
      output [
        {
          name: "fc6_1"
          data_type: TYPE_FP32
          dims: [ 1000 ]
          label_filename: "densenet_labels.txt"
        }
      ]
      dynamic_batching { preferred_batch_size: [ 4, 8 ] max_queue_delay_microseconds: 100 }
      instance_group [ { count: 2, kind: KIND_CPU } ]
      parameters { key: "x" value: { string_value: "a\\"b" } }
    `);
    expect(cfg.name).toEqual(['densenet_onnx']);
    expect(cfg.max_batch_size).toEqual([8]);
    const input = cfg.input[0] as Record<string, unknown[]>;
    expect(input.data_type).toEqual(['TYPE_FP32']);
    expect(input.dims).toEqual([3, 224, 224]);
    expect((input.reshape[0] as Record<string, unknown[]>).shape).toEqual([1, 3, 224, 224]);
    const db = cfg.dynamic_batching[0] as Record<string, unknown[]>;
    expect(db.preferred_batch_size).toEqual([4, 8]);
    expect(db.max_queue_delay_microseconds).toEqual([100]);
    expect((cfg.instance_group[0] as Record<string, unknown[]>).kind).toEqual(['KIND_CPU']);
    const p = cfg.parameters[0] as Record<string, unknown[]>;
    expect((p.value[0] as Record<string, unknown[]>).string_value).toEqual(['a"b']);
  });

  it('round-trips what it writes and names the line of a syntax error', () => {
    const text = formatPbtxt({
      name: 'm',
      max_batch_size: 4,
      input: [{ name: 'x', data_type: new PbEnum('TYPE_FP32'), dims: [3, -1] }],
      dynamic_batching: { max_queue_delay_microseconds: 2000 },
    });
    expect(parsePbtxt(text)).toEqual({
      name: ['m'],
      max_batch_size: [4],
      input: [{ name: ['x'], data_type: ['TYPE_FP32'], dims: [3, -1] }],
      dynamic_batching: [{ max_queue_delay_microseconds: [2000] }],
    });
    expect(() => parsePbtxt('name: "m"\ninput [ { name: "x" ')).toThrow(/line 2: expected/);
    expect(() => parsePbtxt('name "m"')).toThrow(/line 1: expected ':' after 'name'/);
  });
});

describe('Triton model repository', () => {
  it('writes config.pbtxt with the graph’s names, dims without the batch, dynamic batching and labels', async () => {
    const repo = join(t.dir, 'repo');
    const r = await writeTritonRepository(repo, tinyOnnx(), {
      name: 'tiny',
      maxBatchSize: 16,
      labels: CLASSES,
    });
    expect(existsSync(join(repo, 'tiny', '1', 'model.onnx'))).toBe(true);
    expect(
      readFileSync(join(repo, 'tiny', 'labels.txt'), 'utf8')
        .trim()
        .split('\n'),
    ).toEqual(CLASSES);
    const cfg = parsePbtxt(readFileSync(r.configPath, 'utf8'));
    expect(cfg).toEqual({
      name: ['tiny'],
      platform: ['onnxruntime_onnx'],
      backend: ['onnxruntime'],
      max_batch_size: [16],
      input: [{ name: ['input'], data_type: ['TYPE_FP32'], format: ['FORMAT_NCHW'], dims: [1, 12, 12] }],
      output: [{ name: ['output'], data_type: ['TYPE_FP32'], dims: [10], label_filename: ['labels.txt'] }],
      dynamic_batching: [{ max_queue_delay_microseconds: [2000] }],
    });
    const back = await readTritonModel(findTritonModelDir(repo)!);
    expect(back).toMatchObject({
      name: 'tiny',
      version: '1',
      maxBatchSize: 16,
      windowMs: 2,
      labels: CLASSES,
    });
    // Writing again replaces the model directory.
    await writeTritonRepository(repo, tinyOnnx(), { name: 'tiny', maxBatchSize: 4 });
    expect((await readTritonModel(join(repo, 'tiny'))).maxBatchSize).toBe(4);
  });

  it('writes max_batch_size 0 and full dims for a model with a fixed batch', () => {
    const cfg = parsePbtxt(tritonConfig(tinyOnnx({ dynamicBatch: false }), { name: 'fixed' }));
    expect(cfg.max_batch_size).toEqual([0]);
    expect((cfg.input[0] as Record<string, unknown[]>).dims).toEqual([1, 1, 12, 12]);
    expect(cfg.dynamic_batching).toBeUndefined();
  });

  it('refuses configs that do not match the ONNX graph, non-ONNX platforms and bad names', async () => {
    const repo = join(t.dir, 'bad');
    const r = await writeTritonRepository(repo, tinyOnnx(), { name: 'm', labels: CLASSES });
    const edit = (from: string | RegExp, to: string) =>
      writeFileSync(r.configPath, readFileSync(r.configPath, 'utf8').replace(from, to));
    edit('dims: [ 10 ]', 'dims: [ 11 ]');
    await expect(readTritonModel(r.modelDir)).rejects.toThrow(
      /output "output" has dims \[11\], the ONNX graph \[10\]/,
    );
    edit('dims: [ 11 ]', 'dims: [ 10 ]');
    edit('"input"', '"pixels"');
    await expect(readTritonModel(r.modelDir)).rejects.toThrow(/input "pixels" is not in the ONNX graph/);
    edit('"pixels"', '"input"');
    edit('"labels.txt"', '"../../../etc/passwd"');
    await expect(readTritonModel(r.modelDir)).rejects.toThrow(/label_filename .* must be a file name inside/);
    edit('"../../../etc/passwd"', '"labels.txt"');
    edit('platform: "onnxruntime_onnx"', 'platform: "tensorflow_savedmodel"');
    await expect(readTritonModel(r.modelDir)).rejects.toThrow(/is not ONNX/);
    await expect(writeTritonRepository(repo, tinyOnnx(), { name: 'a/b' })).rejects.toThrow(
      /model name 'a\/b'/,
    );
    writeFileSync(join(repo, 'notes'), 'x');
    await expect(writeTritonRepository(t.dir, tinyOnnx(), { name: 'bad' })).rejects.toThrow(
      /not a Triton model directory/,
    );
  });

  it('is served as is: the repository directory, its name, labels and batching', async () => {
    const repo = join(t.dir, 'served');
    await writeTritonRepository(repo, tinyOnnx({ bare: true }), {
      name: 'fmnist',
      maxBatchSize: 8,
      maxQueueDelayMicroseconds: 500,
      labels: CLASSES,
    });
    const s = await startServer({ model: repo, port: 0, workers: 1 });
    try {
      expect(s.settings.batchWindowMs).toBe(0.5);
      expect(s.model.maxBatchSize).toBe(8);
      const c = new OipClient(s.url);
      const meta = await c.modelMetadata('fmnist');
      expect(meta.status).toBe(200);
      const x = new Array(144).fill(0.5);
      const a = await c.infer('fmnist', {
        inputs: [{ name: 'input', shape: [1, 1, 12, 12], datatype: 'FP32', data: x }],
        outputs: [{ name: 'output', parameters: { classification: 1 } }],
      });
      expect(a.status).toBe(200);
      const label = ((a.body as any).outputs[0].data[0] as string).split(':')[2];
      expect(CLASSES).toContain(label);
      const big = await c.infer('fmnist', {
        inputs: [
          { name: 'input', shape: [9, 1, 12, 12], datatype: 'FP32', data: new Array(9 * 144).fill(0) },
        ],
      });
      expect(big.status).toBe(400);
    } finally {
      await s.close();
    }
  });
});
