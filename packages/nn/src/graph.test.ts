// Models that are graphs: summary lists every layer call of a custom forward (residual block, concat
// branch, a conv called twice) with the shapes it received; multiply-adds checked by hand. The variance
// audit follows a custom forward that is a chain and refuses a residual graph, saying why.
import { varianceAudit } from '@rectifier/init';
import { Generator, randn, type Tensor } from '@rectifier/tensor';
import { describe, expect, it } from 'vitest';
import { toAuditModel } from './audit';
import { formatGraphVarianceAudit, graphVarianceAudit } from './graph-audit';
import { Add } from './layers/add';
import { Concat } from './layers/concat';
import { Conv2d } from './layers/conv2d';
import { Identity } from './layers/identity';
import { ReLU } from './layers/relu';
import { Module } from './module';
import { Sequential } from './sequential';
import { formatSummary, summary } from './summary';

/** conv-relu-conv + skip, then ReLU (He et al. 2016's basic block). */
export class BasicBlock extends Module {
  conv1: Conv2d;
  relu = new ReLU();
  conv2: Conv2d;
  shortcut = new Identity();
  add = new Add();
  out = new ReLU();
  constructor(c: number) {
    super();
    this.conv1 = new Conv2d({ inChannels: c, outChannels: c, kernelSize: 3, padding: 1, bias: false });
    this.conv2 = new Conv2d({ inChannels: c, outChannels: c, kernelSize: 3, padding: 1, bias: false });
  }
  forward(x: Tensor): Tensor {
    return this.out.call(
      this.add.call(this.conv2.call(this.relu.call(this.conv1.call(x))), this.shortcut.call(x)),
    );
  }
}

class GraphNet extends Module {
  stem = new Conv2d({ inChannels: 3, outChannels: 8, kernelSize: 3, padding: 1 });
  block = new BasicBlock(8);
  a = new Conv2d({ inChannels: 8, outChannels: 4, kernelSize: 1 });
  b = new Sequential(new Conv2d({ inChannels: 8, outChannels: 4, kernelSize: 3, padding: 1 }), new ReLU());
  cat = new Concat();
  shared = new Conv2d({ inChannels: 8, outChannels: 8, kernelSize: 3, padding: 1 });
  forward(x: Tensor): Tensor {
    const h = this.block.call(this.stem.call(x));
    return this.shared.call(this.shared.call(this.cat.call(this.a.call(h), this.b.call(h))));
  }
}

describe('summary of a graph model', () => {
  it('lists every layer call with the shapes it received; a reused conv costs twice, its parameters once', () => {
    const net = new GraphNet();
    const s = summary(net, [2, 3, 6, 5]);
    expect(s.rows.map((r) => [r.name, r.type])).toEqual([
      ['stem', 'conv2d'],
      ['block.conv1', 'conv2d'],
      ['block.relu', 'relu'],
      ['block.conv2', 'conv2d'],
      ['block.shortcut', 'identity'],
      ['block.add', 'add'],
      ['block.out', 'relu'],
      ['a', 'conv2d'],
      ['b.0', 'conv2d'],
      ['b.1', 'relu'],
      ['cat', 'concat'],
      ['shared', 'conv2d'],
      ['shared', 'conv2d'],
    ]);
    const px = 2 * 6 * 5; // batch x positions: every conv keeps the 6x5 map
    const macs = px * (8 * 27 + 2 * 8 * 72 + 4 * 8 + 4 * 72 + 2 * 8 * 72);
    expect(s.totalMultiplyAdds).toBe(macs);
    expect(s.rows[12]).toMatchObject({ parameters: 0, repeat: true, multiplyAdds: px * 8 * 72 });
    expect(s.totalParameters).toBe(net.parameterCount());
    expect(s.rows.find((r) => r.name === 'cat')?.outputShape).toEqual([2, 8, 6, 5]);
    expect(s.outputShape).toEqual(net.call(randn([2, 3, 6, 5], { generator: new Generator(1) })).shape);
    expect(formatSummary(s)).toMatch(/block\.add\s+add\s+\[2, 8, 6, 5\]/);
    // training mode is restored after the traced pass
    expect(net.modules().every((m) => m.training)).toBe(true);
  });

  it('reports a forward that fails on the input shape', () => {
    expect(() => summary(new GraphNet(), [1, 4, 6, 5])).toThrow(
      /summary: running 'GraphNet' on input \[1, 4, 6, 5\] failed: Conv2d \(conv2d\): expects 3 input channels but got 4/,
    );
  });
});

describe('the variance audit of a traced model', () => {
  class Chain extends Module {
    conv1 = new Conv2d({ inChannels: 3, outChannels: 8, kernelSize: 3, padding: 1 });
    act = new ReLU();
    conv2 = new Conv2d({ inChannels: 8, outChannels: 8, kernelSize: 3, padding: 1 });
    forward(x: Tensor): Tensor {
      return this.conv2.call(this.act.call(this.conv1.call(x)));
    }
  }

  it('a custom forward that is a chain gives the same audit as the Sequential of its layers', async () => {
    const net = new Chain();
    const seq = new Sequential({ conv1: net.conv1, act: net.act, conv2: net.conv2 });
    const traced = await toAuditModel(net, { inputShape: [2, 3, 8, 8] });
    expect(traced.layers.map((l) => [l.name, l.kind])).toEqual([
      ['conv1', 'conv'],
      ['act', 'activation'],
      ['conv2', 'conv'],
    ]);
    const x = randn([2, 3, 8, 8], { generator: new Generator(4) });
    const a = await varianceAudit(traced, x, { generator: new Generator(5) });
    const b = await varianceAudit(await toAuditModel(seq), x, { generator: new Generator(5) });
    expect(a.rows).toEqual(b.rows);
    await expect(toAuditModel(net)).rejects.toThrow(/'Chain' has its own forward; pass \{ inputShape \}/);
  });

  it('refuses a residual block: the plain-chain prediction of Eqs. 10/14 does not apply to a merge', async () => {
    class Res extends Module {
      stem = new Conv2d({ inChannels: 3, outChannels: 8, kernelSize: 3, padding: 1 });
      block = new BasicBlock(8);
      forward(x: Tensor): Tensor {
        return this.block.call(this.stem.call(x));
      }
    }
    await expect(toAuditModel(new Res(), { inputShape: [1, 3, 8, 8] })).rejects.toThrow(
      /in the forward of 'block' \(BasicBlock\), 'block\.shortcut' \(Identity\) reads the output of 'stem' instead of the previous layer's \(a branch or skip connection\); Eqs\. 10 and 14 predict the variance of a plain chain .*Var\[x \+ F\(x\)\] = Var\[x\] \+ Var\[F\(x\)\].* does not apply/,
    );
    class Merge extends Module {
      a = new Conv2d({ inChannels: 3, outChannels: 2, kernelSize: 1 });
      cat = new Concat();
      forward(x: Tensor): Tensor {
        const y = this.a.call(x);
        return this.cat.call(y, y);
      }
    }
    await expect(toAuditModel(new Merge(), { inputShape: [1, 3, 4, 4] })).rejects.toThrow(
      /'cat' \(Concat\) merges 2 tensors/,
    );
  });
});

describe('graphVarianceAudit: chain by chain, merges against Var[x + F(x)] = Var[x] + Var[F(x)]', () => {
  class Res extends Module {
    stem = new Conv2d({ inChannels: 3, outChannels: 16, kernelSize: 3, padding: 1, bias: false });
    block = new BasicBlock(16);
    forward(x: Tensor): Tensor {
      return this.block.call(this.stem.call(x));
    }
  }

  it('cuts a residual model into its plain chains and audits each on the input it receives', async () => {
    const net = new Res();
    const x = randn([4, 3, 12, 12], { generator: new Generator(7) });
    const a = await graphVarianceAudit(net, x, { generator: new Generator(8) });
    expect(a.chains.map((c) => [c.layers, c.from, c.audit !== undefined])).toEqual([
      [['stem'], 'input', true],
      [['block.conv1', 'block.relu', 'block.conv2'], 'stem', true],
      [['block.out'], 'block.add', false],
    ]);
    // the branch chain is the audit of Sequential(conv1, relu, conv2) on the stem's output
    const branch = new Sequential({ c1: net.block.conv1, r: net.block.relu, c2: net.block.conv2 });
    const h = net.stem.call(x);
    const direct = await varianceAudit(await toAuditModel(branch), h, { generator: new Generator(8) });
    expect(a.chains[1].audit?.rows.map((r) => r.forwardStd)).toEqual(direct.rows.map((r) => r.forwardStd));
    // the skip: a random branch is uncorrelated with its input, so the variances add
    const [merge] = a.merges;
    expect(merge).toMatchObject({ name: 'block.add', type: 'add', from: ['block.conv2', 'stem'] });
    const expected = Math.sqrt(merge.inputStds[0] ** 2 + merge.inputStds[1] ** 2);
    expect(merge.predictedStd).toBeCloseTo(expected, 6);
    expect(Math.abs(merge.measuredStd / merge.predictedStd - 1)).toBeLessThan(0.1);
    const text = formatGraphVarianceAudit(a);
    expect(text).toMatch(/chain block\.conv1 -> block\.relu -> block\.conv2 \(input: stem\)/);
    expect(text).toMatch(/block\.add \(add\) of block\.conv2, stem: input stds/);
    expect(net.modules().every((m) => m.training)).toBe(true);
  });

  it('a Sequential is one chain with the same audit as toAuditModel', async () => {
    const seq = new Sequential(new Conv2d({ inChannels: 3, outChannels: 4, kernelSize: 3 }), new ReLU());
    const x = randn([2, 3, 6, 6], { generator: new Generator(1) });
    const a = await graphVarianceAudit(seq, x, { generator: new Generator(2) });
    const b = await varianceAudit(await toAuditModel(seq), x, { generator: new Generator(2) });
    expect(a.chains).toHaveLength(1);
    expect(a.chains[0].audit?.rows).toEqual(b.rows);
    expect(a.merges).toEqual([]);
  });
});
