import { logSoftmax, Parameter, tensor } from '@rectifier/tensor';
import { describe, expect, it } from 'vitest';
import { CrossEntropyLoss } from './cross-entropy-loss';
import { BCEWithLogitsLoss, L1Loss, MSELoss, NLLLoss } from './losses';

describe('loss modules (torch.nn names and options)', () => {
  const x = tensor([
    [2, 1, -1],
    [0.5, 0.5, 3],
  ]);
  const t = tensor([0, 2], { dtype: 'int32' });

  it('NLLLoss on logSoftmax equals CrossEntropyLoss (weights, sum)', async () => {
    const weight = tensor([2, 1, 0.5]);
    const a = await new NLLLoss({ weight, reduction: 'sum' }).call(logSoftmax(x, 1), t).item();
    const b = await new CrossEntropyLoss({ weight, reduction: 'sum' }).call(x, t).item();
    expect(a).toBeCloseTo(b, 6);
    expect(String(new NLLLoss())).toBe('NLLLoss(reduction=mean)');
  });

  it('MSELoss and L1Loss: values, reductions and gradients', async () => {
    const p = new Parameter(tensor([1, 2, 3]));
    const y = tensor([0, 2, 5]);
    expect(await new MSELoss().call(p, y).item()).toBeCloseTo(5 / 3, 6);
    expect(await new L1Loss({ reduction: 'sum' }).call(p, y).item()).toBeCloseTo(3, 6);
    new MSELoss().call(p, y).backward();
    expect(Array.from(await p.grad!.data())).toEqual([2 / 3, 0, -4 / 3].map(Math.fround));
    expect(() => new MSELoss({ reduction: 'avg' as never })).toThrow(/reduction must be one of/);
    expect(() => new L1Loss().call(p, tensor([1, 2]))).toThrow(
      'l1Loss: input [3] and target [2] must have the same shape',
    );
  });

  it('BCEWithLogitsLoss: stable values, posWeight buffer, gradient sigmoid(x) - y', async () => {
    const logits = new Parameter(tensor([0, 2, -3]));
    const y = tensor([1, 0, 1]);
    const sp = (v: number) => Math.log1p(Math.exp(-Math.abs(v))) + Math.max(-v, 0);
    const ref = [sp(0), 2 + sp(2), sp(-3)];
    const loss = new BCEWithLogitsLoss({ reduction: 'none' });
    expect(
      Array.from(await loss.call(logits, y).data())
        .map((v, i) => v - ref[i])
        .every((d) => Math.abs(d) < 1e-6),
    ).toBe(true);
    new BCEWithLogitsLoss({ reduction: 'sum' }).call(logits, y).backward();
    const sig = (v: number) => 1 / (1 + Math.exp(-v));
    const g = Array.from(await logits.grad!.data());
    for (const [i, e] of [sig(0) - 1, sig(2), sig(-3) - 1].entries()) expect(g[i]).toBeCloseTo(e, 6);
    const weighted = new BCEWithLogitsLoss({ posWeight: tensor([3]) });
    expect(Object.keys(weighted.stateDict())).toEqual(['posWeight']);
  });
});
