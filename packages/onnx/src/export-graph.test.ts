// Models that are graphs, not chains: a residual block (conv-relu-conv + skip, merged by nn's Add),
// a concat branch (nn's Concat), a module called twice (one shared initializer), and the same
// patterns written with tensor ops outside modules (add, concat, relu, flatten). Exported, run in
// onnxruntime-node and -web at batch 1 and at batch 3 through a dynamic-batch export, compared with
// Rectifier's eval-mode forward to 1e-4 of the output scale.
import {
  AdaptiveAvgPool2d,
  Add,
  Concat,
  Conv2d,
  Flatten,
  Identity,
  Linear,
  Module,
  PReLU,
  ReLU,
  Sequential,
} from '@rectifier/nn';
import { concat, type Tensor } from '@rectifier/tensor';
import { afterAll, describe, expect, it } from 'vitest';
import { exportOnnx } from './export';
import { attributes, decodeModel } from './test-support/decode';
import { runtimes } from './test-support/ort';
import { type Comparison, verifyModel } from './test-support/verify';
import { traceGraph } from './trace';

/** conv-relu-conv + skip, then a channel-wise PReLU (He et al. 2016's basic block, PReLU variant). */
class BasicBlock extends Module {
  conv1: Conv2d;
  relu = new ReLU();
  conv2: Conv2d;
  shortcut = new Identity();
  add = new Add();
  act: PReLU;
  constructor(c: number) {
    super();
    this.conv1 = new Conv2d({ inChannels: c, outChannels: c, kernelSize: 3, padding: 1 });
    this.conv2 = new Conv2d({ inChannels: c, outChannels: c, kernelSize: 3, padding: 1 });
    this.act = new PReLU({ numParameters: c, init: 0.1 });
  }
  forward(x: Tensor): Tensor {
    const f = this.conv2.call(this.relu.call(this.conv1.call(x)));
    return this.act.call(this.add.call(f, this.shortcut.call(x)));
  }
}

/** A residual block, a concat branch and a conv called twice, with nn's merge modules. */
class GraphNet extends Module {
  stem = new Conv2d({ inChannels: 3, outChannels: 8, kernelSize: 3, padding: 1 });
  block = new BasicBlock(8);
  branchA = new Conv2d({ inChannels: 8, outChannels: 4, kernelSize: 1 });
  branchB = new Sequential(
    new Conv2d({ inChannels: 8, outChannels: 4, kernelSize: 3, padding: 1 }),
    new ReLU(),
  );
  cat = new Concat();
  shared = new Conv2d({ inChannels: 8, outChannels: 8, kernelSize: 3, padding: 1 });
  relu = new ReLU();
  head = new Sequential(
    new AdaptiveAvgPool2d({ outputSize: 1 }),
    new Flatten(),
    new Linear({ inFeatures: 8, outFeatures: 5 }),
  );
  forward(x: Tensor): Tensor {
    let h = this.block.call(this.stem.call(x));
    h = this.cat.call(this.branchA.call(h), this.branchB.call(h));
    h = this.relu.call(this.shared.call(this.relu.call(this.shared.call(h))));
    return this.head.call(h);
  }
}

/** The same patterns as tensor ops outside modules: relu, add, concat, flatten. */
class OpsNet extends Module {
  conv1 = new Conv2d({ inChannels: 3, outChannels: 4, kernelSize: 3, padding: 1 });
  conv2 = new Conv2d({ inChannels: 4, outChannels: 4, kernelSize: 3, padding: 1 });
  conv3 = new Conv2d({ inChannels: 4, outChannels: 2, kernelSize: 1 });
  pool = new AdaptiveAvgPool2d({ outputSize: 2 });
  fc = new Linear({ inFeatures: 24, outFeatures: 3 });
  forward(x: Tensor): Tensor {
    const h = this.conv1.call(x);
    const r = this.conv2.call(h.relu()).add(h);
    const c = concat([r, this.conv3.call(r)], 1).relu();
    return this.fc.call(this.pool.call(c).flatten(1));
  }
}

const table: string[] = [];
afterAll(() => {
  console.log(['model | runtime | batch | max abs diff | output scale | diff/scale', ...table].join('\n'));
});

async function expectMatches(name: string, model: Module, inputShape: number[]): Promise<void> {
  const results: Comparison[] = [
    ...(await verifyModel(model, { inputShape }, runtimes)),
    ...(await verifyModel(model, { inputShape, dynamicBatch: true }, runtimes, { batch: 3 })),
  ];
  expect(results.length).toBeGreaterThanOrEqual(4);
  for (const c of results) {
    table.push(
      `${name} | ${c.runtime} | ${c.batch}${c.dynamic ? ' (dynamic)' : ''} | ${c.diff.toExponential(2)} | ${c.scale.toExponential(2)} | ${(c.diff / c.scale).toExponential(2)}`,
    );
    expect(c.scale).toBeGreaterThan(0);
    expect(c.diff, `${c.runtime} batch ${c.batch}`).toBeLessThanOrEqual(1e-4 * c.scale);
  }
}

describe('graph models export through a trace and match ONNX Runtime', () => {
  it('residual block (Add + Identity), concat branch (Concat), a conv called twice', async () => {
    const model = new GraphNet();
    const m = decodeModel(exportOnnx(model, { inputShape: [1, 3, 9, 7] }));
    const ops = m.graph.node.map((n) => n.op_type);
    expect(ops.filter((o) => o === 'Conv')).toHaveLength(7); // stem, block x2, branches x2, shared x2
    expect(ops).toContain('Add');
    const cat = m.graph.node.find((n) => n.op_type === 'Concat' && n.name === '/cat/Concat')!;
    expect(attributes(cat).axis).toBe(1);
    // the skip: the block's Add reads the stem's output directly
    const stemOut = m.graph.node.find((n) => n.name === '/stem/Conv')!.output[0];
    expect(m.graph.node.find((n) => n.name === '/block/add/Add')!.input).toContain(stemOut);
    // the reused conv is one initializer read by two Conv nodes; every parameter is written once
    const convs = m.graph.node.filter((n) => n.input[1] === 'shared.weight');
    expect(convs.map((n) => n.name)).toEqual(['/shared/Conv', '/shared/Conv_1']);
    const floats = m.graph.initializer.filter((t) => t.data_type === 1).map((t) => t.name);
    expect([...floats].sort()).toEqual(
      model
        .namedParameters()
        .map(([n]) => n)
        .sort(),
    );
    await expectMatches('GraphNet', model, [1, 3, 9, 7]);
  });

  it('tensor ops outside modules (relu, add, concat, flatten) are captured', async () => {
    const model = new OpsNet();
    const traced = traceGraph(model, [1, 3, 6, 6]).nodes.map((n) => (n.kind === 'layer' ? n.path : n.op));
    expect(traced).toEqual([
      'conv1',
      'relu',
      'conv2',
      'add',
      'conv3',
      'concat',
      'relu',
      'pool',
      'reshape',
      'fc',
    ]);
    const ops = decodeModel(exportOnnx(model, { inputShape: [1, 3, 6, 6] })).graph.node.map((n) => n.op_type);
    expect(ops).toEqual([
      'Conv',
      'Relu',
      'Conv',
      'Add',
      'Conv',
      'Concat',
      'Relu',
      'AveragePool',
      'Flatten',
      'Gemm',
    ]);
    await expectMatches('OpsNet', model, [1, 3, 6, 6]);
  });

  it('ops outside modules are scoped by the container whose forward applied them', async () => {
    class Inner extends Module {
      conv = new Conv2d({ inChannels: 2, outChannels: 2, kernelSize: 1 });
      forward(x: Tensor) {
        return this.conv.call(x).add(x).relu();
      }
    }
    class Outer extends Module {
      inner = new Inner();
      forward(x: Tensor) {
        return this.inner.call(x).add(x);
      }
    }
    const model = new Outer();
    const m = decodeModel(exportOnnx(model, { inputShape: [1, 2, 3, 3] }));
    expect(m.graph.node.map((n) => n.name)).toEqual([
      '/inner/conv/Conv',
      '/inner/Add',
      '/inner/Relu',
      '/Add',
    ]);
    expect(Object.hasOwn(model.inner, 'call')).toBe(false);
    await expectMatches('Outer', model, [1, 2, 3, 3]);
  });

  it('a forward that returns a module output used twice, and merges of three inputs (Sum)', async () => {
    class Three extends Module {
      a = new Linear({ inFeatures: 4, outFeatures: 6 });
      b = new Linear({ inFeatures: 4, outFeatures: 6 });
      sum = new Add();
      cat = new Concat({ dim: -1 });
      forward(x: Tensor) {
        const u = this.a.call(x);
        return this.cat.call(this.sum.call(u, this.b.call(x), u), u);
      }
    }
    const model = new Three();
    const ops = decodeModel(exportOnnx(model, { inputShape: [1, 4] })).graph.node.map((n) => n.op_type);
    expect(ops).toEqual(['Gemm', 'Gemm', 'Sum', 'Concat']);
    await expectMatches('Three', model, [1, 4]);
  });
});
