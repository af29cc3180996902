// Run-to-run determinism of the native backend for a given thread count: oneDNN partitions its
// convolution and GEMM work statically by thread count and the native loops split work into fixed
// chunks, so repeated runs are bit-identical (a seed reproduces a run and a resumed run continues
// exactly). Also: the loops other than oneDNN's give the same bits on 1 and 2 threads.
import { Generator, maxPool2d, prelu, randn, relu, tidy, withBackend } from '@rectifier/tensor';
import { float32Bits, trainingRunBits } from '@rectifier/tensor/testing';
import { describe, expect, it } from 'vitest';
import { createNativeBackend } from '../src/backend.js';

const bits = float32Bits;

describe('native backend determinism', () => {
  it('two identical training runs on 2 threads give bit-identical losses and weights', async () => {
    const native = await createNativeBackend({ threads: 2 });
    const a = withBackend(native, () => trainingRunBits({ steps: 8, size: 32 }));
    const b = withBackend(native, () => trainingRunBits({ steps: 8, size: 32 }));
    expect(a.losses.every(Number.isFinite)).toBe(true);
    expect(a.losses[7]).toBeLessThan(a.losses[0]);
    expect(b.losses).toEqual(a.losses);
    expect(b.weights).toEqual(a.weights);
  });

  it('the native loops (relu, PReLU, pooling, bias sums) give the same bits on 1 and 2 threads', async () => {
    const one = await createNativeBackend({ threads: 1 });
    const two = await createNativeBackend({ threads: 2 });
    const run = () => {
      const g = new Generator(9);
      const x = randn([8, 16, 32, 32], { generator: g });
      const a = randn([16], { generator: g });
      const h = maxPool2d(prelu(relu(x.add(x)), a), { kernelSize: 2 });
      return [bits(h), bits(h.sum([0, 2, 3]))];
    };
    expect(withBackend(two, () => tidy(run))).toEqual(withBackend(one, () => tidy(run)));
  });
});
