import { validatePreprocessing } from '@rectifier/imagenet';
import { Flatten, Linear, Sequential } from '@rectifier/nn';
import { exportOnnx } from '@rectifier/onnx';
import { describe, expect, it } from 'vitest';
import { META, onnxBytes } from './commands/quickstart-artifacts';
import type { ModelConfig } from './models';
import { deployPreprocessing, readOnnxMetadata } from './onnx-meta';

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

describe('deployPreprocessing in the exported metadata', () => {
  it('records the eval pipeline: folder data resize round(8/7 s) + centre crop, bilinear, torchvision mean/std', () => {
    const mc = { inChannels: 3, inputSize: 4, numClasses: 2 } as ModelConfig;
    const model = new Sequential(new Flatten(), new Linear({ inFeatures: 48, outFeatures: 2 }));
    const meta = readOnnxMetadata(onnxBytes(model, mc, ['a', 'b'], { kind: 'imagenet', mean: 0, std: 1 }));
    const pre = validatePreprocessing(JSON.parse(meta[META.preprocessing]));
    expect(META.preprocessing).toBe('rectifier.preprocessing');
    expect(pre).toMatchObject({ colorMode: 'rgb', resize: 5, cropSize: 4, interpolation: 'bilinear' });
    expect(pre.mean).toEqual([0.485, 0.456, 0.406]);
    expect(pre.std).toEqual([0.229, 0.224, 0.225]);
    expect(deployPreprocessing({ kind: 'imagenet', mean: 0, std: 1 }, 3, 224).resize).toBe(256);
  });

  it('in-memory grey data: the stored size scaled like the loaders (nearest up, box down), scalar mean/std', () => {
    const norm = { kind: 'scaled' as const, mean: 0.286, std: 0.353 };
    expect(deployPreprocessing(norm, 1, 56, 28)).toMatchObject({
      colorMode: 'grey',
      resize: 56,
      cropSize: 56,
      interpolation: 'nearest',
      mean: [0.286],
      std: [0.353],
    });
    expect(deployPreprocessing(norm, 1, 14, 28).interpolation).toBe('box');
    expect(deployPreprocessing(norm, 1, 28).interpolation).toBe('bilinear');
  });
});
