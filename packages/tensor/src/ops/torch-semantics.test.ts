/**
 * What a PyTorch user relies on, checked on CPU, WASM and WebGPU: torch's result_type promotion,
 * true division and its rounding modes, NaN and signed-zero behaviour of relu/PReLU/maximum and their
 * gradients, empty convolutions, and torch's varargs call forms. Tensors of 4096+ elements reach the
 * WASM SIMD elementwise kernels (smaller ones run the JS loops).
 */
import { describe, expect, it } from 'vitest';
import { DTypeError, ShapeError } from '../errors.js';
import { backendsUnderTest } from '../test-support/backends.js';
import { read } from '../test-support/helpers.js';
import { assertClose } from '../testing/index.js';
import { prelu } from './activation.js';
import { conv2d } from './conv.js';
import { tensor, zeros } from './creation.js';
import * as ew from './elementwise.js';
import { cat } from './join.js';

const BIG = 4096;

/** [pattern repeated to BIG elements], so both the JS loops and the WASM kernels see it. */
function tiled(pattern: number[]): number[] {
  return Array.from({ length: BIG }, (_, i) => pattern[i % pattern.length] as number);
}

describe.each(await backendsUnderTest())('torch semantics on $name', ({ backend, atol, rtol }) => {
  const i32 = (v: number[]) => tensor(v, { dtype: 'int32', backend });
  const f32 = (v: number[]) => tensor(v, { backend });

  it('result_type: an int32 tensor with a float number is float32; with an integer it stays int32', async () => {
    const x = i32([0, 128, 255]);
    const scaled = ew.mul(x, 1 / 255);
    expect(scaled.dtype).toBe('float32');
    assertClose(await read(scaled), [0, 128 / 255, 1], { atol, rtol });
    expect(ew.add(x, 0.5).dtype).toBe('float32');
    assertClose(await read(ew.add(x, 0.5)), [0.5, 128.5, 255.5]);
    assertClose(await read(ew.pow(i32([4, 9]), 0.5)), [2, 3], { atol, rtol });
    expect(ew.mul(x, 2).dtype).toBe('int32');
    expect(ew.pow(i32([2, 3]), 2).dtype).toBe('int32');
    expect(() => ew.pow(i32([2]), -1)).toThrow('pow: integers to negative integer powers are not allowed');
    // comparisons with a fractional number compare in float (the number is not truncated)
    assertClose(await read(ew.lt(i32([0, 1]), 0.5)), [1, 0]);
    // 0-d tensors only raise the category: float32 [2] with a 0-d int32 stays float32
    expect(ew.add(f32([1, 2]), tensor(3, { dtype: 'int32', backend })).dtype).toBe('float32');
    expect(ew.add(i32([1, 2]), tensor(0.5, { backend })).dtype).toBe('float32');
    expect(ew.clamp(i32([0, 5]), 0.5, 2.5).dtype).toBe('float32');
  });

  it('float-valued unary ops of int32 tensors are float32; exact ones stay int32', async () => {
    const x = i32([1, 4]);
    for (const [op, ref] of [
      ['exp', Math.exp],
      ['log', Math.log],
      ['sqrt', Math.sqrt],
      ['sigmoid', (v: number) => 1 / (1 + Math.exp(-v))],
      ['tanh', Math.tanh],
      ['reciprocal', (v: number) => 1 / v],
    ] as const) {
      const y = (ew as unknown as Record<string, (t: unknown) => ReturnType<typeof tensor>>)[op](x);
      expect(y.dtype, op).toBe('float32');
      assertClose(await read(y), [ref(1), ref(4)], { atol, rtol });
    }
    for (const f of [ew.neg, ew.abs, ew.square, ew.relu, ew.floor, ew.trunc, ew.sign])
      expect(f(x).dtype, f.name).toBe('int32');
  });

  it('div is true division; roundingMode trunc/floor and floorDivide keep int32', async () => {
    const a = i32([7, -7, 7, -7, 6]);
    const b = i32([2, 2, -2, -2, 3]);
    const q = ew.div(a, b);
    expect(q.dtype).toBe('float32');
    assertClose(await read(q), [3.5, -3.5, -3.5, 3.5, 2]);
    const t = ew.div(a, b, { roundingMode: 'trunc' });
    expect(t.dtype).toBe('int32');
    assertClose(await read(t), [3, -3, -3, 3, 2]);
    const f = ew.div(a, b, { roundingMode: 'floor' });
    expect(f.dtype).toBe('int32');
    assertClose(await read(f), [3, -4, -4, 3, 2]);
    assertClose(await read(ew.floorDivide(a, b)), [3, -4, -4, 3, 2]);
    // floats: Python's // (1 // 0.1 = 9: the quotient is not rounded up across the integer)
    assertClose(await read(ew.floorDivide(f32([1, -7.5, 7.5]), f32([0.1, 2, -2]))), [9, -4, -4]);
    assertClose(await read(ew.div(f32([7.5, -7.5]), 2, { roundingMode: 'trunc' })), [3, -3]);
    expect(() => ew.div(a, b, { roundingMode: 'round' as never })).toThrow(
      "roundingMode must be 'trunc', 'floor' or null",
    );
    expect(() => ew.div(a, b, { rounding_mode: 'floor' } as never)).toThrow(
      "div: unknown option 'rounding_mode'",
    );
    const zero = i32([1, 0, 1, 1, 1]);
    if (backend.readSync)
      expect(() => ew.floorDivide(a, zero)).toThrow('floorDivide: integer division by zero');
    else
      await expect(ew.floorDivide(a, zero).data()).rejects.toThrow('floorDivide: integer division by zero');
    expect(() => ew.div(a, 0, { roundingMode: 'trunc' })).toThrow('div: integer division by zero');
    // true division by zero is +-inf, as in torch
    const inf = Number.POSITIVE_INFINITY;
    expect(Array.from(await ew.div(a, 0).data())).toEqual([inf, -inf, inf, -inf, inf]);
  });

  it('relu keeps NaN and -0 (torch) and its gradient passes dy at NaN, 0 at 0', async () => {
    const x = tensor(tiled([Number.NaN, -0, 0, -2, 3]), { backend, requiresGrad: true });
    const y = ew.relu(x);
    const v = await y.data();
    expect(Number.isNaN(v[0])).toBe(true);
    expect(Object.is(v[1], -0)).toBe(true);
    expect(Object.is(v[2], 0)).toBe(true);
    expect(Object.is(v[3], 0)).toBe(true); // +0, not -2 * 0 = -0
    expect(v[4]).toBe(3);
    const dy = tensor(tiled([5, 6, 7, 8, 9]), { backend });
    y.backward(dy);
    assertClose((await x.grad!.data()).slice(0, 10), [5, 0, 0, 0, 9, 5, 0, 0, 0, 9]);
  });

  it('prelu: slope gradient NaN at a NaN input, input gradient a * dy (torch)', async () => {
    const x = tensor(tiled([Number.NaN, -2, 0, 3]), { backend, requiresGrad: true, shape: [BIG / 4, 4] });
    const a = tensor([0.25, 0.25, 0.25, 0.25], { backend, requiresGrad: true });
    const dy = tensor(tiled([1, 2, 3, 4]), { backend, shape: [BIG / 4, 4] });
    prelu(x, a).backward(dy);
    const ga = await a.grad!.data();
    expect(Number.isNaN(ga[0])).toBe(true); // sum over positions of dy * NaN
    assertClose(ga.slice(1), [(-2 * 2 * BIG) / 4, 0, 0], { atol: 1e-2, rtol: 1e-5 });
    const gx = await x.grad!.data();
    assertClose(gx.slice(0, 4), [0.25, 0.5, 0.75, 4]);
  });

  it('maximum/minimum with NaN give the whole gradient to both inputs (torch); ties split it', async () => {
    const a = tensor([Number.NaN, 1, 2, 3], { backend, requiresGrad: true });
    const b = tensor([1, Number.NaN, 2, 0], { backend, requiresGrad: true });
    const dy = f32([2, 3, 4, 5]);
    ew.maximum(a, b).backward(dy);
    assertClose(await read(a.grad!), [2, 3, 2, 5]);
    assertClose(await read(b.grad!), [2, 3, 2, 0]);
    const c = tensor([Number.NaN, 1, 2, 3], { backend, requiresGrad: true });
    const d = tensor([1, Number.NaN, 2, 0], { backend, requiresGrad: true });
    ew.minimum(c, d).backward(dy);
    assertClose(await read(c.grad!), [2, 3, 2, 0]);
    assertClose(await read(d.grad!), [2, 3, 2, 5]);
  });

  it('conv2d with batch 0 or 0 input channels returns the empty/zero result, forward and backward', async () => {
    const w = tensor(new Float32Array(4 * 3 * 3 * 3).fill(0.5), {
      backend,
      shape: [4, 3, 3, 3],
      requiresGrad: true,
    });
    const x0 = zeros([0, 3, 8, 8], { backend, requiresGrad: true });
    const y0 = conv2d(x0, w, null, { padding: 1 });
    expect(y0.shape).toEqual([0, 4, 8, 8]);
    y0.sum().backward();
    expect(x0.grad!.shape).toEqual([0, 3, 8, 8]);
    assertClose(await read(w.grad!), new Array(4 * 27).fill(0));
    const wc = zeros([4, 0, 3, 3], { backend, requiresGrad: true });
    const xc = zeros([2, 0, 8, 8], { backend, requiresGrad: true });
    const yc = conv2d(xc, wc, null, { padding: 1 });
    expect(yc.shape).toEqual([2, 4, 8, 8]);
    assertClose(await read(yc), new Array(2 * 4 * 64).fill(0));
    yc.sum().backward();
    expect(xc.grad!.shape).toEqual([2, 0, 8, 8]);
    expect(wc.grad!.shape).toEqual([4, 0, 3, 3]);
  });

  it("torch's varargs forms view(-1), reshape(3, 2), permute(1, 0), expand(2, 3); cat", async () => {
    const x = tensor(
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      { backend },
    );
    expect(x.view(-1).shape).toEqual([6]);
    expect(x.reshape(3, 2).shape).toEqual([3, 2]);
    expect(x.reshape([3, 2]).shape).toEqual([3, 2]);
    assertClose(await read(x.permute(1, 0)), [1, 4, 2, 5, 3, 6]);
    expect(tensor([1, 2, 3], { backend }).expand(2, 3).shape).toEqual([2, 3]);
    expect(cat([x, x], 1).shape).toEqual([2, 6]);
    expect(() => x.reshape([3], 2 as never)).toThrow(ShapeError);
    expect(() => x.reshape('3' as never)).toThrow(
      'reshape: shape must be an array such as [3, 2] (or sizes as separate numbers), got 3',
    );
  });
});

describe('dtype errors keep their class', () => {
  it('mean of int32 still throws DTypeError (no silent promotion where torch errors)', () => {
    expect(() => tensor([1, 2], { dtype: 'int32' }).mean()).toThrow(DTypeError);
  });
});
