import { describe, expect, it } from 'vitest';
import type { BinaryOp, UnaryOp } from '../backend.js';
import type { Tensor } from '../tensor.js';
import { f64 } from '../test-support/helpers.js';
import { gradcheck } from '../testing/index.js';
import { leakyRelu } from './activation.js';
import { tensor } from './creation.js';
import * as ew from './elementwise.js';
import { BINARY_GRADS, TERNARY_GRADS, UNARY_GRADS } from './elementwise-grads.js';

const pos = (shape: number[], seed: number) => f64(shape, seed).abs().add(0.5).detach().requiresGrad_();
type Make = (shape: number[], seed: number) => Tensor;

/**
 * Inputs for ops whose gradient needs a restricted domain (away from kinks and poles); every other
 * differentiable op gets standard normal float64 inputs. The suites below iterate over the gradient
 * table itself, so an op added to the table is gradient-checked without editing this file.
 */
const UNARY_DOMAIN: Partial<Record<UnaryOp, Make>> = { log: pos, sqrt: pos, reciprocal: pos };
const BINARY_DOMAIN: Partial<Record<BinaryOp, [Make, Make]>> = {
  div: [f64, pos],
  pow: [pos, f64],
  prelu: [f64, f64],
};

describe('elementwise gradients over the whole table (central differences, float64, random upstream weights)', () => {
  for (const [op, def] of Object.entries(UNARY_GRADS) as [UnaryOp, unknown][]) {
    if (def === null) continue;
    it(`unary ${op}`, () => {
      const make = UNARY_DOMAIN[op] ?? f64;
      expect(gradcheck((x) => ew.unaryOp(op, x), [make([3, 4], 7)])).toBe(true);
    });
  }
  for (const [op, def] of Object.entries(BINARY_GRADS) as [BinaryOp, unknown][]) {
    if (def === null) continue;
    it(`binary ${op} with broadcasting [2,3,1] x [4]`, () => {
      const [ma, mb] = BINARY_DOMAIN[op] ?? [f64, f64];
      expect(gradcheck((a, b) => ew.binaryOp(op, a, b), [ma([2, 3, 1], 4), mb([4], 5)])).toBe(true);
    });
  }
  it('the ternary ops: where (both branches) and clamp (input; bounds as tensors)', () => {
    const differentiable = Object.entries(TERNARY_GRADS)
      .filter(([, d]) => d !== null)
      .map(([op]) => op);
    expect(differentiable.sort()).toEqual(['clamp', 'where']); // a new ternary op needs a check here
    const cond = tensor([1, 0, 1, 0], { dtype: 'float64' });
    expect(gradcheck((a, b) => ew.where(cond, a, b), [f64([4], 1), f64([1], 2)])).toBe(true);
    expect(gradcheck((x) => ew.clamp(x, -0.5, 0.7), [f64([3, 4], 3)])).toBe(true);
  });
  it('composites: leakyRelu, pow with a constant exponent, and cast', () => {
    expect(gradcheck((x) => leakyRelu(x, 0.2), [f64([3, 4], 7)])).toBe(true);
    expect(gradcheck((x) => ew.pow(x, 3), [f64([5], 2)])).toBe(true);
    // float32 rounding makes finite differences meaningless: check the gradient is passed through
    const x = f64([5], 3);
    ew.cast(ew.cast(x, 'float32'), 'float64').sum().backward();
    expect(Array.from(x.grad!.dataSync())).toEqual([1, 1, 1, 1, 1]);
  });
  it('non-differentiable ops give outputs that do not require grad', () => {
    const x = f64([3], 1);
    for (const [op, def] of Object.entries(UNARY_GRADS) as [UnaryOp, unknown][])
      if (def === null) expect(ew.unaryOp(op, x).requiresGrad, op).toBe(false);
    for (const [op, def] of Object.entries(BINARY_GRADS) as [BinaryOp, unknown][])
      if (def === null) expect(ew.binaryOp(op, x, x).requiresGrad, op).toBe(false);
  });
});

describe('gradients at kinks (exact, PyTorch conventions)', () => {
  // Upstream gradients other than 1 (and of both signs), so a rule that ignores dy fails.
  const dy = (...v: number[]) => tensor(v, { dtype: 'float64' });
  /** The gradient's values, -0 read as 0 (a zero gradient times a negative dy). */
  const gradOf = (t: Tensor) => Array.from(t.grad!.dataSync(), (v) => v + 0);
  it('relu: gradient 0 at x = 0', () => {
    const x = tensor([-1, 0, 2], { dtype: 'float64', requiresGrad: true });
    ew.relu(x).backward(dy(3, -2, 0.5));
    expect(gradOf(x)).toEqual([0, 0, 0.5]);
  });
  it('abs: gradient 0 at 0', () => {
    const x = tensor([-1, 0, 2], { dtype: 'float64', requiresGrad: true });
    ew.abs(x).backward(dy(3, -2, 0.5));
    expect(gradOf(x)).toEqual([-3, 0, 0.5]);
  });
  it('leakyRelu: gradient = slope at 0', () => {
    const x = tensor([-1, 0, 2], { dtype: 'float64', requiresGrad: true });
    leakyRelu(x, 0.25).backward(dy(3, -2, 0.5));
    expect(gradOf(x)).toEqual([0.75, -0.5, 0.5]);
  });
  it('maximum/minimum: ties split the gradient equally', () => {
    const a = tensor([1, 2, 3], { dtype: 'float64', requiresGrad: true });
    const b = tensor([1, 5, 0], { dtype: 'float64', requiresGrad: true });
    ew.maximum(a, b).backward(dy(3, -2, 0.5));
    expect(gradOf(a)).toEqual([1.5, 0, 0.5]);
    expect(gradOf(b)).toEqual([1.5, -2, 0]);
  });
  it('clamp passes the gradient at the bounds', () => {
    const x = tensor([-1, 0, 0.5, 1, 2], { dtype: 'float64', requiresGrad: true });
    ew.clamp(x, 0, 1).backward(dy(3, -2, 0.5, 1.5, -4));
    expect(gradOf(x)).toEqual([0, -2, 0.5, 1.5, 0]);
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
