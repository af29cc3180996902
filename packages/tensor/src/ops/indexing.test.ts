import { describe, expect, it } from 'vitest';
import { DTypeError, ShapeError } from '../errors.js';
import { backendsUnderTest } from '../test-support/backends.js';
import { f64, read } from '../test-support/helpers.js';
import { assertClose, gradcheck } from '../testing/index.js';
import { arange, tensor } from './creation.js';
import { gather, indexSelect, oneHot } from './indexing.js';

describe.each(await backendsUnderTest())('indexing on $name', ({ backend }) => {
  const x = () => arange(12, undefined, 1, { backend }).reshape([3, 4]);
  const idx = (v: number[], shape?: number[]) => tensor(v, { dtype: 'int32', backend, shape });

  it('gather along dim 1 and dim 0 (torch.gather semantics)', async () => {
    assertClose(await read(gather(x(), 1, idx([3, 0, 1, 1, 2, 2], [3, 2]))), [3, 0, 5, 5, 10, 10]);
    assertClose(await read(gather(x(), 0, idx([2, 0, 1, 0], [1, 4]))), [8, 1, 6, 3]);
    // the same error everywhere: at once on CPU/WASM, at the next read on WebGPU (checked on the device)
    const message = 'gather: index 4 is out of range [0, 4) (index shape [1, 1])';
    if (backend.readSync) expect(() => gather(x(), 1, idx([4], [1, 1]))).toThrow(message);
    else await expect(gather(x(), 1, idx([4], [1, 1])).data()).rejects.toThrow(message);
    expect(() => gather(x(), 1, tensor([0], { backend, shape: [1, 1] }))).toThrow(DTypeError);
    expect(() => gather(x(), 1, idx([0, 0, 0, 0, 0], [5, 1]))).toThrow(ShapeError);
  });
  it('indexSelect picks (and repeats) slices', async () => {
    assertClose(await read(indexSelect(x(), 0, idx([2, 0, 2]))), [8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11]);
    assertClose(await read(indexSelect(x(), 1, idx([3, 1]))), [3, 1, 7, 5, 11, 9]);
  });
  it('oneHot returns int32 rows', async () => {
    const o = oneHot(idx([0, 2, 1]), 3);
    expect(o.dtype).toBe('int32');
    expect(o.shape).toEqual([3, 3]);
    assertClose(await read(o), [1, 0, 0, 0, 0, 1, 0, 1, 0]);
    if (backend.readSync) expect(() => oneHot(idx([3]), 3)).toThrow('oneHot: index 3 is out of range [0, 3)');
    else
      await expect(oneHot(idx([0, -2]), 3).data()).rejects.toThrow('oneHot: index -2 is out of range [0, 3)');
  });
});

describe('indexing gradients (float64)', () => {
  it('gather accumulates repeated indices (scatter-add)', () => {
    const index = tensor([0, 0, 2, 1, 1, 1], { dtype: 'int32', shape: [2, 3] });
    expect(gradcheck((x) => gather(x, 1, index), [f64([2, 3], 1)])).toBe(true);
    const x = tensor([[1, 2, 3]], { dtype: 'float64', requiresGrad: true });
    gather(x, 1, tensor([[0, 0, 2]], { dtype: 'int32' }))
      .sum()
      .backward();
    expect(Array.from(x.grad!.dataSync())).toEqual([2, 0, 1]);
  });
  it('indexSelect', () => {
    expect(gradcheck((x) => indexSelect(x, 1, tensor([2, 0, 2], { dtype: 'int32' })), [f64([2, 3], 2)])).toBe(
      true,
    );
  });
});
