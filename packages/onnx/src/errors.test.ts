// Bad input gets a clear error naming the module path/type, parameter or input size, and nothing is
// produced (or written) when the export fails.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Conv2d,
  Flatten,
  Linear,
  Module,
  PReLU,
  ReLU,
  Sequential,
  SpatialPyramidPooling,
} from '@rectifier/nn';
import type { Tensor } from '@rectifier/tensor';
import { describe, expect, it } from 'vitest';
import { exportOnnx, exportOnnxAsync } from './export';
import { exportOnnxFile } from './node';
import { decodeModel } from './test-support/decode';
import { runtimes } from './test-support/ort';
import { verifyModel } from './test-support/verify';

class Doubler extends Module {
  forward(x: Tensor): Tensor {
    return x.mul(2);
  }
}

const small = () =>
  new Sequential({
    features: new Sequential(
      new Conv2d({ inChannels: 3, outChannels: 4, kernelSize: 3, padding: 1 }),
      new PReLU({ numParameters: 4 }),
    ),
    spp: new SpatialPyramidPooling({ levels: [4, 2, 1] }),
    fc: new Linear({ inFeatures: 4 * 21, outFeatures: 5 }),
  });

describe('exportOnnx errors', () => {
  it('rejects a disposed model, naming the parameter', () => {
    const model = small();
    model.dispose();
    expect(() => exportOnnx(model, { inputShape: [1, 3, 8, 8] })).toThrow(
      /parameter 'features\.0\.weight' is disposed/,
    );
  });

  it('rejects an input smaller than the largest SPP level, naming the level and the map size', () => {
    // 3x3 map, level 4 needs at least 4x4
    expect(() => exportOnnx(small(), { inputShape: [1, 3, 3, 3] })).toThrow(
      /module 'spp' \(SpatialPyramidPooling\) at input size 3x3: level 4: .*at least 4/,
    );
  });

  it('rejects an input of the wrong rank or channel count, naming the module', () => {
    expect(() => exportOnnx(small(), { inputShape: [1, 3, 8] })).toThrow(
      /module 'features\.0' \(Conv2d\): expects an NCHW input/,
    );
    expect(() => exportOnnx(small(), { inputShape: [1, 1, 8, 8] })).toThrow(
      /'features\.0' \(Conv2d\): input \[1, 1, 8, 8\] has 1 channels/,
    );
  });

  it('writes a module used at two paths once, as one initializer named by its first path', async () => {
    const conv = new Conv2d({ inChannels: 3, outChannels: 3, kernelSize: 1 });
    const model = new Sequential(conv, new ReLU(), conv);
    const m = decodeModel(exportOnnx(model, { inputShape: [1, 3, 4, 4] }));
    expect(m.graph.initializer.map((t) => t.name)).toEqual(['0.weight', '0.bias']);
    expect(m.graph.node.filter((n) => n.op_type === 'Conv').map((n) => n.input.slice(1))).toEqual([
      ['0.weight', '0.bias'],
      ['0.weight', '0.bias'],
    ]);
    for (const c of await verifyModel(model, { inputShape: [1, 3, 4, 4] }, runtimes))
      expect(c.diff).toBeLessThanOrEqual(1e-4 * c.scale);
  });

  it('writes one Parameter assigned to two layers (tied weights) once', async () => {
    const a = new Linear({ inFeatures: 4, outFeatures: 4 });
    const b = new Linear({ inFeatures: 4, outFeatures: 4 });
    b.weight = a.weight;
    const model = new Sequential({ a, b });
    const m = decodeModel(exportOnnx(model, { inputShape: [1, 4] }));
    expect(m.graph.initializer.map((t) => t.name)).toEqual(['a.weight', 'a.bias', 'b.bias']);
    for (const c of await verifyModel(model, { inputShape: [1, 4] }, runtimes))
      expect(c.diff).toBeLessThanOrEqual(1e-4 * c.scale);
  });

  it('rejects custom leaf modules, naming every one by path and type, before reading any parameter', () => {
    const model = new Sequential({
      features: new Sequential(new Conv2d({ inChannels: 3, outChannels: 2, kernelSize: 1 }), new Doubler()),
      head: new Sequential(new Flatten(), new Doubler()),
    });
    expect(() => exportOnnx(model, { inputShape: [1, 3, 2, 2] })).toThrow(
      /unsupported modules 'features\.1' \(Doubler\), 'head\.1' \(Doubler\)\. Supported: Sequential, Conv2d/,
    );
  });

  it('rejects something that is not a Module', async () => {
    expect(() => exportOnnx({} as Module, { inputShape: [1, 3] })).toThrow(
      /expected a @rectifier\/nn Module/,
    );
    await expect(exportOnnxAsync(null as unknown as Module, { inputShape: [1, 3] })).rejects.toThrow(
      /got null/,
    );
  });

  it('exportOnnxFile writes nothing when the export fails, and the model when it succeeds', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rectifier-onnx-'));
    const bad = join(dir, 'sub', 'bad.onnx');
    await expect(exportOnnxFile(small(), bad, { inputShape: [1, 3, 3, 3] })).rejects.toThrow(/level 4/);
    expect(existsSync(bad)).toBe(false);
    const good = join(dir, 'sub', 'good.onnx');
    const n = await exportOnnxFile(small(), good, { inputShape: [1, 3, 8, 8] });
    expect(n).toBeGreaterThan(4 * 27 * 4);
    expect(existsSync(good)).toBe(true);
  });
});
