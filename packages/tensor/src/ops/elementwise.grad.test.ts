import { describe, expect, it } from 'vitest';
import type { Tensor } from '../tensor.js';
import { f64 } from '../test-support/helpers.js';
import { gradcheck } from '../testing/index.js';
import { leakyRelu } from './activation.js';
import { tensor } from './creation.js';
import * as ew from './elementwise.js';

const pos = (shape: number[], seed: number) => f64(shape, seed).abs().add(0.5).detach().requiresGrad_();

describe('elementwise gradients (central differences, float64)', () => {
  const unary: [string, (x: Tensor) => Tensor, (s: number[], seed: number) => Tensor][] = [
    ['neg', ew.neg, f64],
    ['abs', ew.abs, f64],
    ['exp', ew.exp, f64],
    ['log', ew.log, pos],
    ['sqrt', ew.sqrt, pos],
    ['reciprocal', ew.reciprocal, pos],
    ['square', ew.square, f64],
    ['tanh', ew.tanh, f64],
    ['sigmoid', ew.sigmoid, f64],
    ['relu', ew.relu, f64],
    ['leakyRelu', (x) => leakyRelu(x, 0.2), f64],
    ['clamp', (x) => ew.clamp(x, -0.5, 0.7), f64],
    ['cast f64->f32->f64', (x) => ew.cast(ew.cast(x, 'float32'), 'float64').mul(1), f64],
  ];
  for (const [name, fn, make] of unary) {
    it(name, () => {
      if (name.startsWith('cast')) {
        // float32 rounding makes finite differences meaningless: check the gradient is passed through
        const x = make([5], 3);
        ew.cast(ew.cast(x, 'float32'), 'float64').sum().backward();
        expect(Array.from(x.grad!.dataSync())).toEqual([1, 1, 1, 1, 1]);
        return;
      }
      expect(gradcheck(fn, [make([3, 4], 7)])).toBe(true);
    });
  }

  const binary: [string, (a: Tensor, b: Tensor) => Tensor][] = [
    ['add', ew.add],
    ['sub', ew.sub],
    ['mul', ew.mul],
    ['div', ew.div],
    ['maximum', ew.maximum],
    ['minimum', ew.minimum],
  ];
  for (const [name, fn] of binary) {
    it(`${name} with broadcasting [2,3,1] x [4]`, () => {
      const b = name === 'div' ? pos([4], 5) : f64([4], 5);
      expect(gradcheck(fn, [f64([2, 3, 1], 4), b])).toBe(true);
    });
  }
  it('pow (positive base, both operands)', () => {
    expect(gradcheck(ew.pow, [pos([3, 2], 1), f64([2], 2)])).toBe(true);
  });
  it('pow with a constant exponent', () => {
    expect(gradcheck((x) => ew.pow(x, 3), [f64([5], 2)])).toBe(true);
  });
  it('where routes gradients to the chosen branch', () => {
    const cond = tensor([1, 0, 1, 0], { dtype: 'float64' });
    expect(gradcheck((a, b) => ew.where(cond, a, b), [f64([4], 1), f64([1], 2)])).toBe(true);
  });
});

describe('gradients at kinks (exact, PyTorch conventions)', () => {
  it('relu: gradient 0 at x = 0', () => {
    const x = tensor([-1, 0, 2], { dtype: 'float64', requiresGrad: true });
    ew.relu(x).sum().backward();
    expect(Array.from(x.grad!.dataSync())).toEqual([0, 0, 1]);
  });
  it('abs: gradient 0 at 0', () => {
    const x = tensor([-1, 0, 2], { dtype: 'float64', requiresGrad: true });
    ew.abs(x).sum().backward();
    expect(Array.from(x.grad!.dataSync())).toEqual([-1, 0, 1]);
  });
  it('leakyRelu: gradient = slope at 0', () => {
    const x = tensor([-1, 0, 2], { dtype: 'float64', requiresGrad: true });
    leakyRelu(x, 0.1).sum().backward();
    expect(Array.from(x.grad!.dataSync())).toEqual([0.1, 0.1, 1]);
  });
  it('maximum/minimum: ties split the gradient equally', () => {
    const a = tensor([1, 2, 3], { dtype: 'float64', requiresGrad: true });
    const b = tensor([1, 5, 0], { dtype: 'float64', requiresGrad: true });
    ew.maximum(a, b).sum().backward();
    expect(Array.from(a.grad!.dataSync())).toEqual([0.5, 0, 1]);
    expect(Array.from(b.grad!.dataSync())).toEqual([0.5, 1, 0]);
  });
  it('clamp passes the gradient at the bounds', () => {
    const x = tensor([-1, 0, 0.5, 1, 2], { dtype: 'float64', requiresGrad: true });
    ew.clamp(x, 0, 1).sum().backward();
    expect(Array.from(x.grad!.dataSync())).toEqual([0, 1, 1, 1, 0]);
  });
  it('broadcast gradients over 0-size and size-1 dims are reduced to the operand shapes', () => {
    const a = tensor(new Float64Array(0), { shape: [0, 3], dtype: 'float64', requiresGrad: true });
    const b = tensor([[1, 2, 3]], { dtype: 'float64', requiresGrad: true });
    const y = ew.mul(a, b);
    expect(y.shape).toEqual([0, 3]);
    y.sum().backward();
    expect(a.grad!.shape).toEqual([0, 3]);
    expect(b.grad!.shape).toEqual([1, 3]);
    expect(Array.from(b.grad!.dataSync())).toEqual([0, 0, 0]); // an empty sum
    const c = tensor([[2], [3]], { dtype: 'float64', requiresGrad: true }); // [2,1] against [1,3]
    ew.mul(c, b).sum().backward();
    expect(Array.from(c.grad!.dataSync())).toEqual([6, 6]);
    expect(Array.from(b.grad!.dataSync())).toEqual([5, 5, 5]); // accumulated onto the zeros above
  });
  it('pow: d/dx x^0 = 0 at x = 0 too; d/dy 0^y = 0 (PyTorch)', () => {
    const x = tensor([0, 2, -1], { dtype: 'float64', requiresGrad: true });
    ew.pow(x, 0).sum().backward();
    expect(Array.from(x.grad!.dataSync())).toEqual([0, 0, 0]);
    const base = tensor([0, 0], { dtype: 'float64', requiresGrad: true });
    const e = tensor([0, 2], { dtype: 'float64', requiresGrad: true });
    ew.pow(base, e).sum().backward();
    expect(Array.from(base.grad!.dataSync())).toEqual([0, 0]);
    expect(Array.from(e.grad!.dataSync())).toEqual([0, 0]);
  });
  it('NaN propagates through forward and backward', () => {
    const x = tensor([Number.NaN, 1], { dtype: 'float64', requiresGrad: true });
    const y = ew.exp(x).mul(2).sum();
    expect(Number.isNaN(y.dataSync()[0])).toBe(true);
    y.backward();
    const g = x.grad!.dataSync();
    expect(Number.isNaN(g[0])).toBe(true);
    expect(g[1]).toBeCloseTo(2 * Math.E, 12);
  });
});
