// API-level properties of exportOnnx: determinism, the async variant, float64 models, metadata.
import {
  Conv2d,
  Flatten,
  Linear,
  modelA,
  PReLU,
  Sequential,
  SpatialPyramidPooling,
  sppGeometry,
} from '@rectifier/nn';
import { Generator, noGrad, randn } from '@rectifier/tensor';
import { describe, expect, it } from 'vitest';
import { exportOnnx, exportOnnxAsync } from './export';
import { attributes, decodeModel, valueShape } from './test-support/decode';
import { maxAbs, maxAbsDiff, runModel } from './test-support/ort';

const net = (dtype: 'float32' | 'float64' = 'float32') =>
  new Sequential({
    conv: new Conv2d({
      inChannels: 3,
      outChannels: 4,
      kernelSize: 3,
      padding: 1,
      dtype,
      generator: new Generator(1),
    }),
    act: new PReLU({ numParameters: 4, init: 0.3, dtype }),
    spp: new SpatialPyramidPooling({ levels: [2, 1] }),
    flat: new Flatten(),
    fc: new Linear({ inFeatures: 20, outFeatures: 3, dtype, generator: new Generator(2) }),
  });

describe('exportOnnx API', () => {
  it('is deterministic: the same model gives the same bytes', () => {
    const model = net();
    const a = exportOnnx(model, { inputShape: [1, 3, 6, 5] });
    const b = exportOnnx(model, { inputShape: [1, 3, 6, 5] });
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });

  it('exportOnnxAsync gives the same bytes as exportOnnx on the CPU backend', async () => {
    const model = net();
    const opts = { inputShape: [2, 3, 6, 5], dynamicBatch: true, metadata: { run: 'x' } };
    const sync = exportOnnx(model, opts);
    const asyncBytes = await exportOnnxAsync(model, opts);
    expect(Buffer.from(asyncBytes).equals(Buffer.from(sync))).toBe(true);
  });

  it('exports a float64 model as float32 initializers that match the float64 forward pass', async () => {
    const model = net('float64').eval();
    const m = decodeModel(exportOnnx(model, { inputShape: [1, 3, 6, 5] }));
    expect(m.graph.initializer.every((t) => t.data_type === 1)).toBe(true);
    expect(valueShape(m.graph.output[0])).toEqual([1, 3]);
    const { x, y } = noGrad(() => {
      const xt = randn([1, 3, 6, 5], { generator: new Generator(9), dtype: 'float64' });
      const yt = model.call(xt);
      return { x: Float32Array.from(xt.dataSync()), y: Array.from(yt.dataSync() as Float64Array) };
    });
    const out = await runModel('node', exportOnnx(model, { inputShape: [1, 3, 6, 5] }), {
      input: { data: x, dims: [1, 3, 6, 5] },
    });
    expect(maxAbsDiff(out.output.data, y)).toBeLessThanOrEqual(1e-5 * maxAbs(y));
  });

  it('records the model class name (Sequential), its architecture and nested scopes in node names', () => {
    const m = decodeModel(exportOnnx(net(), { inputShape: [1, 3, 6, 5] }));
    const meta = Object.fromEntries((m.metadata_props ?? []).map((e) => [e.key, e.value]));
    expect(meta['rectifier.model']).toBe('Sequential');
    // the model's own options: every layer with its hyperparameters, as Module.toString() prints them
    const model = net();
    expect(meta['rectifier.architecture']).toBe(model.toString());
    expect(meta['rectifier.architecture']).toMatch(/\(conv\): Conv2d\(.*3.*4/);
    expect(meta['rectifier.architecture']).toMatch(/\(spp\): SpatialPyramidPooling\(.*2, 1/);
    expect(m.graph.node.map((n) => n.name)).toContain('/act/PRelu');
    expect(m.graph.node.filter((n) => n.name.startsWith('/spp/level2/')).map((n) => n.op_type)).toEqual([
      'MaxPool',
      'Flatten',
    ]);
  });
});

describe('SPP export uses nn window geometry exactly', () => {
  it('each level is one MaxPool with sppGeometry kernel and stride, no padding, in level order', () => {
    // modelA at 1/16 width on 112x128 pools to a 7x8 map before SPP {7,3,2,1}
    const model = modelA({ width: 1 / 16, numClasses: 10, inputSize: 112, seed: 1 });
    const m = decodeModel(exportOnnx(model, { inputShape: [1, 3, 112, 128] }));
    const levels = m.graph.node.filter((n) => n.name.startsWith('/spp/level') && n.op_type === 'MaxPool');
    const expected = sppGeometry([7, 3, 2, 1], 7, 8);
    expect(levels.map((n) => n.name)).toEqual([
      '/spp/level7/MaxPool',
      '/spp/level3/MaxPool',
      '/spp/level2/MaxPool',
      '/spp/level1/MaxPool',
    ]);
    levels.forEach((n, i) => {
      expect(attributes(n), n.name).toEqual({
        kernel_shape: expected[i].kernelSize,
        strides: expected[i].stride,
        pads: [0, 0, 0, 0],
      });
    });
    const concat = m.graph.node.find((n) => n.name === '/spp/Concat')!;
    expect(concat.input).toEqual(['7', '3', '2', '1'].map((l) => `/spp/level${l}/Flatten_output_0`));
  });

  it('rejects unknown option keys instead of ignoring them (dynamic_batch is not dynamicBatch)', () => {
    const model = net();
    expect(() => exportOnnx(model, { inputShape: [1, 3, 6, 5], dynamic_batch: true } as never)).toThrow(
      "exportOnnx: unknown option 'dynamic_batch' (allowed: inputShape, opset, dynamicBatch, names, softmax, metadata, graphName, foldBatchNorm)",
    );
    expect(() => exportOnnx(model, { inputShape: [1, 3, 6, 5], names: { inputs: 'x' } } as never)).toThrow(
      /unknown key 'names.inputs'/,
    );
  });

  it('exports in eval mode and gives each module its own mode back', async () => {
    const model = net();
    model.train();
    model.get('act').eval();
    const modes = () => model.modules().map((m) => m.training);
    const before = modes();
    let seen: boolean[] = [];
    const spy = model.get('fc');
    const original = spy.toString.bind(spy);
    spy.toString = () => {
      seen = modes();
      return original();
    };
    exportOnnx(model, { inputShape: [1, 3, 6, 5] });
    expect(seen.every((t) => t === false)).toBe(true);
    expect(modes()).toEqual(before);
    await exportOnnxAsync(model, { inputShape: [1, 3, 6, 5] });
    expect(modes()).toEqual(before);
  });
});
