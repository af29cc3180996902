import { batchNorm, noGrad, randn, tensor } from '@rectifier/tensor';
import { assertClose, gradcheck } from '@rectifier/tensor/testing';
import { describe, expect, it } from 'vitest';
import { buildLayer } from '../build';
import { loadSafetensors, saveSafetensors } from '../safetensors/tensors';
import { Sequential } from '../sequential';
import { inferLayer } from '../spec';
import { summary } from '../summary';
import { BatchNorm1d, BatchNorm2d } from './batch-norm';
import { Conv2d } from './conv2d';

// channel 0 holds 1..4, channel 1 holds 10..40: batch means 2.5 and 25, biased variances 1.25 and 125
const batch = () => tensor([1, 2, 10, 20, 3, 4, 30, 40], { shape: [2, 2, 1, 2] });

describe('BatchNorm2d', () => {
  it("has PyTorch's parameters, buffers and state-dict names", () => {
    const bn = new BatchNorm2d({ numFeatures: 3 });
    const sd = bn.stateDict();
    expect(Object.keys(sd)).toEqual(['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']);
    expect(Array.from(sd.weight.dataSync())).toEqual([1, 1, 1]);
    expect(Array.from(sd.bias.dataSync())).toEqual([0, 0, 0]);
    expect(Array.from(sd.running_mean.dataSync())).toEqual([0, 0, 0]);
    expect(Array.from(sd.running_var.dataSync())).toEqual([1, 1, 1]);
    expect(sd.num_batches_tracked.shape).toEqual([]);
    expect(sd.num_batches_tracked.dtype).toBe('int32');
    expect(bn.parameterCount()).toBe(6);
    expect(bn.toString()).toBe('BatchNorm2d(3, eps=0.00001, momentum=0.1)');
    const plain = new BatchNorm2d({ numFeatures: 3, affine: false, trackRunningStats: false });
    expect(Object.keys(plain.stateDict())).toEqual([]);
  });

  it('training: batch statistics; running mean and unbiased variance with momentum 0.1; counts batches', () => {
    const bn = new BatchNorm2d({ numFeatures: 2 });
    const y = bn.call(batch());
    const s0 = Math.sqrt(1.25 + 1e-5);
    assertClose(
      y.dataSync(),
      [-1.5 / s0, -0.5 / s0, -15 / Math.sqrt(125 + 1e-5), -5 / Math.sqrt(125 + 1e-5)].concat([
        0.5 / s0,
        1.5 / s0,
        5 / Math.sqrt(125 + 1e-5),
        15 / Math.sqrt(125 + 1e-5),
      ]),
      { atol: 1e-6 },
    );
    assertClose(bn.running_mean!.dataSync(), [0.25, 2.5]);
    assertClose(bn.running_var!.dataSync(), [0.9 + 0.1 * (5 / 3), 0.9 + 0.1 * (500 / 3)]);
    bn.call(batch());
    expect(Array.from(bn.num_batches_tracked!.dataSync())).toEqual([2]);
    assertClose(bn.running_mean!.dataSync(), [0.25 * 0.9 + 0.25, 2.5 * 0.9 + 2.5]);
  });

  it('eval: normalises with the running statistics and leaves them alone', () => {
    const bn = new BatchNorm2d({ numFeatures: 2, eps: 0 });
    noGrad(() => {
      bn.running_mean!.assign(tensor([1, 10]));
      bn.running_var!.assign(tensor([4, 100]));
      bn.weight!.assign(tensor([2, 3]));
      bn.bias!.assign(tensor([0.5, -1]));
    });
    bn.eval();
    const a = (v: number) => ((v - 1) / 2) * 2 + 0.5;
    const b = (v: number) => ((v - 10) / 10) * 3 - 1;
    assertClose(bn.call(batch()).dataSync(), [a(1), a(2), b(10), b(20), a(3), a(4), b(30), b(40)]);
    expect(Array.from(bn.num_batches_tracked!.dataSync())).toEqual([0]);
    assertClose(bn.running_mean!.dataSync(), [1, 10]);
  });

  it('momentum null keeps the cumulative average of the batch statistics', () => {
    const bn = new BatchNorm2d({ numFeatures: 2, momentum: null });
    bn.call(batch());
    bn.call(batch().mul(3));
    // means (2.5, 25) and (7.5, 75); unbiased variances (5/3, 500/3) and 9x those
    assertClose(bn.running_mean!.dataSync(), [5, 50]);
    assertClose(bn.running_var!.dataSync(), [(5 / 3) * 5, (500 / 3) * 5], { rtol: 1e-5 });
    expect(Array.from(bn.num_batches_tracked!.dataSync())).toEqual([2]);
  });

  it('without running statistics, eval mode uses the batch statistics too', () => {
    const bn = new BatchNorm2d({ numFeatures: 2, trackRunningStats: false }).eval();
    const train = new BatchNorm2d({ numFeatures: 2 });
    assertClose(bn.call(batch()).dataSync(), train.call(batch()).dataSync());
  });

  it('train-mode gradient through the batch statistics (float64 finite differences)', () => {
    const bn = new BatchNorm2d({ numFeatures: 3, dtype: 'float64' });
    noGrad(() => {
      bn.weight!.assign(tensor([0.5, -1.5, 2], { dtype: 'float64' }));
      bn.bias!.assign(tensor([0.1, 0.2, -0.3], { dtype: 'float64' }));
    });
    const x = randn([4, 3, 2, 3], { dtype: 'float64' }).requiresGrad_();
    expect(gradcheck((t) => bn.call(t), [x])).toBe(true);
    // weight and bias get the gradients of the (gradchecked) functional form
    const r = randn([4, 3, 2, 3], { dtype: 'float64' });
    bn.call(x.detach()).mul(r).sum().backward();
    const w = tensor([0.5, -1.5, 2], { dtype: 'float64', requiresGrad: true });
    const b = tensor([0.1, 0.2, -0.3], { dtype: 'float64', requiresGrad: true });
    batchNorm(x.detach(), { weight: w, bias: b, training: true }).mul(r).sum().backward();
    assertClose(bn.weight!.grad!.dataSync(), w.grad!.dataSync(), { atol: 1e-12 });
    assertClose(bn.bias!.grad!.dataSync(), b.grad!.dataSync(), { atol: 1e-12 });
  });

  it('state dict round trip through safetensors keeps the running statistics', () => {
    const bn = new BatchNorm2d({ numFeatures: 2 });
    bn.call(batch());
    const bytes = saveSafetensors(bn.stateDict());
    const fresh = new BatchNorm2d({ numFeatures: 2 });
    fresh.loadStateDict(loadSafetensors(bytes).tensors);
    for (const [k, v] of Object.entries(fresh.stateDict())) {
      expect(Array.from(v.dataSync()), k).toEqual(Array.from(bn.stateDict()[k].dataSync()));
    }
    expect(Array.from(fresh.num_batches_tracked!.dataSync())).toEqual([1]);
  });

  it('loads a PyTorch-written file, whose num_batches_tracked is a 0-d int64, strictly', () => {
    // what safetensors.torch.save_file(nn.BatchNorm2d(2).state_dict()) writes after 5 batches
    const floats = [
      ['bias', [0.5, -0.5]],
      ['running_mean', [1, 2]],
      ['running_var', [3, 4]],
      ['weight', [2, 1]],
    ] as const;
    const header: Record<string, unknown> = {
      num_batches_tracked: { dtype: 'I64', shape: [], data_offsets: [0, 8] },
    };
    floats.forEach(([k], i) => {
      header[k] = { dtype: 'F32', shape: [2], data_offsets: [8 + 8 * i, 16 + 8 * i] };
    });
    const json = new TextEncoder().encode(JSON.stringify(header));
    const bytes = new Uint8Array(8 + json.length + 8 + 8 * floats.length);
    const view = new DataView(bytes.buffer);
    view.setBigUint64(0, BigInt(json.length), true);
    bytes.set(json, 8);
    const data = 8 + json.length;
    view.setBigInt64(data, 5n, true);
    floats.forEach(([, v], i) => {
      view.setFloat32(data + 8 + 8 * i, v[0], true);
      view.setFloat32(data + 12 + 8 * i, v[1], true);
    });
    const bn = new BatchNorm2d({ numFeatures: 2 });
    bn.loadStateDict(loadSafetensors(bytes).tensors);
    expect(Array.from(bn.num_batches_tracked!.dataSync())).toEqual([5]);
    expect(Array.from(bn.running_var!.dataSync())).toEqual([3, 4]);
    expect(Array.from(bn.weight!.dataSync())).toEqual([2, 1]);
  });

  it('rejects bad options and inputs with one line', () => {
    expect(() => new BatchNorm2d(undefined as never)).toThrow(
      'BatchNorm2d: options { numFeatures } are required',
    );
    expect(() => new BatchNorm2d({ numFeatures: 0 })).toThrow('numFeatures must be an integer >= 1');
    expect(() => new BatchNorm2d({ numFeatures: 2, momentum: 1.5 })).toThrow(
      'BatchNorm2d: momentum must be in [0, 1] or null, got 1.5',
    );
    expect(() => new BatchNorm2d({ numFeatures: 2, num_features: 2 } as never)).toThrow(
      "BatchNorm2d: unknown option 'num_features'",
    );
    expect(() => new BatchNorm2d({ numFeatures: 3 }).call(batch())).toThrow(
      'BatchNorm2d: expected input [N, C, H, W] with C = 3, got [2, 2, 1, 2]',
    );
    expect(() => new BatchNorm2d({ numFeatures: 2 }).call(tensor([1, 2], { shape: [1, 2, 1, 1] }))).toThrow(
      'expected more than 1 value per channel when training',
    );
  });
});

describe('BatchNorm in the layer registry', () => {
  it('describes itself: spec round trip, shape inference, parameters, no multiply-adds', () => {
    const bn = new BatchNorm2d({ numFeatures: 8, momentum: null, eps: 1e-3 });
    expect(bn.spec).toEqual({
      type: 'batchNorm2d',
      numFeatures: 8,
      eps: 1e-3,
      momentum: null,
      affine: true,
      trackRunningStats: true,
    });
    const rebuilt = buildLayer(JSON.parse(JSON.stringify(bn.spec)));
    expect(rebuilt).toBeInstanceOf(BatchNorm2d);
    expect((rebuilt as BatchNorm2d).spec).toEqual(bn.spec);
    const net = new Sequential(
      new Conv2d({ inChannels: 3, outChannels: 8, kernelSize: 3, padding: 1, bias: false }),
      bn,
      new BatchNorm1d({ numFeatures: 8, affine: false }).eval(),
    );
    expect(() => summary(net, [2, 3, 5, 5])).toThrow(
      '2 (batchNorm1d): expects a [N, C] or [N, C, L] input (input [2, 8, 5, 5])',
    );
    const s = summary(new Sequential(net.get(0), net.get(1)), [2, 3, 5, 5]);
    expect(s.rows.map((r) => [r.type, r.parameters, r.multiplyAdds])).toEqual([
      ['conv2d', 216, 2 * 8 * 25 * 27],
      ['batchNorm2d', 16, 0],
    ]);
    expect(inferLayer(new BatchNorm1d({ numFeatures: 4 }).spec, [3, 4, 7]).outputShape).toEqual([3, 4, 7]);
  });
});

describe('BatchNorm1d', () => {
  it('normalises [N, C] and [N, C, L] per channel and rejects 4-D input', () => {
    const bn = new BatchNorm1d({ numFeatures: 2 });
    const y = bn.call(
      tensor([
        [1, 10],
        [3, 30],
      ]),
    );
    assertClose(y.dataSync(), [-1, -1, 1, 1], { atol: 1e-4 });
    expect(bn.call(randn([3, 2, 5])).shape).toEqual([3, 2, 5]);
    expect(Array.from(bn.num_batches_tracked!.dataSync())).toEqual([2]);
    expect(() => bn.call(batch())).toThrow('BatchNorm1d: expected input [N, C] or [N, C, L] with C = 2');
  });
});
