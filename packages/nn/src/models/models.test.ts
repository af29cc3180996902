import { Generator, randint, randn } from '@rectifier/tensor';
import { describe, expect, it } from 'vitest';
import type { Conv2d } from '../layers/conv2d';
import { CrossEntropyLoss } from '../layers/cross-entropy-loss';
import type { Linear } from '../layers/linear';
import type { PReLU } from '../layers/prelu';
import { model14, model30, modelA, vgg19 } from './factories';
import { convWeightInit, model14Spec } from './paper-nets';
import { formatSlopes, preluSlopes } from './slopes';

const small = { width: 1 / 16, numClasses: 10, inputSize: 96 } as const;

async function std(t: {
  data(): Promise<ArrayLike<number>>;
}): Promise<{ n: number; std: number; mean: number }> {
  const d = await t.data();
  let sum = 0;
  for (let i = 0; i < d.length; i++) sum += d[i];
  const mean = sum / d.length;
  let v = 0;
  for (let i = 0; i < d.length; i++) v += (d[i] - mean) ** 2;
  return { n: d.length, mean, std: Math.sqrt(v / d.length) };
}

describe("the paper's networks", () => {
  it('model14: layer names follow Table 1; forward on a small width and input; all parameters get gradients', () => {
    const net = model14({ ...small, seed: 1 });
    expect(net.namedChildren().map(([n]) => n)).toEqual([
      'conv1',
      'conv1_prelu',
      'pool1',
      'conv2_1',
      'conv2_1_prelu',
      'conv2_2',
      'conv2_2_prelu',
      'conv2_3',
      'conv2_3_prelu',
      'conv2_4',
      'conv2_4_prelu',
      'pool2',
      'conv3_1',
      'conv3_1_prelu',
      'conv3_2',
      'conv3_2_prelu',
      'conv3_3',
      'conv3_3_prelu',
      'conv3_4',
      'conv3_4_prelu',
      'conv3_5',
      'conv3_5_prelu',
      'conv3_6',
      'conv3_6_prelu',
      'spp',
      'fc1',
      'fc1_prelu',
      'fc1_drop',
      'fc2',
      'fc2_prelu',
      'fc2_drop',
      'fc3',
    ]);
    const x = randn([2, 3, 96, 96], { generator: new Generator(2) });
    const y = net.call(x);
    expect(y.shape).toEqual([2, 10]);
    new CrossEntropyLoss().call(y, randint(0, 10, [2], { generator: new Generator(3) })).backward();
    for (const [name, p] of net.namedParameters()) expect(p.grad, name).not.toBeNull();
    expect(Object.keys(net.stateDict()).slice(0, 4)).toEqual([
      'conv1.weight',
      'conv1.bias',
      'conv1_prelu.weight',
      'conv2_1.weight',
    ]);
  });

  it("He fan-out init (Eq. 14) on conv layers, the paper's fixed stds on fc layers, zero biases", async () => {
    const net = model14({ width: 1 / 4, numClasses: 10, inputSize: 96, seed: 4 });
    // conv3_1 .. conv3_6: 64 filters of 2x2 -> n̂ = 256; pooled over 6 layers
    const values: number[] = [];
    for (let i = 1; i <= 6; i++)
      values.push(...Array.from(await (net.get(`conv3_${i}`) as Linear).weight.data()));
    const sigma = Math.sqrt(2 / 256);
    const s = Math.sqrt(values.reduce((a, v) => a + v * v, 0) / values.length);
    expect(Math.abs(s - sigma)).toBeLessThan((5 * sigma) / Math.sqrt(2 * values.length));
    for (const [name, expected] of [
      ['fc1', 0.01],
      ['fc2', 0.01],
      ['fc3', 0.001],
    ] as const) {
      const m = await std((net.get(name) as Linear).weight);
      expect(Math.abs(m.std - expected)).toBeLessThan((5 * expected) / Math.sqrt(2 * m.n));
    }
    for (const [name, p] of net.namedParameters()) {
      if (name.endsWith('.bias'))
        expect(
          (await p.data()).every((v) => v === 0),
          name,
        ).toBe(true);
    }
  });

  it("init options map to the paper's equations", () => {
    const conv = (o: Parameters<typeof model14Spec>[0]) =>
      model14Spec(o).layers.find((l) => l.name === 'conv2_1')?.init;
    expect(conv({})).toEqual({ kind: 'kaiming', mode: 'fan_out', nonlinearity: 'relu' });
    expect(conv({ init: 'he-fan-in' })).toEqual({ kind: 'kaiming', mode: 'fan_in', nonlinearity: 'relu' });
    expect(conv({ init: 'prelu-aware' })).toEqual({
      kind: 'kaiming',
      mode: 'fan_out',
      nonlinearity: 'prelu',
      a: 0.25,
    });
    // the gain follows the initial slope of the PReLU after the layer (Eq. 15)
    expect(conv({ init: 'prelu-aware-fan-in', preluInit: 0.5 })).toEqual({
      kind: 'kaiming',
      mode: 'fan_in',
      nonlinearity: 'prelu',
      a: 0.5,
    });
    expect(conv({ init: 'prelu-aware', activation: 'relu' })).toEqual({
      kind: 'kaiming',
      mode: 'fan_out',
      nonlinearity: 'relu',
    });
    expect(conv({ init: 'xavier' })).toEqual({ kind: 'kaiming', mode: 'fan_out', nonlinearity: 'linear' });
    expect(conv({ init: 'xavier-fan-in' })).toEqual({
      kind: 'kaiming',
      mode: 'fan_in',
      nonlinearity: 'linear',
    });
    expect(conv({ init: 'pytorch-default' })).toEqual({ kind: 'default' });
    const fc = model14Spec({ fcInit: 'same-as-conv' }).layers.find((l) => l.name === 'fc1')?.init;
    expect(fc).toEqual({ kind: 'kaiming', mode: 'fan_out', nonlinearity: 'relu' });
    expect(model14Spec().layers.find((l) => l.name === 'fc2')?.init).toEqual({ kind: 'normal', std: 0.01 });
  });

  it("prelu-aware init draws conv weights with std sqrt(2 / ((1 + a²) n)) for the model's PReLU slope a", async () => {
    const net = model14({ ...small, init: 'prelu-aware-fan-in', preluInit: 0.5, seed: 13 });
    expect(Array.from(await (net.get('conv3_1_prelu') as PReLU).weight.data())[0]).toBe(0.5);
    // conv3_1..conv3_6 at width 1/16: 16 filters of 2x2 over 8 or 16 channels; pool the normalised draws
    const z: number[] = [];
    for (let i = 1; i <= 6; i++) {
      const w = (net.get(`conv3_${i}`) as Conv2d).weight;
      const n = w.shape.slice(1).reduce((a, b) => a * b, 1);
      const sigma = Math.sqrt(2 / ((1 + 0.25) * n));
      for (const v of await w.data()) z.push(v / sigma);
    }
    const m = await std({ data: async () => z });
    // the std of N(0, 1) draws: standard error 1/sqrt(2n)
    expect(Math.abs(m.std - 1)).toBeLessThan(5 / Math.sqrt(2 * m.n));
  });

  it('a seed reproduces the weights; seed and generator are exclusive', async () => {
    const a = model14({ ...small, seed: 9 }).stateDict();
    const b = model14({ ...small, seed: 9 }).stateDict();
    const c = model14({ ...small, seed: 10 }).stateDict();
    expect(Array.from(await a['conv2_3.weight'].data())).toEqual(
      Array.from(await b['conv2_3.weight'].data()),
    );
    expect(Array.from(await a['conv2_3.weight'].data())).not.toEqual(
      Array.from(await c['conv2_3.weight'].data()),
    );
    expect(() => model14({ ...small, seed: 1, generator: new Generator(1) })).toThrow(
      /either seed or generator/,
    );
  });

  it('PReLU slopes: channel-wise/shared counts, no weight decay, Table 1 report', async () => {
    const net = model14({ ...small, seed: 5 });
    const slopes = await preluSlopes(net);
    expect(slopes.map((s) => s.layer)).toEqual([
      'conv1',
      'conv2_1',
      'conv2_2',
      'conv2_3',
      'conv2_4',
      'conv3_1',
      'conv3_2',
      'conv3_3',
      'conv3_4',
      'conv3_5',
      'conv3_6',
      'fc1',
      'fc2',
    ]);
    expect(slopes.every((s) => Math.abs(s.mean - 0.25) < 1e-7)).toBe(true);
    expect(slopes[0].numParameters).toBe(4);
    expect(formatSlopes(slopes)).toMatch(/conv3_6\s+0\.250\s+16/);
    for (const [name, p] of net.namedParameters())
      expect(p.weightDecay, name).toBe(!name.endsWith('_prelu.weight'));
    const shared = await preluSlopes(model14({ ...small, activation: 'prelu-shared', seed: 5 }));
    expect(shared.every((s) => s.numParameters === 1)).toBe(true);
    expect(
      model14({ ...small, activation: 'relu', seed: 5 })
        .namedChildren()
        .some(([n]) => n === 'conv1_relu'),
    ).toBe(true);
  });

  it('dropout is active in training and off in eval', async () => {
    const net = model14({ ...small, seed: 6 });
    const x = randn([1, 3, 96, 96], { generator: new Generator(7) });
    const t1 = Array.from(await net.call(x).data());
    const t2 = Array.from(await net.call(x).data());
    expect(t1).not.toEqual(t2);
    net.eval();
    expect(Array.from(await net.call(x).data())).toEqual(Array.from(await net.call(x).data()));
  });

  it('a checkpoint of another paper architecture is rejected and nothing is loaded', async () => {
    const net14 = model14({ ...small, seed: 10 });
    const before = Array.from(await net14.get('conv1').stateDict().weight.data());
    // model30 = model14 + conv3_7 .. conv3_22; the prelu-shared model14 has [1] slopes
    const deeper = model30({ ...small, extraLayers: 2, seed: 11 });
    const shared = model14({ ...small, activation: 'prelu-shared', seed: 12 });
    expect(() => net14.loadStateDict(deeper.stateDict())).toThrow(
      /nothing was loaded[\s\S]*unexpected keys \(6\): conv3_7\.weight, conv3_7\.bias, conv3_7_prelu\.weight, conv3_8\.weight/,
    );
    expect(() => net14.loadStateDict(shared.stateDict())).toThrow(
      /conv1_prelu\.weight: shape \[1\] in the state dict, \[4\] in the model/,
    );
    expect(Array.from(await net14.get('conv1').stateDict().weight.data())).toEqual(before);
  });

  it('model30 and model A run forward at small widths; SPP accepts other input sizes', () => {
    const deep = model30({ ...small, activation: 'relu', init: 'xavier', seed: 8 }).eval();
    expect(deep.namedParameters().filter(([n]) => n.endsWith('.weight'))).toHaveLength(30);
    expect(deep.call(randn([1, 3, 96, 96])).shape).toEqual([1, 10]);
    const a = modelA({ width: 1 / 32, numClasses: 5, seed: 9 }).eval();
    expect(a.call(randn([1, 3, 224, 224])).shape).toEqual([1, 5]);
    expect(a.call(randn([1, 3, 160, 192])).shape).toEqual([1, 5]);
    expect(() => a.call(randn([1, 3, 64, 64]))).toThrow(
      /SpatialPyramidPooling \(spp\): pyramid level 7 needs a feature map of at least 7x7, got 4x4/,
    );
  });
  it('vgg19: torchvision layout (5 pooled stages, 7x7 average pool, 3 fc), reduced input and width train', () => {
    const net = vgg19({ width: 1 / 16, numClasses: 10, inputSize: 64, seed: 3 });
    const names = net.namedChildren().map(([n]) => n);
    expect(names.filter((n) => /^conv\d_\d$/.test(n))).toHaveLength(16);
    expect(names.slice(-10)).toEqual([
      'pool5',
      'avgpool',
      'flatten',
      'fc1',
      'fc1_prelu',
      'fc1_drop',
      'fc2',
      'fc2_prelu',
      'fc2_drop',
      'fc3',
    ]);
    const x = randn([2, 3, 64, 64], { generator: new Generator(1) });
    const loss = new CrossEntropyLoss().call(
      net.call(x),
      randint(0, 10, [2], { generator: new Generator(2) }),
    );
    loss.backward();
    for (const [name, p] of net.namedParameters()) expect(p.grad, name).not.toBeNull();
    expect(() => vgg19({ sppLevels: [1] } as never)).toThrow(/vgg19Spec: VGG-19 has no SPP layer/);
  });
  it('convWeightInit: the prelu-aware rule takes the given initial slope; ReLU nets keep the plain He rule', () => {
    expect(convWeightInit('prelu-aware', 'prelu', 0.1)).toEqual({
      kind: 'kaiming',
      mode: 'fan_out',
      nonlinearity: 'prelu',
      a: 0.1,
    });
    expect(convWeightInit('prelu-aware-fan-in', 'relu')).toEqual({
      kind: 'kaiming',
      mode: 'fan_in',
      nonlinearity: 'relu',
    });
    expect(convWeightInit('xavier', 'prelu')).toEqual({
      kind: 'kaiming',
      mode: 'fan_out',
      nonlinearity: 'linear',
    });
  });
});
