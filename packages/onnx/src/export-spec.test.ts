import { readFileSync } from 'node:fs';
import type { LayerSpec } from '@rectifier/nn';
import { describe, expect, it } from 'vitest';
import { chainGraph, type ExportGraph, type ParamData } from './export-graph';
import { exportSpec } from './export-spec';
import { attributes, decodeModel, floatData, valueShape } from './test-support/decode';
import { runModel, runtimes } from './test-support/ort';
import { VERSION } from './version';

const p = (name: string, shape: number[]): ParamData => ({
  name,
  shape,
  data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.cos(i + name.length)),
});

// conv(3->8, groups 1) -> prelu[8] -> conv(8->8, groups 2, dilation 2) -> maxpool(ceil) -> spp{2,1}
// -> fc(40->6) -> prelu[6] -> dropout -> fc(6->4), as nn layer specs with their parameters
const spec: ExportGraph = chainGraph([
  {
    path: 'features.0',
    type: 'Conv2d',
    spec: {
      type: 'conv2d',
      inChannels: 3,
      outChannels: 8,
      kernelSize: [3, 3],
      stride: [2, 1],
      padding: [1, 1],
      dilation: [1, 1],
      groups: 1,
      bias: true,
    } satisfies LayerSpec,
    params: { weight: p('features.0.weight', [8, 3, 3, 3]), bias: p('features.0.bias', [8]) },
  },
  {
    path: 'features.1',
    type: 'PReLU',
    spec: { type: 'prelu', numParameters: 8, init: 0.25 } satisfies LayerSpec,
    params: { weight: p('features.1.weight', [8]) },
  },
  {
    path: 'features.2',
    type: 'Conv2d',
    spec: {
      type: 'conv2d',
      inChannels: 8,
      outChannels: 8,
      kernelSize: [3, 3],
      stride: [1, 1],
      padding: [2, 2],
      dilation: [2, 2],
      groups: 2,
      bias: false,
    } satisfies LayerSpec,
    params: { weight: p('features.2.weight', [8, 4, 3, 3]) },
  },
  {
    path: 'features.3',
    type: 'MaxPool2d',
    spec: {
      type: 'maxPool2d',
      kernelSize: [2, 2],
      stride: [2, 2],
      padding: [0, 0],
      dilation: [1, 1],
      ceilMode: true,
    } satisfies LayerSpec,
    params: {},
  },
  {
    path: 'spp',
    type: 'SpatialPyramidPooling',
    spec: { type: 'spp', levels: [2, 1], mode: 'max' } satisfies LayerSpec,
    params: {},
  },
  {
    path: 'classifier.0',
    type: 'Linear',
    spec: { type: 'linear', inFeatures: 40, outFeatures: 6, bias: true } satisfies LayerSpec,
    params: { weight: p('classifier.0.weight', [6, 40]), bias: p('classifier.0.bias', [6]) },
  },
  {
    path: 'classifier.1',
    type: 'PReLU',
    spec: { type: 'prelu', numParameters: 6, init: 0.25 } satisfies LayerSpec,
    params: { weight: p('classifier.1.weight', [6]) },
  },
  {
    path: 'classifier.2',
    type: 'Dropout',
    spec: { type: 'dropout', p: 0.5 } satisfies LayerSpec,
    params: {},
  },
  {
    path: 'classifier.3',
    type: 'Linear',
    spec: { type: 'linear', inFeatures: 6, outFeatures: 4, bias: false } satisfies LayerSpec,
    params: { weight: p('classifier.3.weight', [4, 6]) },
  },
]);

describe('exportSpec: the decoded model (protobufjs, independent of the encoder)', () => {
  const bytes = exportSpec(
    spec,
    {
      inputShape: [1, 3, 10, 7],
      dynamicBatch: true,
      metadata: { dataset: 'toy', 'rectifier.classes': '["a"]' },
    },
    'Toy',
  );
  const m = decodeModel(bytes);

  it('states IR 8 / opset 17 and the producer', () => {
    expect(m.ir_version).toBe(8);
    expect(m.opset_import).toEqual([{ domain: '', version: 17 }]);
    expect(m.producer_name).toBe('rectifier');
    expect(m.producer_version).toBe(VERSION);
  });

  it('records producer, version, model and options in metadata_props, plus user entries', () => {
    const meta = Object.fromEntries((m.metadata_props ?? []).map((e) => [e.key, e.value]));
    expect(meta['rectifier.producer']).toBe('rectifier');
    expect(meta['rectifier.version']).toBe(VERSION);
    expect(meta['rectifier.model']).toBe('Toy');
    expect(JSON.parse(meta['rectifier.options'])).toEqual({
      inputShape: [1, 3, 10, 7],
      opset: 17,
      dynamicBatch: true,
      softmax: false,
      names: { input: 'input', output: 'output' },
    });
    expect(meta.dataset).toBe('toy');
    expect(meta['rectifier.classes']).toBe('["a"]'); // the CLI's own keys may share the prefix
  });

  it('declares a symbolic batch on input and output', () => {
    expect(valueShape(m.graph.input[0])).toEqual(['batch', 3, 10, 7]);
    expect(m.graph.input[0].name).toBe('input');
    expect(valueShape(m.graph.output[0])).toEqual(['batch', 4]);
    expect(m.graph.output[0].name).toBe('output');
  });

  it('names initializers by parameter path with PReLU slopes [C,1,1] after conv and [C] after fc', () => {
    const dims = Object.fromEntries(
      m.graph.initializer.filter((t) => t.data_type === 1).map((t) => [t.name, t.dims]),
    );
    expect(dims).toEqual({
      'features.0.weight': [8, 3, 3, 3],
      'features.0.bias': [8],
      'features.1.weight': [8, 1, 1],
      'features.2.weight': [8, 4, 3, 3],
      'classifier.0.weight': [6, 40],
      'classifier.0.bias': [6],
      'classifier.1.weight': [6],
      'classifier.3.weight': [4, 6],
    });
    const slope = m.graph.initializer.find((t) => t.name === 'features.1.weight')!;
    expect(Array.from(floatData(slope))).toEqual(Array.from(p('features.1.weight', [8]).data));
  });

  it('writes the expected nodes and attributes (Dropout omitted)', () => {
    const ops = m.graph.node.map((n) => n.op_type);
    expect(ops.slice(0, 4)).toEqual(['Conv', 'PRelu', 'Conv', 'MaxPool']);
    expect(ops.slice(-3)).toEqual(['Gemm', 'PRelu', 'Gemm']);
    expect(ops).not.toContain('Dropout');
    const [conv0, , conv2, pool] = m.graph.node;
    expect(conv0.name).toBe('/features/0/Conv');
    expect(attributes(conv0)).toEqual({
      kernel_shape: [3, 3],
      strides: [2, 1],
      pads: [1, 1, 1, 1],
      dilations: [1, 1],
      group: 1,
    });
    expect(attributes(conv2)).toMatchObject({ dilations: [2, 2], group: 2, pads: [2, 2, 2, 2] });
    expect(conv2.input).toEqual([m.graph.node[1].output[0], 'features.2.weight']);
    expect(m.graph.node[1].input).toEqual([conv0.output[0], 'features.1.weight']);
    expect(attributes(pool)).toMatchObject({ ceil_mode: 1, kernel_shape: [2, 2] });
    const gemm = m.graph.node.filter((n) => n.op_type === 'Gemm');
    expect(gemm.map((n) => attributes(n).transB)).toEqual([1, 1]);
    expect(gemm[1].input).toHaveLength(2);
    expect(gemm[1].output).toEqual(['output']);
  });
});

describe('exportSpec output runs in ONNX Runtime', () => {
  it.each(runtimes)('onnxruntime-%s accepts batch 3 on a dynamic-batch export', async (rt) => {
    const bytes = exportSpec(spec, { inputShape: [1, 3, 10, 7], dynamicBatch: true }, 'Toy');
    const x = Float32Array.from({ length: 3 * 3 * 10 * 7 }, (_, i) => Math.sin(i));
    const out = await runModel(rt, bytes, { input: { data: x, dims: [3, 3, 10, 7] } });
    expect(out.output.dims).toEqual([3, 4]);
    expect(out.output.data.every(Number.isFinite)).toBe(true);
  });
});

describe('exportSpec options', () => {
  it('appends a Softmax head and honours names and opset 13 (IR 7)', () => {
    const m = decodeModel(
      exportSpec(
        spec,
        { inputShape: [2, 3, 10, 7], softmax: true, opset: 13, names: { input: 'image', output: 'probs' } },
        'Toy',
      ),
    );
    expect(m.ir_version).toBe(7);
    const last = m.graph.node[m.graph.node.length - 1];
    expect([last.op_type, attributes(last).axis, last.output[0]]).toEqual(['Softmax', -1, 'probs']);
    expect(valueShape(m.graph.input[0])).toEqual([2, 3, 10, 7]);
    expect(m.graph.input[0].name).toBe('image');
  });

  it('rejects bad options with messages naming them', () => {
    expect(() => exportSpec(spec, { inputShape: [1, 3, 10, 7], opset: 12 }, 'Toy')).toThrow(
      /opset 12 is not supported/,
    );
    expect(() => exportSpec(spec, { inputShape: [3, 0, 7] }, 'Toy')).toThrow(
      /inputShape must list positive integers/,
    );
    expect(() =>
      exportSpec(spec, { inputShape: [1, 3, 10, 7], names: { input: 'x', output: 'x' } }, 'Toy'),
    ).toThrow(/distinct/);
    expect(() =>
      exportSpec(spec, { inputShape: [1, 3, 10, 7], metadata: { 'rectifier.version': '9' } }, 'Toy'),
    ).toThrow(/is written by the exporter itself/);
  });

  it('rejects an input whose channels do not match, naming the module', () => {
    expect(() => exportSpec(spec, { inputShape: [1, 4, 10, 7] }, 'Toy')).toThrow(
      /module 'features.0' \(Conv2d\): input \[1, 4, 10, 7\] has 4 channels but weight \[8, 3, 3, 3\]/,
    );
  });

  it('an identity-only model still has one node', () => {
    const m = decodeModel(
      exportSpec(
        chainGraph([{ path: '', type: 'Dropout', spec: { type: 'dropout', p: 0.5 }, params: {} }]),
        { inputShape: [1, 5] },
        'D',
      ),
    );
    expect(m.graph.node.map((n) => [n.op_type, n.input[0], n.output[0]])).toEqual([
      ['Identity', 'input', 'output'],
    ]);
  });
});

describe('VERSION', () => {
  it('equals package.json version', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    expect(VERSION).toBe(pkg.version);
  });
});
