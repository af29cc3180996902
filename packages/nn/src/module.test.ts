import { memory, randn, type Tensor, tensor, zeros } from '@rectifier/tensor';
import { describe, expect, it } from 'vitest';
import { Conv2d } from './layers/conv2d';
import { Linear } from './layers/linear';
import { PReLU } from './layers/prelu';
import { ReLU } from './layers/relu';
import { Module } from './module';
import { toParameter } from './param';
import { Sequential } from './sequential';

class Block extends Module {
  conv = new Conv2d({ inChannels: 3, outChannels: 4, kernelSize: 3, padding: 1 });
  act = new PReLU({ numParameters: 4 });
  heads = [
    new Linear({ inFeatures: 4, outFeatures: 2 }),
    new Linear({ inFeatures: 4, outFeatures: 3, bias: false }),
  ];
  scale = toParameter(tensor([2]));
  constructor() {
    super();
    this.registerBuffer('runningMean', zeros([4]));
  }
  forward(x: Tensor): Tensor {
    return this.act.call(this.conv.call(x)).mul(this.scale);
  }
}

describe('Module', () => {
  it('finds parameters by walking fields in declaration order, with dotted names', () => {
    const b = new Block();
    expect(b.namedParameters().map(([n]) => n)).toEqual([
      'scale',
      'conv.weight',
      'conv.bias',
      'act.weight',
      'heads.0.weight',
      'heads.0.bias',
      'heads.1.weight',
    ]);
    expect(b.namedChildren().map(([n]) => n)).toEqual(['conv', 'act', 'heads.0', 'heads.1']);
    expect(b.namedModules().map(([n]) => n)).toEqual(['', 'conv', 'act', 'heads.0', 'heads.1']);
    expect(b.parameterCount()).toBe(1 + 4 * 3 * 9 + 4 + 4 + 8 + 2 + 12);
    expect(b.namedBuffers().map(([n]) => n)).toEqual(['runningMean']);
    // PyTorch's state_dict order: each module's parameters, then its buffers, module by module
    const [scale, ...children] = b.namedParameters().map(([n]) => n);
    expect(Object.keys(b.stateDict())).toEqual([scale, 'runningMean', ...children]);
  });

  it('nests names through Sequential and counts a shared parameter once', () => {
    const shared = new Linear({ inFeatures: 2, outFeatures: 2 });
    const net = new Sequential({
      features: new Sequential(new Conv2d({ inChannels: 1, outChannels: 2, kernelSize: 1 }), new ReLU()),
      a: shared,
      b: shared,
    });
    expect(net.namedParameters().map(([n]) => n)).toEqual([
      'features.0.weight',
      'features.0.bias',
      'a.weight',
      'a.bias',
    ]);
    expect(net.parameters()).toHaveLength(4);
  });

  it('train()/eval() propagate; zeroGrad clears grads', () => {
    const b = new Block();
    expect(b.training).toBe(true);
    b.eval();
    expect(b.modules().every((m) => !m.training)).toBe(true);
    b.train();
    expect(b.act.training).toBe(true);
    const y = b.call(randn([1, 3, 5, 5])).sum();
    y.backward();
    expect(b.conv.weight.grad).not.toBeNull();
    b.zeroGrad();
    expect(b.parameters().every((p) => p.grad === null)).toBe(true);
  });

  it('apply visits children first, each module once', () => {
    const inner = new Sequential(new ReLU(), new Linear({ inFeatures: 2, outFeatures: 2 }));
    const net = new Sequential({ a: inner, b: new ReLU(), c: inner });
    const order: string[] = [];
    expect(net.apply((m) => order.push(m.typeName))).toBe(net);
    expect(order).toEqual(['ReLU', 'Linear', 'Sequential', 'ReLU', 'Sequential']);
  });

  it('call runs forward hooks; remove() unregisters', () => {
    const b = new Block();
    const seen: string[] = [];
    const h = b.conv.registerForwardHook((m, inputs, out) =>
      seen.push(`${m.typeName} ${(inputs[0] as Tensor).shape} -> ${(out as Tensor).shape}`),
    );
    b.call(randn([1, 3, 5, 5]));
    h.remove();
    b.call(randn([1, 3, 5, 5]));
    expect(seen).toEqual(['Conv2d 1,3,5,5 -> 1,4,5,5']);
  });

  it('loadStateDict round-trips, converting dtypes', async () => {
    const a = new Block();
    const b = new Block();
    const sd: Record<string, Tensor> = {};
    for (const [k, v] of Object.entries(a.stateDict())) sd[k] = v.cast('float64');
    expect(b.loadStateDict(sd)).toEqual({ missingKeys: [], unexpectedKeys: [] });
    for (const [k, v] of Object.entries(b.stateDict())) {
      expect(v.dtype).toBe('float32');
      expect(Array.from(await v.data())).toEqual(Array.from(await a.stateDict()[k].data()));
    }
  });

  it('loadStateDict lists missing, unexpected and mis-shaped keys and loads nothing when it throws', async () => {
    const b = new Block();
    const before = Array.from(await b.conv.weight.data());
    const sd = { ...new Block().stateDict() } as Record<string, unknown>;
    delete sd['act.weight'];
    sd['extra.weight'] = zeros([1]);
    sd['heads.0.weight'] = zeros([3, 4]);
    let msg = '';
    try {
      b.loadStateDict(sd);
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toMatch(/nothing was loaded/);
    expect(msg).toMatch(/missing keys \(1\): act\.weight/);
    expect(msg).toMatch(/unexpected keys \(1\): extra\.weight/);
    expect(msg).toMatch(/heads\.0\.weight: shape \[3, 4\] in the state dict, \[2, 4\] in the model/);
    expect(Array.from(await b.conv.weight.data())).toEqual(before);
    // non-strict: missing/unexpected are reported, shapes still checked
    delete sd['heads.0.weight'];
    const r = b.loadStateDict(sd, { strict: false });
    expect(r).toEqual({ missingKeys: ['act.weight', 'heads.0.weight'], unexpectedKeys: ['extra.weight'] });
    expect(() => b.loadStateDict({ ...sd, 'conv.bias': 3 }, { strict: false })).toThrow(
      /conv\.bias: expected a Tensor, got 3/,
    );
    expect(() => b.loadStateDict(sd, { strcit: false } as never)).toThrow(/unknown option 'strcit'/);
    // keys that exist on Object.prototype are still unexpected
    expect(() => b.loadStateDict({ ...b.stateDict(), constructor: b.conv.weight })).toThrow(
      /unexpected keys \(1\): constructor/,
    );
  });

  it('a state dict of another architecture is rejected with the differences', () => {
    const a = new Sequential({ conv1: new Conv2d({ inChannels: 3, outChannels: 8, kernelSize: 3 }) });
    const b = new Sequential({
      conv1: new Conv2d({ inChannels: 3, outChannels: 16, kernelSize: 3 }),
      fc: new Linear({ inFeatures: 2, outFeatures: 2 }),
    });
    expect(() => a.loadStateDict(b.stateDict())).toThrow(
      /unexpected keys \(2\): fc\.weight, fc\.bias[\s\S]*conv1\.weight: shape \[16, 3, 3, 3\] in the state dict, \[8, 3, 3, 3\]/,
    );
  });

  it('toString prints a PyTorch-like tree', () => {
    const net = new Sequential({
      conv1: new Conv2d({ inChannels: 3, outChannels: 64, kernelSize: 7, stride: 2, padding: 3 }),
      conv1_prelu: new PReLU({ numParameters: 64 }),
    });
    expect(net.toString()).toBe(
      [
        'Sequential(',
        '  (conv1): Conv2d(3, 64, kernelSize=[7, 7], stride=[2, 2], padding=[3, 3])',
        '  (conv1_prelu): PReLU(numParameters=64)',
        ')',
      ].join('\n'),
    );
    expect(String(new Sequential(new Sequential(new ReLU())))).toBe(
      'Sequential(\n  (0): Sequential(\n    (0): ReLU()\n  )\n)',
    );
  });

  it('dispose releases parameters and buffers (memory back to where it was)', () => {
    const before = memory().bytes;
    const b = new Block();
    expect(memory().bytes).toBeGreaterThan(before);
    b.dispose();
    expect(b.parameters().every((p) => p.isDisposed)).toBe(true);
    expect(b.namedBuffers().every(([, t]) => t.isDisposed)).toBe(true);
    expect(memory().bytes).toBe(before);
  });
});
