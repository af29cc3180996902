// Which preprocessing the image endpoint takes from a model's metadata: the recorded
// rectifier.preprocessing, the older input_normalization entry, or a reason to refuse.
import { evalPreprocessing } from '@rectifier/imagenet';
import { describe, expect, it } from 'vitest';
import { imagePreprocessing } from './image-input';
import type { ModelSpec } from './model-spec';

const spec = (metadata: Record<string, string>, shape = [-1, 1, 12, 12]): ModelSpec => ({
  name: 'm',
  version: '1',
  inputs: [{ name: 'input', datatype: 'FP32', shape }],
  outputs: [{ name: 'output', datatype: 'FP32', shape: [-1, 10] }],
  maxBatchSize: 8,
  metadata,
});

describe('imagePreprocessing', () => {
  it('uses rectifier.preprocessing when the model records it', () => {
    const p = evalPreprocessing(12, { colorMode: 'grey', resize: 14, mean: [0.5], std: [0.25] });
    expect(imagePreprocessing(spec({ 'rectifier.preprocessing': JSON.stringify(p) }))).toEqual(p);
  });

  it('maps the older input_normalization entry to the same description', () => {
    expect(
      imagePreprocessing(spec({ input_normalization: '{"kind":"scaled","mean":0.3,"std":0.4}' })),
    ).toEqual(
      evalPreprocessing(12, { colorMode: 'grey', resize: 12, interpolation: 'box', mean: [0.3], std: [0.4] }),
    );
    expect(imagePreprocessing(spec({ input_normalization: '{"kind":"imagenet"}' }, [-1, 3, 16, 16]))).toEqual(
      evalPreprocessing(16),
    );
  });

  it('gives a reason when the metadata is missing, broken or does not fit the input', () => {
    expect(imagePreprocessing(spec({}))).toMatch(/no 'rectifier.preprocessing'/);
    expect(imagePreprocessing(spec({ 'rectifier.preprocessing': '{"version":2}' }))).toMatch(
      /version must be 1/,
    );
    const rgb = JSON.stringify(evalPreprocessing(12));
    expect(imagePreprocessing(spec({ 'rectifier.preprocessing': rgb }))).toMatch(/gives 3x12x12 images/);
    expect(imagePreprocessing(spec({}, [-1, 144]))).toMatch(/\[N, C, H, W\]/);
  });
});
