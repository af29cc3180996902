/**
 * One training step of "convnet8x32" written against the public API (API.md), the way a user would:
 * 8 conv 3x3 "same" layers with bias (3 -> 32, then 7 x 32 -> 32), ReLU, global average pool, a dense
 * layer to 10 classes, softmax cross-entropy, backward, and a plain SGD update (the fused in-place
 * `sgdStep`, as @rectifier/train's SGD and PyTorch's optimizer update). Weights use He
 * initialisation (std sqrt(2 / fan_in), the paper's Eq. 10). Throughput is images per second.
 */
import type * as RT from '@rectifier/tensor';
import type { Backend } from '../src/backend.js';
import { measureSgdSteps, onBackend, type StepSample } from './sgd-step.js';
import { TRAIN } from './workloads.js';

export async function benchTrainStep(
  rt: typeof RT,
  backend: Backend,
  opts: { warmup: number; runs: number },
): Promise<StepSample> {
  const t = TRAIN;
  return onBackend(rt, backend, async (params) => {
    const gen = new rt.Generator(0);
    const convW: RT.Parameter[] = [];
    const convB: RT.Parameter[] = [];
    for (let i = 0; i < t.convs; i++) {
      const cin = i === 0 ? t.inChannels : t.channels;
      const w = rt.tidy(() =>
        rt.randn([t.channels, cin, 3, 3], { generator: gen }).mul(Math.sqrt(2 / (cin * 9))),
      );
      convW.push(new rt.Parameter(w));
      convB.push(new rt.Parameter(rt.zeros([t.channels])));
    }
    const fcW = new rt.Parameter(
      rt.tidy(() => rt.randn([t.classes, t.channels], { generator: gen }).mul(Math.sqrt(1 / t.channels))),
    );
    const fcB = new rt.Parameter(rt.zeros([t.classes]));
    params.push(...convW, ...convB, fcW, fcB);
    const x = rt.randn([t.batch, t.inChannels, t.size, t.size], { generator: gen });
    const y = rt.randint(0, t.classes, [t.batch], { generator: gen });
    const result = await measureSgdSteps(
      rt,
      params,
      () => {
        let h: RT.Tensor = x;
        for (let i = 0; i < t.convs; i++) h = rt.conv2d(h, convW[i], convB[i], { padding: 1 }).relu();
        const pooled = h.mean([2, 3]);
        return rt.crossEntropy(rt.linear(pooled, fcW, fcB), y);
      },
      {
        ...opts,
        lr: t.lr,
        batch: t.batch,
        label: `${backend.name} convnet8x32 train step (batch ${t.batch})`,
      },
    );
    x.dispose();
    y.dispose();
    return result;
  });
}
