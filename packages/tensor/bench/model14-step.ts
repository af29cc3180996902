/**
 * One training step of the paper's 14-layer model (see MODEL14 in workloads.ts) written against the
 * public tensor API, as bench/train-step.ts does for convnet8x32 (this package cannot use
 * @rectifier/nn, which depends on it): He-initialised convolutions and fc layers, channel-wise PReLU,
 * SPP by adaptive max pooling, softmax cross-entropy, backward, plain SGD. Throughput in images/s.
 */
import type * as RT from '@rectifier/tensor';
import type { Backend } from '../src/backend.js';
import { measureSgdSteps, onBackend, type StepSample } from './sgd-step.js';
import { MODEL14 } from './workloads.js';

/** [out channels, kernel, stride, padding] of every convolution, in order; null marks a max pool. */
const LAYERS: ([number, number, number, number] | { pool: [number, number] })[] = [
  [64, 7, 2, 3],
  { pool: [3, 3] },
  [128, 2, 1, 1],
  [128, 2, 1, 0],
  [128, 2, 1, 1],
  [128, 2, 1, 0],
  { pool: [2, 2] },
  [256, 2, 1, 1],
  [256, 2, 1, 0],
  [256, 2, 1, 1],
  [256, 2, 1, 0],
  [256, 2, 1, 1],
  [256, 2, 1, 0],
];

export async function benchModel14Step(
  rt: typeof RT,
  backend: Backend,
  opts: { warmup: number; runs: number },
): Promise<StepSample> {
  const m = MODEL14;
  return onBackend(rt, backend, async (params) => {
    const gen = new rt.Generator(0);
    const param = (t: RT.Tensor) => {
      const p = new rt.Parameter(t);
      params.push(p);
      return p;
    };
    const he = (shape: number[], fanIn: number) =>
      param(rt.tidy(() => rt.randn(shape, { generator: gen }).mul(Math.sqrt(2 / fanIn))));
    const convs: { w: RT.Parameter; b: RT.Parameter; a: RT.Parameter; stride: number; padding: number }[] =
      [];
    let channels = 3;
    for (const l of LAYERS) {
      if (!Array.isArray(l)) continue;
      const [out, k, stride, padding] = l;
      convs.push({
        w: he([out, channels, k, k], channels * k * k),
        b: param(rt.zeros([out])),
        a: param(rt.full([out], 0.25)),
        stride,
        padding,
      });
      channels = out;
    }
    const features = channels * m.sppLevels.reduce((s, n) => s + n * n, 0);
    const fcs = [
      [4096, features],
      [4096, 4096],
      [m.classes, 4096],
    ].map(([o, i], idx) => ({
      w: he([o, i], i),
      b: param(rt.zeros([o])),
      a: idx < 2 ? param(rt.full([o], 0.25)) : null,
    }));
    const x = rt.randn([m.batch, 3, m.size, m.size], { generator: gen });
    const y = rt.randint(0, m.classes, [m.batch], { generator: gen });
    const result = await measureSgdSteps(
      rt,
      params,
      () => {
        let h: RT.Tensor = x;
        let c = 0;
        for (const l of LAYERS) {
          if (!Array.isArray(l)) {
            h = rt.maxPool2d(h, { kernelSize: l.pool[0], stride: l.pool[1] });
            continue;
          }
          const conv = convs[c++];
          h = rt.prelu(rt.conv2d(h, conv.w, conv.b, { stride: conv.stride, padding: conv.padding }), conv.a);
        }
        const pooled = h;
        h = rt.concat(
          m.sppLevels.map((n) => rt.flatten(rt.adaptiveMaxPool2d(pooled, n), 1)),
          1,
        );
        for (const fc of fcs) {
          h = rt.linear(h, fc.w, fc.b);
          if (fc.a) h = rt.prelu(h, fc.a);
        }
        return rt.crossEntropy(h, y);
      },
      {
        ...opts,
        lr: m.lr,
        batch: m.batch,
        label: `${backend.name} 14-layer model train step (batch ${m.batch}, 224x224)`,
      },
    );
    x.dispose();
    y.dispose();
    return result;
  });
}
