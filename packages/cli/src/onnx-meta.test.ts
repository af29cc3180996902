import { Linear, Sequential } from '@rectifier/nn';
import { exportOnnx } from '@rectifier/onnx';
import { describe, expect, it } from 'vitest';
import { readOnnxMetadata } from './onnx-meta';

describe('readOnnxMetadata', () => {
  it("reads the exporter's and the caller's metadata_props back", () => {
    const model = new Sequential(new Linear({ inFeatures: 3, outFeatures: 2 }));
    const bytes = exportOnnx(model, {
      inputShape: [1, 3],
      metadata: { classes: '["a","b"]', note: 'héllo' },
    });
    const meta = readOnnxMetadata(bytes);
    expect(meta.classes).toBe('["a","b"]');
    expect(meta.note).toBe('héllo');
    expect(meta['rectifier.producer']).toBeDefined();
  });
  it('fails on bytes that are not protobuf', () => {
    expect(() => readOnnxMetadata(new Uint8Array([0x0f, 0xff, 0xff]))).toThrow();
  });
});
