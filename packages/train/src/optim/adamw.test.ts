import { memory, Parameter, tensor } from '@rectifier/tensor';
import { describe, expect, it } from 'vitest';
import { AdamW } from './adamw';

/** torch.optim.AdamW's update written out in doubles (the independent reference). */
function reference(
  w0: number[],
  grads: number[][],
  lr: number,
  b1: number,
  b2: number,
  eps: number,
  wd: number,
): number[] {
  const w = [...w0];
  const m = w.map(() => 0);
  const v = w.map(() => 0);
  grads.forEach((g, k) => {
    const t = k + 1;
    for (let i = 0; i < w.length; i++) {
      w[i] *= 1 - lr * wd;
      m[i] = b1 * m[i] + (1 - b1) * g[i];
      v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
      const mh = m[i] / (1 - b1 ** t);
      const vh = v[i] / (1 - b2 ** t);
      w[i] -= (lr * mh) / (Math.sqrt(vh) + eps);
    }
  });
  return w;
}

describe('AdamW', () => {
  it('matches a float64 reference over several steps', async () => {
    const grads = [
      [0.5, -1, 2],
      [0.25, 0.5, -1.5],
      [-2, 1, 0.125],
    ];
    const p = new Parameter(tensor([1, -2, 3], { dtype: 'float64' }));
    const opt = new AdamW([p], { lr: 0.01, weightDecay: 0.1 });
    for (const g of grads) {
      p.grad = tensor(g, { dtype: 'float64' });
      opt.step();
      opt.zeroGrad();
    }
    const want = reference([1, -2, 3], grads, 0.01, 0.9, 0.999, 1e-8, 0.1);
    for (const [i, x] of Array.from(await p.data()).entries()) expect(x).toBeCloseTo(want[i], 12);
  });

  it('does not decay PReLU slopes and does not leak', async () => {
    const a = new Parameter(tensor([0.25], { dtype: 'float64' }), { weightDecay: false });
    const opt = new AdamW([a], { lr: 0.1, weightDecay: 1 });
    a.grad = tensor([0], { dtype: 'float64' });
    opt.step();
    expect(Array.from(await a.data())).toEqual([0.25]);
    const before = memory().tensors;
    opt.step();
    opt.step();
    expect(memory().tensors).toBe(before);
  });

  it('keeps per-parameter step counts in its state', () => {
    const p = new Parameter(tensor([1]));
    const opt = new AdamW([p]);
    p.grad = tensor([1]);
    opt.step();
    opt.step();
    const sd = opt.stateDict();
    expect(sd.steps).toEqual({ 0: 2 });
    expect(Object.keys(sd.buffers[0]).sort()).toEqual(['expAvg', 'expAvgSq']);
  });
});
