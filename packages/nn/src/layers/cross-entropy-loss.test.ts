import { Parameter, tensor } from '@rectifier/tensor';
import { describe, expect, it } from 'vitest';
import { CrossEntropyLoss } from './cross-entropy-loss';

describe('CrossEntropyLoss', () => {
  const logits = [
    [2, 1, -1],
    [0.5, 0.5, 3],
  ];
  const target = [0, 2];
  const ref = logits.map((row, i) => {
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0));
    return lse - row[target[i]];
  });

  it('mean, sum and none reductions match -log softmax', async () => {
    const x = tensor(logits);
    const t = tensor(target, { dtype: 'int32' });
    expect(await new CrossEntropyLoss().call(x, t).item()).toBeCloseTo((ref[0] + ref[1]) / 2, 5);
    expect(await new CrossEntropyLoss({ reduction: 'sum' }).call(x, t).item()).toBeCloseTo(
      ref[0] + ref[1],
      5,
    );
    const none = Array.from(await new CrossEntropyLoss({ reduction: 'none' }).call(x, t).data());
    expect(none[0]).toBeCloseTo(ref[0], 5);
    expect(none[1]).toBeCloseTo(ref[1], 5);
  });

  it('gradient is (softmax - onehot) / N', async () => {
    const x = new Parameter(tensor(logits));
    new CrossEntropyLoss().call(x, tensor(target, { dtype: 'int32' })).backward();
    const g = Array.from(await x.grad!.data());
    const row = logits[0];
    const z = row.reduce((a, v) => a + Math.exp(v), 0);
    expect(g[0]).toBeCloseTo((Math.exp(row[0]) / z - 1) / 2, 5);
    expect(g[1]).toBeCloseTo(Math.exp(row[1]) / z / 2, 5);
  });

  it('rejects wrong shapes, float targets, out-of-range classes and unknown options', () => {
    const loss = new CrossEntropyLoss();
    expect(() => loss.call(tensor(logits), tensor([0, 1, 2], { dtype: 'int32' }))).toThrow(
      'crossEntropy: target must have shape [2], got [3] (logits [2, 3])',
    );
    expect(() => loss.call(tensor(logits), tensor([0, 1]))).toThrow(/target must be int32 class indices/);
    expect(() => loss.call(tensor(logits), tensor([0, 3], { dtype: 'int32' }))).toThrow(
      'crossEntropy: target[1] = 3 is out of range for 3 classes (logits [2, 3])',
    );
    expect(() => new CrossEntropyLoss({ reduce: 'sum' } as never)).toThrow(/unknown option 'reduce'/);
    expect(() => new CrossEntropyLoss({ labelSmoothing: 1 })).toThrow(/labelSmoothing must be in \[0, 1\)/);
  });

  it('ignoreIndex and class weight like torch.nn.CrossEntropyLoss (weight is a buffer)', async () => {
    const weight = tensor([1, 2, 0.5]);
    const loss = new CrossEntropyLoss({ weight, ignoreIndex: 1 });
    const x = tensor([...logits, [0, 1, 2]]);
    const t = tensor([0, 2, 1], { dtype: 'int32' });
    // the third target is ignored; the mean divides by the weights of the others (1 + 0.5)
    const expected = (1 * ref[0] + 0.5 * ref[1]) / 1.5;
    expect(await loss.call(x, t).item()).toBeCloseTo(expected, 5);
    expect(Object.keys(loss.stateDict())).toEqual(['weight']);
    expect(String(loss)).toBe('CrossEntropyLoss(reduction=mean, ignoreIndex=1)');
  });

  it('per-pixel [N, C, H, W] logits with [N, H, W] targets', async () => {
    const x = tensor(
      new Float32Array(2 * 3 * 2 * 2).map((_, i) => Math.sin(i)),
      { shape: [2, 3, 2, 2] },
    );
    const t = tensor([0, 1, 2, -100, 2, 2, 1, 0], { dtype: 'int32', shape: [2, 2, 2] });
    const perPixel = new CrossEntropyLoss({ reduction: 'none' }).call(x, t);
    expect(perPixel.shape).toEqual([2, 2, 2]);
    const flat = x.permute(0, 2, 3, 1).reshape(-1, 3);
    const rows = new CrossEntropyLoss({ reduction: 'none' }).call(flat, t.reshape(-1));
    expect(Array.from(await perPixel.data())).toEqual(Array.from(await rows.data()));
  });
});
