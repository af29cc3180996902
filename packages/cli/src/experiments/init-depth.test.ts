import { Generator, noGrad, randn, type Tensor, tidy } from '@rectifier/tensor';
import { describe, expect, it } from 'vitest';
import { buildFromSpec } from '../build-model';
import type { ImageSet } from '../data/image-set';
import { memoryBundle } from '../data/sources';
import { type ModelConfig, modelSpecFor } from '../models';
import { PAPER_FC_GAIN, paperScaled } from './init-depth';

function tinySet(n: number, seed: number): ImageSet {
  const images = new Uint8Array(n * 28 * 28);
  for (let i = 0; i < images.length; i++) images[i] = (i * 37 + seed * 101 + ((i * i) % 13)) % 256;
  const labels = new Uint8Array(n).map((_, i) => i % 10);
  const classes = Array.from({ length: 10 }, (_, i) => `c${i}`);
  return { source: 'test', n, channels: 1, height: 28, width: 28, images, labels, classes };
}

function firstInput(src: ReturnType<ReturnType<typeof memoryBundle>['test']>): Float32Array {
  const [b] = [...(src({ epoch: 0, startBatch: 0 }) as Iterable<{ input: Tensor }>)];
  return b.input.dataSync() as Float32Array;
}

function config(init: 'he-fan-out' | 'xavier', fcGain?: [number, number, number]): ModelConfig {
  return {
    model: 'plain22',
    activation: 'relu',
    init,
    width: 0.25,
    inputSize: 28,
    inChannels: 1,
    numClasses: 10,
    dropout: 0,
    ...(fcGain ? { fcGain } : {}),
  };
}

/** Logits of a freshly initialised model (seed 3) on a fixed random batch. */
function logits(c: ModelConfig): Float32Array {
  const { model } = buildFromSpec(modelSpecFor(c), 3);
  model.eval();
  const x = randn([4, 1, 28, 28], { generator: new Generator(11) });
  return noGrad(() => tidy(() => model.call(x))).dataSync() as Float32Array;
}

describe('init-depth input scale', () => {
  it("'paper' feeds mean-subtracted pixels without std division", () => {
    const unit = memoryBundle('t', tinySet(8, 1), tinySet(4, 2));
    const paper = paperScaled(unit);
    expect(paper.normalization).toEqual({ kind: 'scaled', mean: unit.normalization.mean, std: 1 / 255 });
    const opts = { batchSize: 4, inputSize: 28 };
    const u = firstInput(unit.test(opts));
    const p = firstInput(paper.test(opts));
    const raw = tinySet(4, 2).images;
    for (let i = 0; i < raw.length; i += 97) {
      // paper: x - 255 mean; unit: (x / 255 - mean) / std, i.e. the paper's value / (255 std)
      expect(p[i]).toBeCloseTo(raw[i] - 255 * unit.normalization.mean, 3);
      expect(u[i]).toBeCloseTo(p[i] / (255 * unit.normalization.std), 4);
    }
  });

  it('paper fc layers: std = gain / sqrt(fan-in), the same for He and Xavier', () => {
    // 0.01 and 0.001 on model B's fan-ins 32,256 and 4,096
    expect(PAPER_FC_GAIN[0]).toBeCloseTo(1.796, 3);
    expect(PAPER_FC_GAIN[1]).toBeCloseTo(0.64, 10);
    expect(PAPER_FC_GAIN[2]).toBeCloseTo(0.064, 10);
    for (const init of ['he-fan-out', 'xavier'] as const) {
      const spec = modelSpecFor(config(init, PAPER_FC_GAIN));
      const fcs = spec.layers.filter((l) => l.spec.type === 'linear');
      expect(fcs.map((l) => l.init)).toEqual(
        fcs.map((l, i) => ({
          kind: 'normal',
          std: PAPER_FC_GAIN[i] / Math.sqrt((l.spec as { inFeatures: number }).inFeatures),
        })),
      );
      const conv = spec.layers.find((l) => l.name === 'conv2_1');
      expect(conv?.init).toEqual({
        kind: 'kaiming',
        mode: 'fan_out',
        nonlinearity: init === 'xavier' ? 'linear' : 'relu',
      });
    }
  });

  it('Xavier scales the logits of the bias-free 22-layer net by 2^(-19/2) (19 convs) with paper fc layers, 2^(-22/2) without', () => {
    for (const [gain, layers] of [
      [PAPER_FC_GAIN, 19],
      [undefined, 22],
    ] as const) {
      const he = logits(config('he-fan-out', gain));
      const xavier = logits(config('xavier', gain));
      const ratio = 2 ** (-layers / 2);
      let num = 0;
      let den = 0;
      for (let i = 0; i < he.length; i++) {
        num += Math.abs(xavier[i] - ratio * he[i]);
        den += Math.abs(ratio * he[i]);
      }
      // same seed, same draws: every weight of a Xavier conv is the He weight / sqrt(2)
      expect(num / den).toBeLessThan(1e-4);
    }
  });
});
