// Custom container modules (their own forward) are exported by tracing one forward pass, when that
// pass combines registered layers (graph cases: graph.test.ts); other ops are refused by name.
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
import { add, type Tensor } from '@rectifier/tensor';
import { describe, expect, it } from 'vitest';
import { exportOnnx } from './export';
import { decodeModel } from './test-support/decode';
import { runtimes } from './test-support/ort';
import { verifyModel } from './test-support/verify';
import { traceGraph } from './trace';

const calls = (model: Module, shape: number[]) =>
  traceGraph(model, shape).nodes.map((n) => (n.kind === 'layer' ? n.path : n.op));

class TwoLayer extends Module {
  fc1 = new Linear({ inFeatures: 6, outFeatures: 8 });
  act = new PReLU({ numParameters: 8 });
  fc2 = new Linear({ inFeatures: 8, outFeatures: 3 });
  forward(x: Tensor) {
    return this.fc2.call(this.act.call(this.fc1.call(x)));
  }
}

class ConvNet extends Module {
  features = new Sequential(
    new Conv2d({ inChannels: 3, outChannels: 4, kernelSize: 3, padding: 1 }),
    new PReLU({ numParameters: 4 }),
  );
  spp = new SpatialPyramidPooling({ levels: [2, 1] });
  head = new TwoLayerHead();
  forward(x: Tensor) {
    return this.head.call(this.spp.call(this.features.call(x)));
  }
}

class TwoLayerHead extends Module {
  fc = new Linear({ inFeatures: 20, outFeatures: 5 });
  relu = new ReLU();
  forward(x: Tensor) {
    return this.relu.call(this.fc.call(x));
  }
}

describe('custom containers are traced', () => {
  it('a flat custom forward exports as its chain of layers and matches in ORT', async () => {
    const model = new TwoLayer();
    expect(calls(model, [1, 6])).toEqual(['fc1', 'act', 'fc2']);
    const m = decodeModel(exportOnnx(model, { inputShape: [1, 6] }));
    expect(m.graph.node.map((n) => n.op_type)).toEqual(['Gemm', 'PRelu', 'Gemm']);
    expect(m.graph.initializer.map((t) => t.name)).toEqual(model.namedParameters().map(([n]) => n));
    for (const c of await verifyModel(model, { inputShape: [1, 6], dynamicBatch: true }, runtimes)) {
      expect(c.diff).toBeLessThanOrEqual(1e-4 * c.scale);
    }
  });

  it('nested custom containers and Sequentials (dotted paths kept), SPP included', async () => {
    const model = new ConvNet();
    expect(calls(model, [1, 3, 6, 5])).toEqual(['features.0', 'features.1', 'spp', 'head.fc', 'head.relu']);
    for (const c of await verifyModel(model, { inputShape: [1, 3, 6, 5], dynamicBatch: true }, runtimes)) {
      expect(c.diff).toBeLessThanOrEqual(1e-4 * c.scale);
    }
  });

  it('restores training mode after the trace', () => {
    const model = new TwoLayer();
    model.train();
    exportOnnx(model, { inputShape: [1, 6] });
    expect(model.modules().every((m) => m.training)).toBe(true);
  });

  it('refuses an operation outside a module that the exporter does not capture, naming it', () => {
    class Net extends Module {
      fc1 = new Linear({ inFeatures: 4, outFeatures: 4 });
      fc2 = new Linear({ inFeatures: 4, outFeatures: 2 });
      forward(x: Tensor) {
        return this.fc2.call(this.fc1.call(x).sigmoid());
      }
    }
    expect(() => exportOnnx(new Net(), { inputShape: [1, 4] })).toThrow(
      /forward of '<root>' \(Net\) applies 'sigmoid' outside a module; outside modules the exporter captures add, concat, flatten\/reshape\/view, relu/,
    );
  });

  it('refuses an op with a constant operand', () => {
    class Shift extends Module {
      fc = new Linear({ inFeatures: 4, outFeatures: 4 });
      forward(x: Tensor) {
        return add(this.fc.call(x), 1);
      }
    }
    expect(() => exportOnnx(new Shift(), { inputShape: [1, 4] })).toThrow(
      /applies 'add' to a constant of shape \[\]/,
    );
  });

  it('reports a forward that fails on the given input shape', () => {
    expect(() => exportOnnx(new TwoLayer(), { inputShape: [1, 5] })).toThrow(
      /tracing '<root>' \(TwoLayer\) on input \[1, 5\] failed/,
    );
  });

  it('still rejects unknown leaf modules found by the trace', () => {
    class Double extends Module {
      forward(x: Tensor) {
        return x.mul(2);
      }
    }
    class Net extends Module {
      fc = new Linear({ inFeatures: 4, outFeatures: 4 });
      d = new Double();
      flat = new Flatten();
      forward(x: Tensor) {
        return this.flat.call(this.d.call(this.fc.call(x)));
      }
    }
    expect(() => exportOnnx(new Net(), { inputShape: [1, 4] })).toThrow(/unsupported module 'd' \(Double\)/);
  });
});
