/**
 * torch.nn.functional's losses: crossEntropy with ignoreIndex, class weights, [N, C, H, W] inputs and
 * probability targets; nllLoss, mseLoss, l1Loss, binaryCrossEntropyWithLogits. Forward values against
 * plain-JavaScript references on every backend; gradients by float64 central differences with random
 * upstream weights (gradcheck); out-of-range targets rejected with the same error on every backend.
 */
import { describe, expect, it } from 'vitest';
import { pendingChecks } from '../deferred-checks.js';
import { backendsUnderTest } from '../test-support/backends.js';
import { f64, randomOn, read } from '../test-support/helpers.js';
import { assertClose, gradcheck } from '../testing/index.js';
import { logSoftmax } from './activation.js';
import { tensor } from './creation.js';
import { binaryCrossEntropyWithLogits, crossEntropy, l1Loss, mseLoss, nllLoss } from './loss.js';

/** log-softmax of one row (float64). */
function logSoftmaxRow(row: number[]): number[] {
  const m = Math.max(...row);
  const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
  return row.map((v) => v - lse);
}

/** Rows [M][C] of an [N, C, ...rest] host array, class dim last, in (n, spatial) order. */
function rowsOf(x: ArrayLike<number>, shape: number[]): number[][] {
  const [N, C] = shape;
  const S = shape.slice(2).reduce((a, b) => a * b, 1);
  const rows: number[][] = [];
  for (let n = 0; n < N; n++)
    for (let s = 0; s < S; s++) rows.push(Array.from({ length: C }, (_, c) => x[(n * C + c) * S + s]));
  return rows;
}

/** torch's cross_entropy with class indices, written out per element. */
function refCE(
  rows: number[][],
  t: number[],
  opts: { w?: number[]; ignore?: number; eps?: number; reduction?: 'mean' | 'sum' | 'none' },
): number[] {
  const C = rows[0].length;
  const w = opts.w ?? Array(C).fill(1);
  const ignore = opts.ignore ?? -100;
  const eps = opts.eps ?? 0;
  let wsum = 0;
  const per = rows.map((row, m) => {
    if (t[m] === ignore) return 0;
    const lp = logSoftmaxRow(row);
    wsum += w[t[m]];
    const smooth = -lp.reduce((a, v, c) => a + v * w[c], 0);
    return (1 - eps) * -w[t[m]] * lp[t[m]] + (eps / C) * smooth;
  });
  const total = per.reduce((a, b) => a + b, 0);
  if (opts.reduction === 'none') return per;
  return [opts.reduction === 'sum' ? total : total / wsum];
}

describe.each(await backendsUnderTest())('losses on $name', ({ backend, atol, rtol }) => {
  const tol = { atol: Math.max(atol, 1e-5), rtol };
  it('crossEntropy: ignoreIndex (default -100 and custom), class weights and every reduction', async () => {
    const x = randomOn(backend, [5, 4], 11);
    const rows = rowsOf(x.host, [5, 4]);
    const t = [0, -100, 3, 2, 3];
    const target = tensor(t, { dtype: 'int32', backend });
    const w = [0.5, 2, 1, 3];
    const weight = tensor(w, { backend });
    for (const reduction of ['mean', 'sum', 'none'] as const) {
      assertClose(await read(crossEntropy(x.t, target, { reduction })), refCE(rows, t, { reduction }), tol);
      assertClose(
        await read(crossEntropy(x.t, target, { reduction, weight, labelSmoothing: 0.1 })),
        refCE(rows, t, { reduction, w, eps: 0.1 }),
        tol,
      );
    }
    const t2 = [255, 1, 255, 0, 2];
    assertClose(
      await read(crossEntropy(x.t, tensor(t2, { dtype: 'int32', backend }), { ignoreIndex: 255, weight })),
      refCE(rows, t2, { ignore: 255, w }),
      tol,
    );
  });

  it('crossEntropy and nllLoss on [N, C, H, W] logits with [N, H, W] targets (per pixel)', async () => {
    const shape = [2, 3, 2, 3];
    const x = randomOn(backend, shape, 12);
    const t = [0, 2, 1, -100, 1, 1, 2, 0, 0, 2, -100, 1];
    const target = tensor(t, { dtype: 'int32', backend, shape: [2, 2, 3] });
    const rows = rowsOf(x.host, shape);
    const none = crossEntropy(x.t, target, { reduction: 'none' });
    expect(none.shape).toEqual([2, 2, 3]);
    assertClose(await read(none), refCE(rows, t, { reduction: 'none' }), tol);
    assertClose(await read(crossEntropy(x.t, target)), refCE(rows, t, {}), tol);
    assertClose(await read(nllLoss(logSoftmax(x.t, 1), target)), refCE(rows, t, {}), tol);
    const w = tensor([1, 0.25, 4], { backend });
    assertClose(
      await read(nllLoss(logSoftmax(x.t, 1), target, { weight: w, reduction: 'sum' })),
      refCE(rows, t, { w: [1, 0.25, 4], reduction: 'sum' }),
      tol,
    );
  });

  it('crossEntropy with class-probability targets (and label smoothing, weights)', async () => {
    const x = randomOn(backend, [3, 4], 13);
    const p = [0.1, 0.2, 0.3, 0.4, 1, 0, 0, 0, 0.25, 0.25, 0.25, 0.25];
    const target = tensor(p, { backend, shape: [3, 4] });
    const rows = rowsOf(x.host, [3, 4]);
    const w = [1, 2, 0.5, 1];
    const eps = 0.2;
    const ref = rows.map((row, n) => {
      const lp = logSoftmaxRow(row);
      return -lp.reduce((a, v, c) => a + v * w[c] * (p[n * 4 + c] * (1 - eps) + eps / 4), 0);
    });
    const out = crossEntropy(x.t, target, {
      weight: tensor(w, { backend }),
      labelSmoothing: eps,
      reduction: 'none',
    });
    assertClose(await read(out), ref, tol);
    assertClose(
      await read(crossEntropy(x.t, target, { weight: tensor(w, { backend }), labelSmoothing: eps })),
      [ref.reduce((a, b) => a + b) / 3],
      tol,
    );
  });

  it('out-of-range targets give the same RangeError on every backend (WebGPU: checked on the device)', async () => {
    const x = randomOn(backend, [3, 3], 14).t;
    const message = 'crossEntropy: target[1] = 3 is out of range for 3 classes (logits [3, 3])';
    for (const [t, msg] of [
      [[0, 3, 1], message],
      [[0, -1, 1], 'crossEntropy: target[1] = -1 is out of range for 3 classes (logits [3, 3])'],
    ] as const) {
      const target = tensor(t as unknown as number[], { dtype: 'int32', backend });
      if (backend.readSync) {
        expect(() => crossEntropy(x, target)).toThrow(msg);
        continue;
      }
      // the loss cannot be inspected on the host before it returns: the next read reports the error
      const loss = crossEntropy(x, target);
      expect(pendingChecks(backend)).toBe(1);
      await expect(loss.data()).rejects.toThrow(msg);
      expect(pendingChecks(backend)).toBe(0);
      expect(Number.isFinite((await loss.data())[0])).toBe(true); // reported once, then cleared
    }
    // a valid loss leaves no error behind; ignoreIndex targets are valid
    const ok = crossEntropy(x, tensor([0, -100, 2], { dtype: 'int32', backend }));
    expect(Number.isFinite(await ok.item())).toBe(true);
    // many steps without a read keep one folded verdict that reports the first failure
    if (!backend.readSync) {
      for (let i = 0; i < 5; i++)
        crossEntropy(x, tensor([0, 1, i === 2 ? 7 : 1], { dtype: 'int32', backend }));
      expect(pendingChecks(backend)).toBe(1);
      await expect(x.data()).rejects.toThrow('crossEntropy: target[2] = 7 is out of range for 3 classes');
    }
    expect(() =>
      nllLoss(x, tensor([0, 1, 1], { dtype: 'int32', backend }), { weight: tensor([1, 2], { backend }) }),
    ).toThrow('nllLoss: weight must have shape [3] (one per class), got [2]');
  });

  it('mseLoss, l1Loss and binaryCrossEntropyWithLogits match their definitions', async () => {
    const a = randomOn(backend, [2, 3], 15);
    const b = randomOn(backend, [2, 3], 16);
    const n = 6;
    const diff = a.host.map((v, i) => v - b.host[i]);
    assertClose(await read(mseLoss(a.t, b.t)), [diff.reduce((s, d) => s + d * d, 0) / n], tol);
    assertClose(
      await read(mseLoss(a.t, b.t, { reduction: 'none' })),
      diff.map((d) => d * d),
      tol,
    );
    assertClose(
      await read(l1Loss(a.t, b.t, { reduction: 'sum' })),
      [diff.reduce((s, d) => s + Math.abs(d), 0)],
      tol,
    );
    const y = [1, 0, 1, 0.5, 0, 1];
    const pw = [2, 0.5, 1];
    const wt = [1, 3];
    const ref = Array.from(a.host, (x, i) => {
      const sp = Math.log1p(Math.exp(-Math.abs(x))) + Math.max(-x, 0);
      const lw = 1 + (pw[i % 3] - 1) * y[i];
      return wt[Math.floor(i / 3)] * ((1 - y[i]) * x + lw * sp);
    });
    const bce = binaryCrossEntropyWithLogits(a.t, tensor(y, { backend, shape: [2, 3] }), {
      posWeight: tensor(pw, { backend }),
      weight: tensor(wt, { backend, shape: [2, 1] }),
      reduction: 'none',
    });
    assertClose(await read(bce), ref, tol);
    // no overflow for huge logits
    const big = binaryCrossEntropyWithLogits(tensor([1e4, -1e4], { backend }), tensor([0, 1], { backend }), {
      reduction: 'none',
    });
    assertClose(await read(big), [1e4, 1e4], { atol: 1e-2, rtol: 1e-6 });
    expect(() => mseLoss(a.t, tensor([1, 2, 3], { backend }))).toThrow(
      'mseLoss: input [2, 3] and target [3] must have the same shape',
    );
  });
});

describe('loss gradients (float64 central differences, random upstream weights)', () => {
  const t = tensor([1, -100, 3, 0], { dtype: 'int32' });
  const w = tensor([0.5, 2, 1, 3], { dtype: 'float64' });
  it('crossEntropy with ignoreIndex, weights and label smoothing, every reduction', () => {
    for (const reduction of ['mean', 'sum', 'none'] as const)
      expect(
        gradcheck(
          (x) => crossEntropy(x, t, { weight: w, labelSmoothing: 0.15, reduction }),
          [f64([4, 4], 1)],
        ),
      ).toBe(true);
  });
  it('crossEntropy on [N, C, H, W] and with probability targets (both arguments)', () => {
    const seg = tensor([0, 2, -100, 1, 1, 0, 2, 2], { dtype: 'int32', shape: [2, 2, 2] });
    expect(gradcheck((x) => crossEntropy(x, seg), [f64([2, 3, 2, 2], 2)])).toBe(true);
    const p = f64([3, 4], 3).softmax(1).detach().requiresGrad_();
    expect(gradcheck((x, q) => crossEntropy(x, q, { labelSmoothing: 0.1 }), [f64([3, 4], 4), p])).toBe(true);
  });
  it('nllLoss with weights, mseLoss, l1Loss', () => {
    expect(gradcheck((x) => nllLoss(x, t, { weight: w }), [f64([4, 4], 5)])).toBe(true);
    expect(gradcheck((a, b) => mseLoss(a, b), [f64([3, 2], 6), f64([3, 2], 7)])).toBe(true);
    expect(gradcheck((a, b) => l1Loss(a, b), [f64([3, 2], 8), f64([3, 2], 9)])).toBe(true);
  });
  it('binaryCrossEntropyWithLogits (input and target, with weight and posWeight)', () => {
    const y = f64([3, 2], 10).sigmoid().detach().requiresGrad_();
    const opts = {
      weight: tensor([[1], [2], [0.5]], { dtype: 'float64' }),
      posWeight: tensor([3, 0.5], { dtype: 'float64' }),
    };
    expect(gradcheck((x, q) => binaryCrossEntropyWithLogits(x, q, opts), [f64([3, 2], 11), y])).toBe(true);
    expect(gradcheck((a, b) => binaryCrossEntropyWithLogits(a, b), [f64([3, 2], 12), y])).toBe(true);
  });
  it('binaryCrossEntropyWithLogits: gradient sigmoid(x) - y exactly at x = 0 (no kink)', () => {
    const x = tensor([0, 0], { dtype: 'float64', requiresGrad: true });
    binaryCrossEntropyWithLogits(x, tensor([1, 0.25], { dtype: 'float64' }), { reduction: 'sum' }).backward();
    expect(Array.from(x.grad!.dataSync())).toEqual([-0.5, 0.25]);
  });
});
