import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeSafetensors, encodeSafetensors } from './format';

// Written by the reference implementation (Rust safetensors 0.8.0 via Python); see scripts/safetensors-fixtures.py.
const fixture = (name: string) =>
  new Uint8Array(readFileSync(new URL(`./fixtures/${name}`, import.meta.url)));

const expected = {
  'conv1.weight': { dtype: 'F32', shape: [2, 1, 1, 2], data: new Float32Array([0.5, -1.25, 3.0, 1e-8]) },
  'conv1.bias': { dtype: 'F32', shape: [2], data: new Float32Array([0, -0]) },
  'conv1_prelu.weight': { dtype: 'F32', shape: [1], data: new Float32Array([0.25]) },
  a_step: { dtype: 'I32', shape: [], data: new Int32Array([42]) },
  w64: { dtype: 'F64', shape: [3], data: new Float64Array([Math.PI, -2.5e-300, 1e300]) },
  empty: { dtype: 'F32', shape: [0, 3], data: new Float32Array(0) },
} as const;

describe('interoperability with the reference safetensors implementation', () => {
  it('reads a file the reference writer produced (values, shapes, dtypes, metadata)', () => {
    const { tensors, metadata } = decodeSafetensors(fixture('reference.safetensors'));
    expect(metadata).toEqual({ format: 'pt', model: 'tiny' });
    expect(Object.keys(tensors).sort()).toEqual(Object.keys(expected).sort());
    for (const [name, t] of Object.entries(expected)) {
      expect(tensors[name].dtype, name).toBe(t.dtype);
      expect(tensors[name].shape, name).toEqual(t.shape);
      expect(tensors[name].data, name).toEqual(t.data);
    }
    expect(Object.is(tensors['conv1.bias'].data[1], -0)).toBe(true);
  });

  it('writes byte-for-byte what the reference writer writes (no metadata)', () => {
    const ours = encodeSafetensors(expected as never);
    const ref = fixture('reference-nometa.safetensors');
    expect(ours.length).toBe(ref.length);
    expect(Buffer.from(ours).equals(Buffer.from(ref))).toBe(true);
  });
});
