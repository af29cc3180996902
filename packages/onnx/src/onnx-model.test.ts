import { describe, expect, it } from 'vitest';
import { DataType, encodeModel, type OnnxModel } from './onnx-model';
import { decodeModel, floatData, int64Data } from './test-support/decode';

const model: OnnxModel = {
  irVersion: 8,
  opsetImports: [{ domain: '', version: 17 }],
  producerName: 'p',
  producerVersion: '1',
  docString: 'doc',
  graph: {
    name: 'g',
    nodes: [
      {
        name: 'n',
        opType: 'Reshape',
        inputs: ['x', 'shape'],
        outputs: ['y'],
        attributes: [
          { name: 'f', type: 'float', value: 0.5 },
          { name: 'i', type: 'int', value: -3 },
          { name: 's', type: 'string', value: 'héllo' },
          { name: 'fs', type: 'floats', value: [1, 2.5] },
          { name: 'is', type: 'ints', value: [0, -1, 2 ** 40] },
        ],
      },
    ],
    initializers: [
      { name: 'w', dims: [2, 3], dataType: DataType.FLOAT, data: new Float32Array([1, 2, 3, 4, 5, -6.5]) },
      { name: 'shape', dims: [2], dataType: DataType.INT64, data: [0, -1] },
    ],
    inputs: [{ name: 'x', elemType: DataType.FLOAT, dims: ['batch', 6] }],
    outputs: [{ name: 'y', elemType: DataType.FLOAT, dims: ['batch', 6] }],
  },
  metadata: [{ key: 'k', value: 'v' }],
};

describe('encodeModel, decoded by protobufjs', () => {
  const d = decodeModel(encodeModel(model));
  it('round-trips every field the exporter writes', () => {
    expect([d.ir_version, d.producer_name, d.producer_version, d.opset_import]).toEqual([
      8,
      'p',
      '1',
      [{ domain: '', version: 17 }],
    ]);
    expect(d.metadata_props).toEqual([{ key: 'k', value: 'v' }]);
    const n = d.graph.node[0];
    expect([n.name, n.op_type, n.input, n.output]).toEqual(['n', 'Reshape', ['x', 'shape'], ['y']]);
    const a = Object.fromEntries((n.attribute ?? []).map((x) => [x.name, x]));
    expect([a.f.type, a.f.f, a.i.type, a.i.i]).toEqual(['FLOAT', 0.5, 'INT', -3]);
    expect(new TextDecoder().decode(a.s.s)).toBe('héllo');
    expect([a.fs.type, a.fs.floats, a.is.type, a.is.ints]).toEqual([
      'FLOATS',
      [1, 2.5],
      'INTS',
      [0, -1, 2 ** 40],
    ]);
    const [w, shape] = d.graph.initializer;
    expect([w.name, w.dims, w.data_type, Array.from(floatData(w))]).toEqual([
      'w',
      [2, 3],
      1,
      [1, 2, 3, 4, 5, -6.5],
    ]);
    expect([shape.dims, shape.data_type, int64Data(shape)]).toEqual([[2], 7, [0, -1]]);
    expect(d.graph.input[0].type.tensor_type.shape.dim).toEqual([{ dim_param: 'batch' }, { dim_value: 6 }]);
  });

  it('refuses a model over the size limit instead of writing a file ONNX Runtime cannot load', () => {
    expect(() => encodeModel(model, 100)).toThrow(/needs \d+ bytes, over the 100-byte protobuf limit/);
  });
});
