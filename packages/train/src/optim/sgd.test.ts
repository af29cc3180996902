import { memory, Parameter, tensor } from '@rectifier/tensor';
import { describe, expect, it } from 'vitest';
import { SGD } from './sgd';

/** A float64 parameter and a fixed gradient sequence, so the reference can be plain JS doubles. */
function param(values: number[], weightDecay = true): Parameter {
  return new Parameter(tensor(values, { dtype: 'float64' }), { weightDecay });
}
function setGrad(p: Parameter, g: number[]): void {
  p.grad = tensor(g, { dtype: 'float64' });
}

/** Caffe's SGDSolver with momentum, written out in doubles: the independent reference. */
function caffeReference(
  w0: number[],
  grads: number[][],
  lrs: number[],
  mu: number,
  wd: number,
  nesterov: boolean,
): number[] {
  const w = [...w0];
  const v = w.map(() => 0);
  grads.forEach((g, t) => {
    for (let i = 0; i < w.length; i++) {
      const d = g[i] + wd * w[i];
      const vOld = v[i];
      v[i] = mu * v[i] - lrs[t] * d;
      w[i] += nesterov ? (1 + mu) * v[i] - mu * vOld : v[i];
    }
  });
  return w;
}

const grads = [
  [0.5, -1, 2],
  [0.25, 0.5, -1.5],
  [-2, 1, 0.125],
  [1, 1, 1],
];

describe('SGD (the paper / Caffe form: v = mu v - lr (g + wd w); w += v)', () => {
  for (const nesterov of [false, true]) {
    it(`matches a float64 reference with a changing learning rate (nesterov=${nesterov})`, async () => {
      const p = param([1, -2, 3]);
      const opt = new SGD([p], { lr: 0.1, momentum: 0.9, weightDecay: 0.01, nesterov });
      const lrs = [0.1, 0.1, 0.01, 0.01];
      grads.forEach((g, t) => {
        opt.paramGroups[0].lr = lrs[t];
        setGrad(p, g);
        opt.step();
        opt.zeroGrad();
      });
      const want = caffeReference([1, -2, 3], grads, lrs, 0.9, 0.01, nesterov);
      const got = Array.from(await p.data());
      for (const [i, x] of got.entries()) expect(x).toBeCloseTo(want[i], 13);
    });
  }

  it('gives PReLU slopes (weightDecay=false) no weight decay unless decayAllParams', async () => {
    const slope = param([0.25], false);
    const opt = new SGD([slope], { lr: 0.1, momentum: 0, weightDecay: 0.5 });
    setGrad(slope, [0]);
    opt.step();
    expect(Array.from(await slope.data())).toEqual([0.25]);
    const slope2 = param([0.25], false);
    const opt2 = new SGD([{ params: [slope2], decayAllParams: true }], {
      lr: 0.1,
      momentum: 0,
      weightDecay: 0.5,
    });
    setGrad(slope2, [0]);
    opt2.step();
    expect((await slope2.data())[0]).toBeCloseTo(0.25 - 0.1 * 0.5 * 0.25, 14);
  });

  it('uses per-group learning rates and weight decays', async () => {
    const a = param([1]);
    const b = param([1]);
    const opt = new SGD(
      [
        { params: [a], lr: 0.5 },
        { params: [b], weightDecay: 1 },
      ],
      { lr: 0.1, momentum: 0 },
    );
    setGrad(a, [1]);
    setGrad(b, [1]);
    opt.step();
    expect((await a.data())[0]).toBeCloseTo(0.5, 14);
    expect((await b.data())[0]).toBeCloseTo(1 - 0.1 * 2, 14);
  });

  it('skips parameters without a gradient', async () => {
    const a = param([1]);
    const opt = new SGD([a], { lr: 1 });
    opt.step();
    expect(Array.from(await a.data())).toEqual([1]);
  });

  it('does not leak tensors across steps', () => {
    const p = new Parameter(tensor([1, 2, 3, 4]));
    const opt = new SGD([p], { lr: 0.1, momentum: 0.9, weightDecay: 1e-4, nesterov: true });
    p.grad = tensor([1, 1, 1, 1]);
    opt.step(); // allocates the momentum buffer
    const before = memory().tensors;
    for (let i = 0; i < 5; i++) opt.step();
    expect(memory().tensors).toBe(before);
  });

  it('round-trips its state and continues identically', async () => {
    const run = (p: Parameter, opt: SGD, from: number, to: number) => {
      for (let t = from; t < to; t++) {
        setGrad(p, grads[t]);
        opt.step();
        opt.zeroGrad();
      }
    };
    const p1 = param([1, 2, 3]);
    const o1 = new SGD([p1], { lr: 0.05, momentum: 0.9 });
    run(p1, o1, 0, 2);
    const sd = o1.stateDict();
    const p2 = param(Array.from(await p1.data()));
    const o2 = new SGD([p2], { lr: 999, momentum: 0.9 });
    o2.loadStateDict(JSON.parse(JSON.stringify({ ...sd, buffers: {} })) as typeof sd);
    o2.loadStateDict(sd); // buffers are copied, so the source may change afterwards
    expect(o2.paramGroups[0].lr).toBe(0.05);
    run(p1, o1, 2, 4);
    run(p2, o2, 2, 4);
    expect(Array.from(await p2.data())).toEqual(Array.from(await p1.data()));
  });

  it('validates its arguments', () => {
    const p = param([1]);
    expect(() => new SGD([p], { lr: -1 })).toThrow(/lr must be a finite number >= 0, got -1/);
    expect(() => new SGD([p], { momentum: 0, nesterov: true })).toThrow(
      /nesterov momentum needs momentum > 0/,
    );
    expect(() => new SGD([], {})).toThrow(/empty parameter list/);
    expect(() => new SGD([{ params: [p] }, { params: [p] }])).toThrow(/more than one group/);
    const o = new SGD([p], { momentum: 0.9 });
    const bad = o.stateDict();
    bad.buffers = { 0: { momentumBuffer: tensor([1, 2], { dtype: 'float64' }) } };
    expect(() => o.loadStateDict(bad)).toThrow(
      /buffer 'momentumBuffer' of parameter 0 has shape \[2\] but the parameter has \[1\]/,
    );
  });
});
