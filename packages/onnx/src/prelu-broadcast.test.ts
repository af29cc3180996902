// Why the PReLU slope must be [C,1,1] for NCHW input (pytorch/pytorch#21271, #70570): ONNX PRelu
// broadcasts the slope numpy-style from the RIGHT, so a 1-D [C] slope lines up with the W axis.
// These models are built by hand (not by exportOnnx) so that the wrong one can be built too.

import { Conv2d, PReLU, Sequential } from '@rectifier/nn';
import { Generator, noGrad, tensor } from '@rectifier/tensor';
import { describe, expect, it } from 'vitest';
import { exportOnnx } from './export';
import { GraphBuilder } from './graph-builder';
import { decodeModel, encodeDecoded } from './test-support/decode';
import { handModel } from './test-support/hand-model';
import { maxAbsDiff, runModel, runtimes } from './test-support/ort';
import { forward } from './test-support/verify';

const C = 4;
const H = 3; // H != W: the input is not square
const slopes = new Float32Array([0.25, -0.5, 1.5, 0.05]); // distinct per channel, one negative, one > 1

function input(W: number): Float32Array {
  // deterministic values of both signs, none exactly 0
  return Float32Array.from({ length: C * H * W }, (_, i) => Math.sin(1.7 * i + 0.3) * 2 + 0.01);
}

/** Eq. (1) in float64 with the slope indexed by `axis` of [1,C,H,W]: 1 = channel (right), 3 = width. */
function reference(x: Float32Array, W: number, axis: 1 | 3): number[] {
  const out: number[] = [];
  for (let c = 0; c < C; c++)
    for (let h = 0; h < H; h++)
      for (let w = 0; w < W; w++) {
        const v = x[(c * H + h) * W + w];
        const a = slopes[axis === 1 ? c : w];
        out.push(v > 0 ? v : a * v);
      }
  return out;
}

function preluModel(W: number, slopeDims: number[]): Uint8Array {
  const g = new GraphBuilder(17);
  g.reserve('x', 'input');
  const slope = g.parameter('act.weight', slopeDims, slopes);
  const [y] = g.node('PRelu', ['x', slope], {}, '/act');
  return handModel(g, [{ name: 'x', dims: [1, C, H, W] }], [{ name: y, dims: [1, C, H, W] }]);
}

describe.each(runtimes)('PReLU slope shape in onnxruntime-%s', (runtime) => {
  it('[C,1,1] applies slope c to channel c (matches Eq. 1 in float64)', async () => {
    const W = C;
    const x = input(W);
    const out = await runModel(runtime, preluModel(W, [C, 1, 1]), { x: { data: x, dims: [1, C, H, W] } });
    const y = Object.values(out)[0].data;
    expect(maxAbsDiff(y, reference(x, W, 1))).toBeLessThan(1e-6);
  });

  it('[C] with W == C runs but silently applies slope w to column w: wrong answers', async () => {
    const W = C;
    const x = input(W);
    const out = await runModel(runtime, preluModel(W, [C]), { x: { data: x, dims: [1, C, H, W] } });
    const y = Object.values(out)[0].data;
    // it computes the width-indexed function exactly, which differs from Eq. 1 by a lot
    expect(maxAbsDiff(y, reference(x, W, 3))).toBeLessThan(1e-6);
    expect(maxAbsDiff(y, reference(x, W, 1))).toBeGreaterThan(0.5);
  });

  it('[C] with W != C is rejected at run time (the #21271 broadcast error)', async () => {
    const W = 5;
    const x = input(W);
    await expect(
      runModel(runtime, preluModel(W, [C]), { x: { data: x, dims: [1, C, H, W] } }),
    ).rejects.toThrow(/broadcast/i);
  });
});

describe('exportOnnx output vs the same model with a [C] slope (Rectifier forward as reference)', () => {
  it.each(runtimes)(
    'onnxruntime-%s: [C,1,1] matches Rectifier; editing the slope to [C] breaks it',
    async (runtime) => {
      // conv -> 4 channels, H = 3 != W = 4 = C so that the wrong model still runs
      const model = new Sequential({
        conv: new Conv2d({ inChannels: 2, outChannels: C, kernelSize: 1, generator: new Generator(3) }),
        act: new PReLU({ numParameters: C }),
      });
      noGrad(() =>
        model
          .get('act')
          .parameters()[0]
          .assign(tensor(Array.from(slopes))),
      );
      const ref = forward(model, [1, 2, H, C], 1);
      const bytes = exportOnnx(model, { inputShape: [1, 2, H, C] });
      const decoded = decodeModel(bytes);
      const slope = decoded.graph.initializer.find((t) => t.name === 'act.weight')!;
      expect(slope.dims).toEqual([C, 1, 1]);

      const right = (await runModel(runtime, bytes, { input: { data: ref.x, dims: [1, 2, H, C] } })).output
        .data;
      expect(maxAbsDiff(right, ref.y)).toBeLessThan(1e-6);

      slope.dims = [C];
      const wrongBytes = encodeDecoded(decoded);
      expect(decodeModel(wrongBytes).graph.initializer.find((t) => t.name === 'act.weight')!.dims).toEqual([
        C,
      ]);
      const wrong = (await runModel(runtime, wrongBytes, { input: { data: ref.x, dims: [1, 2, H, C] } }))
        .output.data;
      expect(maxAbsDiff(wrong, ref.y)).toBeGreaterThan(0.1);
    },
  );
});
