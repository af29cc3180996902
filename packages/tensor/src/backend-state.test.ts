import { describe, expect, it } from 'vitest';
import type { Backend } from './backend.js';
import { getBackend, setBackend, withBackend } from './backend-state.js';
import { cpuBackend } from './backends/cpu/index.js';
import { ones, tensor } from './ops/creation.js';
import { add } from './ops/elementwise.js';

describe('backend selection', () => {
  it('defaults to cpu; withBackend switches and restores; setBackend validates', () => {
    expect(getBackend()).toBe(cpuBackend);
    const other: Backend = { ...cpuBackend, name: 'cpu-copy' };
    const t = withBackend(other, () => ones([2]));
    expect(t.backend).toBe(other);
    expect(getBackend()).toBe(cpuBackend);
    expect(() => setBackend({} as Backend)).toThrow('setBackend: expected a Backend');
    setBackend(other);
    expect(ones([1]).backend).toBe(other);
    setBackend(cpuBackend);
  });
  it('to() copies between backends; mixing backends in one op is an error', async () => {
    const other: Backend = { ...cpuBackend, name: 'cpu-copy' };
    const x = tensor([
      [1, 2],
      [3, 4],
    ]).T;
    const y = await x.to(other);
    expect(y.backend).toBe(other);
    expect(await y.array()).toEqual([
      [1, 3],
      [2, 4],
    ]);
    expect(() => add(x, y)).toThrow(
      'add: tensors are on different backends (cpu and cpu-copy); move one with await t.to(backend)',
    );
    expect(await tensor(3).array()).toBe(3);
  });
  it('assign writes through a view into the base storage', () => {
    const base = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    base.narrow(1, 1, 2).assign(
      tensor([
        [0, 0],
        [9, 9],
      ]),
    );
    expect(Array.from(base.dataSync())).toEqual([1, 0, 0, 4, 9, 9]);
  });
});
