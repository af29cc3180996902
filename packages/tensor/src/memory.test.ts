import { describe, expect, it } from 'vitest';
import { noGrad } from './autograd/grad-mode.js';
import { DisposedError, ShapeError } from './errors.js';
import { keep, memory, tidy } from './memory.js';
import { conv2d } from './ops/conv.js';
import { ones, tensor, zeros } from './ops/creation.js';
import { add } from './ops/elementwise.js';
import { Parameter } from './parameter.js';

describe('memory', () => {
  it('tidy disposes intermediates and keeps returned tensors (nested) and kept ones', () => {
    const base = memory();
    let kept: ReturnType<typeof ones> | undefined;
    const out = tidy(() => {
      const a = ones([4]);
      const b = a.mul(2);
      kept = keep(b.add(1));
      return { pair: [b.add(3), 5], label: 'x' };
    });
    expect(memory().tensors).toBe(base.tensors + 2);
    expect(Array.from((out.pair[0] as ReturnType<typeof ones>).dataSync())).toEqual([5, 5, 5, 5]);
    expect(Array.from(kept!.dataSync())).toEqual([3, 3, 3, 3]);
    (out.pair[0] as ReturnType<typeof ones>).dispose();
    kept!.dispose();
    expect(memory()).toEqual(base);
  });

  it('nested tidy moves survivors to the outer scope', () => {
    const base = memory().tensors;
    tidy(() => {
      const inner = tidy(() => ones([2]).add(1));
      expect(inner.isDisposed).toBe(false);
      expect(memory().tensors).toBe(base + 1);
    });
    expect(memory().tensors).toBe(base);
  });

  it('views share storage: bytes are counted once and freed with the last view', () => {
    const base = memory();
    const x = zeros([10]);
    const r = x.reshape([2, 5]);
    const v = r.narrow(1, 1, 2);
    expect(memory().bytes - base.bytes).toBe(40);
    expect(memory().storages - base.storages).toBe(1);
    x.dispose();
    r.dispose();
    expect(memory().bytes - base.bytes).toBe(40);
    expect(Array.from(v.dataSync())).toEqual([0, 0, 0, 0]);
    v.dispose();
    expect(memory()).toEqual(base);
  });

  it('reading or using a disposed tensor throws DisposedError', async () => {
    const x = tensor([1, 2]);
    x.dispose();
    x.dispose(); // idempotent
    expect(x.isDisposed).toBe(true);
    expect(() => x.dataSync()).toThrow(DisposedError);
    await expect(x.data()).rejects.toThrow(DisposedError);
    expect(() => add(x, 1)).toThrow('add (argument 0): tensor');
  });

  it('assign updates in place, only outside the graph', () => {
    const p = new Parameter(zeros([2]));
    expect(() => p.assign(ones([2]))).toThrow('assign: target requires grad; call it inside noGrad()');
    noGrad(() => p.assign(tensor([3, 4])));
    expect(Array.from(p.dataSync())).toEqual([3, 4]);
    expect(() => noGrad(() => p.assign(ones([3])))).toThrow(
      'assign: value shape [3] does not match target shape [2]',
    );
    expect(p.toString()).toBe('Parameter(shape=[2], dtype=float32)');
    expect(tensor([[1], [2]]).toString()).toBe('Tensor(shape=[2, 1], dtype=float32)');
  });

  it('a failing op leaks nothing (scalar operands are freed on the error path)', () => {
    const x = zeros([2, 3]);
    const y = zeros([4]);
    const before = memory();
    expect(() => add(x, y)).toThrow('add: shapes [2, 3] and [4] cannot be broadcast together');
    expect(() => add(x, 'oops' as unknown as number)).toThrow(TypeError);
    expect(() => x.clamp(2, 1)).toThrow(RangeError);
    expect(() => tidy(() => x.add(1).mul(y))).toThrow(ShapeError);
    // a failing tidy frees everything its callback created
    expect(() => tidy(() => conv2d(zeros([1, 2, 4, 4]).mul(1), zeros([1, 3, 3, 3])))).toThrow(ShapeError);
    expect(memory()).toEqual(before);
  });
});
