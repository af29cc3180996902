import { Generator, randn } from '@rectifier/tensor';
import { describe, expect, it } from 'vitest';
import { Conv2d } from './layers/conv2d';
import { ReLU } from './layers/relu';
import { model14 } from './models/factories';
import { model14Spec, model30Spec, modelASpec, modelBSpec, modelCSpec, vgg19Spec } from './models/paper-nets';
import { Module } from './module';
import { Sequential } from './sequential';
import { formatSummary, summary } from './summary';

describe("summary of the paper's models from their specs (no weights allocated)", () => {
  it("models A, B, C at 224x224 agree with Table 3's complexity within 1%", () => {
    const table3 = { A: 1.9e10, B: 2.32e10, C: 5.3e10 };
    const got = {
      A: summary(modelASpec(), [1, 3, 224, 224]).totalMultiplyAdds,
      B: summary(modelBSpec(), [1, 3, 224, 224]).totalMultiplyAdds,
      C: summary(modelCSpec(), [1, 3, 224, 224]).totalMultiplyAdds,
    };
    for (const k of ['A', 'B', 'C'] as const) {
      expect(Math.abs(got[k] / table3[k] - 1)).toBeLessThan(0.01);
    }
    // Exact values, derived independently of nn's specs from Table 3's layout: conv1 7x7/2 with 96
    // filters (224 -> 112), a 2x2/2 pool before each stage (112 -> 56 -> 28 -> 14), stages of 3x3
    // convs at 56, 28 and 14 (A: 5 layers of 256, 512, 512; B: 6 of the same; C: 6 of 384, 768, 896),
    // SPP {7, 3, 2, 1} = 63 bins, fc 4096, 4096, 1000. A conv costs out_pixels * out_ch * k² * in_ch.
    const derive = (perStage: number, widths: [number, number, number]) => {
      let macs = 112 * 112 * 96 * 7 * 7 * 3;
      let cin = 96;
      [56, 28, 14].forEach((side, stage) => {
        for (let i = 0; i < perStage; i++) {
          macs += side * side * widths[stage] * 9 * cin;
          cin = widths[stage];
        }
      });
      return macs + 63 * cin * 4096 + 4096 * 4096 + 4096 * 1000;
    };
    expect(got).toEqual({
      A: derive(5, [256, 512, 512]),
      B: derive(6, [256, 512, 512]),
      C: derive(6, [384, 768, 896]),
    });
    // C is "about 2.3x" B
    expect(got.C / got.B).toBeCloseTo(2.3, 1);
  });

  it("VGG-19 at 224x224 agrees with Table 3's complexity (1.96e10) within 1%", () => {
    const s = summary(vgg19Spec(), [1, 3, 224, 224]);
    expect(Math.abs(s.totalMultiplyAdds / 1.96e10 - 1)).toBeLessThan(0.01);
    // by hand: 16 'same' 3x3 convs 19,508,428,800 + fc 25088*4096 + 4096*4096 + 4096*1000 = 123,633,664
    expect(s.totalMultiplyAdds).toBe(19_632_062_464);
    const weighted = s.rows.filter((r) => r.type === 'conv2d' || r.type === 'linear');
    expect(weighted.length).toBe(19); // "depth 19" of Table 3
    expect(s.rows.find((r) => r.name === 'pool5')?.outputShape).toEqual([1, 512, 7, 7]);
    expect(s.outputShape).toEqual([1, 1000]);
    // torchvision's vgg19 has 143,667,240 parameters; PReLU channel-wise adds 5504 conv + 8192 fc slopes
    expect(summary(vgg19Spec({ activation: 'relu' }), [1, 3, 224, 224]).totalParameters).toBe(143_667_240);
    expect(s.totalParameters).toBe(143_667_240 + 5504 + 8192);
  });

  it('layer shapes of model A follow Table 3 (112 -> 56 -> 28 -> 14, 63 SPP bins)', () => {
    const s = summary(modelASpec(), [3, 224, 224]);
    const shape = (name: string) => s.rows.find((r) => r.name === name)?.outputShape;
    expect(shape('conv1')).toEqual([1, 96, 112, 112]);
    expect(shape('pool1')).toEqual([1, 96, 56, 56]);
    expect(shape('conv2_5')).toEqual([1, 256, 56, 56]);
    expect(shape('conv3_5')).toEqual([1, 512, 28, 28]);
    expect(shape('conv4_5')).toEqual([1, 512, 14, 14]);
    expect(shape('spp')).toEqual([1, 63 * 512]);
    expect(shape('fc1')).toEqual([1, 4096]);
    expect(s.outputShape).toEqual([1, 1000]);
    expect(s.rows.filter((r) => r.type === 'conv2d' || r.type === 'linear')).toHaveLength(19);
    expect(
      summary(modelBSpec(), [3, 224, 224]).rows.filter((r) => r.type === 'conv2d' || r.type === 'linear'),
    ).toHaveLength(22);
    // fc1 input: 63 x 512 = 32,256 (A, B) and 63 x 896 = 56,448 (C)
    expect(modelCSpec().layers.find((l) => l.name === 'fc1')?.spec).toMatchObject({ inFeatures: 56_448 });
  });

  it('the 14-layer model: 13 PReLUs, 10,304 channel-wise slopes, 13 shared ones, 50 SPP bins', () => {
    const cw = summary(model14Spec(), [1, 3, 224, 224]);
    const prelus = cw.rows.filter((r) => r.type === 'prelu');
    expect(prelus).toHaveLength(13);
    expect(prelus.reduce((a, r) => a + r.parameters, 0)).toBe(10_304);
    const shared = summary(model14Spec({ activation: 'prelu-shared' }), [1, 3, 224, 224]);
    expect(shared.rows.filter((r) => r.type === 'prelu').reduce((a, r) => a + r.parameters, 0)).toBe(13);
    expect(shared.totalParameters).toBe(cw.totalParameters - 10_304 + 13);
    expect(cw.rows.find((r) => r.name === 'spp')?.outputShape).toEqual([1, 50 * 256]);
    expect(cw.rows.find((r) => r.name === 'pool1')?.outputShape).toEqual([1, 64, 37, 37]);
    expect(cw.rows.find((r) => r.name === 'conv3_6')?.outputShape).toEqual([1, 256, 18, 18]);
    expect(cw.rows.filter((r) => r.type === 'conv2d' || r.type === 'linear')).toHaveLength(14);
    // Derived from Table 1's layout with this package's documented paddings: conv1 7x7/2, 64 filters,
    // pad 3 (224 -> 112); pool 3x3/3 (-> 37); conv2_1..4 2x2, 128, padding 1, 0, 1, 0 (37 -> 38 -> 37
    // -> 38 -> 37); pool 2x2/2 (-> 18); conv3_1..6 2x2, 256, padding 1, 0, ... (18 <-> 19); SPP
    // {6, 3, 2, 1} = 50 bins; fc 4096, 4096, 1000.
    const conv = (side: number, cout: number, k: number, cin: number) => side * side * cout * k * k * cin;
    let convMacs = conv(112, 64, 7, 3);
    for (let i = 0; i < 4; i++) convMacs += conv(i % 2 === 0 ? 38 : 37, 128, 2, i === 0 ? 64 : 128);
    for (let i = 0; i < 6; i++) convMacs += conv(i % 2 === 0 ? 19 : 18, 256, 2, i === 0 ? 128 : 256);
    const fcMacs = 50 * 256 * 4096 + 4096 * 4096 + 4096 * 1000;
    expect(cw.totalMultiplyAdds).toBe(convMacs + fcMacs);
    const convParams = (cout: number, k: number, cin: number) => cout * k * k * cin + cout;
    let params = convParams(64, 7, 3) + convParams(128, 2, 64) + 3 * convParams(128, 2, 128);
    params += convParams(256, 2, 128) + 5 * convParams(256, 2, 256);
    params += 50 * 256 * 4096 + 4096 + 4096 * 4096 + 4096 + 4096 * 1000 + 1000;
    const slopes = 64 + 4 * 128 + 6 * 256 + 2 * 4096; // one per channel of each PReLU (13 of them)
    expect(slopes).toBe(10_304);
    expect(cw.totalParameters).toBe(params + slopes);
  });

  it('the 30-layer model: 27 conv + 3 fc, same SPP input as the 14-layer model', () => {
    const s = summary(model30Spec({ activation: 'relu' }), [1, 3, 224, 224]);
    expect(s.rows.filter((r) => r.type === 'conv2d')).toHaveLength(27);
    expect(s.rows.filter((r) => r.type === 'linear')).toHaveLength(3);
    expect(s.rows.find((r) => r.name === 'conv3_22')?.outputShape).toEqual([1, 256, 18, 18]);
    expect(
      summary(model30Spec({ extraLayers: 8 }), [1, 3, 224, 224]).rows.filter((r) => r.type === 'conv2d'),
    ).toHaveLength(19);
    expect(() => model30Spec({ extraLayers: 17 })).toThrow(/extraLayers must be an integer in \[0, 16\]/);
  });

  it('multiply-adds scale with the batch and the SPP makes the model input-size agnostic', () => {
    const one = summary(modelASpec(), [1, 3, 224, 224]).totalMultiplyAdds;
    expect(summary(modelASpec(), [4, 3, 224, 224]).totalMultiplyAdds).toBe(4 * one);
    expect(summary(modelASpec(), [1, 3, 384, 320]).outputShape).toEqual([1, 1000]);
  });

  it('width, inChannels, numClasses and inputSize options', () => {
    const small = model14Spec({
      width: 1 / 8,
      numClasses: 10,
      inChannels: 1,
      inputSize: 64,
      sppLevels: [2, 1],
    });
    const s = summary(small, [2, 1, 64, 64]);
    expect(s.rows.find((r) => r.name === 'conv1')?.outputShape).toEqual([2, 8, 32, 32]);
    expect(s.rows.find((r) => r.name === 'fc1')?.outputShape).toEqual([2, 512]);
    expect(s.outputShape).toEqual([2, 10]);
    expect(small.inputShape).toEqual([1, 64, 64]);
    // the default SPP {6,3,2,1} does not fit a 64x64 input: clear error at construction
    expect(() => model14Spec({ inputSize: 64 })).toThrow(
      /model-14: spp \(spp\): pyramid level 6 needs a feature map of at least 6x6, got 5x5/,
    );
  });

  it('rejects unknown options naming the key, and bad values', () => {
    expect(() => modelASpec({ activaton: 'relu' } as never)).toThrow(
      /modelASpec: unknown option 'activaton'/,
    );
    expect(() => modelASpec({ init: 'kaiming' as never })).toThrow(/init must be one of 'he-fan-out'/);
    expect(() => modelASpec({ width: 0 })).toThrow(/width must be > 0/);
    expect(() => modelASpec({ numClasses: 1.5 })).toThrow(/numClasses must be an integer >= 1/);
  });

  it('formats a table with totals in units of 10^10', () => {
    const text = formatSummary(summary(modelASpec(), [1, 3, 224, 224]));
    expect(text).toMatch(/conv1\s+conv2d\s+\[1, 96, 112, 112\]\s+14,208\s+177,020,928/);
    expect(text).toMatch(/\(1\.906 x 10\^10\)/);
  });

  it('errors name the layer whose input does not fit', () => {
    expect(() => summary(modelASpec(), [1, 1, 224, 224])).toThrow(
      /conv1 \(conv2d\): expects 3 input channels but got 1/,
    );
    expect(() => summary(modelASpec(), [1, 3, 40, 40])).toThrow(/spp \(spp\): pyramid level 7 needs/);
    expect(() => summary(modelASpec(), [1, 3, -4, 4] as never)).toThrow(
      /inputShape must be an array of positive integers/,
    );
  });

  it('a built model gives the same rows as its spec, its real parameter count and output shape', () => {
    const small = { width: 1 / 16, numClasses: 10, inputSize: 96 } as const;
    const net = model14({ ...small, seed: 1 }).eval();
    const fromModule = summary(net, [2, 3, 96, 96]);
    expect(fromModule).toEqual(summary(model14Spec(small), [2, 3, 96, 96]));
    expect(fromModule.totalParameters).toBe(net.parameterCount());
    expect(fromModule.outputShape).toEqual(
      net.call(randn([2, 3, 96, 96], { generator: new Generator(1) })).shape,
    );
    // nested Sequentials are walked with dotted names; custom modules are refused by name
    const nested = new Sequential({
      stem: new Sequential({
        conv: new Conv2d({ inChannels: 3, outChannels: 4, kernelSize: 3 }),
        act: new ReLU(),
      }),
    });
    expect(summary(nested, [3, 8, 8]).rows.map((r) => [r.name, r.outputShape, r.multiplyAdds])).toEqual([
      ['stem.conv', [1, 4, 6, 6], 4 * 36 * 27],
      ['stem.act', [1, 4, 6, 6], 0],
    ]);
    class Custom extends Module {
      forward(x: import('@rectifier/tensor').Tensor) {
        return x;
      }
    }
    expect(() => summary(new Sequential({ mine: new Custom() }), [3, 8, 8])).toThrow(
      /'mine' \(Custom\) is not a registered layer/,
    );
  });
});
