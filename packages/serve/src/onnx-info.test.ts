// readOnnxInfo against onnxruntime's own view of the same models (session.inputMetadata /
// outputMetadata), and its one-line errors for bytes that are not a model.
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { readOnnxInfo } from './onnx-info';
import { tinyOnnx } from './test-support/models';

describe('readOnnxInfo', () => {
  for (const dynamicBatch of [true, false]) {
    it(`agrees with onnxruntime on names and shapes (dynamic batch: ${dynamicBatch})`, async () => {
      const bytes = tinyOnnx({ dynamicBatch });
      const info = readOnnxInfo(bytes);
      const s = await ort.InferenceSession.create(bytes);
      try {
        const norm = (m: readonly ort.InferenceSession.ValueMetadata[]) =>
          m.map((v) => ({
            name: v.name,
            shape: (v as unknown as { shape: readonly (number | string)[] }).shape.map((d) =>
              typeof d === 'number' ? d : -1,
            ),
          }));
        expect(info.inputs.map(({ name, shape }) => ({ name, shape }))).toEqual(norm(s.inputMetadata));
        expect(info.outputs.map(({ name, shape }) => ({ name, shape }))).toEqual(norm(s.outputMetadata));
        expect(info.inputs[0].datatype).toBe('FP32');
        expect(info.inputs[0].shape).toEqual([dynamicBatch ? -1 : 1, 1, 12, 12]);
      } finally {
        await s.release();
      }
      expect(JSON.parse(info.metadata.classes)).toHaveLength(10);
      expect(info.metadata['rectifier.producer']).toBe('rectifier');
    });
  }

  it('throws a one-line reason for bytes that are not an ONNX model', () => {
    expect(() => readOnnxInfo(new TextEncoder().encode('hello world, not a model'))).toThrow(
      /^(no graph|unsupported wire type|truncated|field number 0)/,
    );
    expect(() => readOnnxInfo(new Uint8Array(0))).toThrow(/no graph/);
    const bytes = tinyOnnx();
    expect(() => readOnnxInfo(bytes.subarray(0, bytes.length - 10))).toThrow(/truncated/);
  });
});
