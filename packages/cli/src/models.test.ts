import { buildModel, initBeforeActivation, PReLU } from '@rectifier/nn';
import { describe, expect, it } from 'vitest';
import { type ModelConfig, modelSpecFor } from './models';

const config = (over: Partial<ModelConfig>): ModelConfig => ({
  model: 'quicknet',
  activation: 'prelu',
  init: 'prelu-aware',
  width: 1,
  inputSize: 28,
  inChannels: 1,
  numClasses: 10,
  dropout: 0,
  ...over,
});

describe("the CLI's models take their init from nn's rule and nn's layers", () => {
  it.each(['quicknet', 'plain22'] as const)(
    '%s: the prelu-aware slope of every weight layer is the initial slope of the PReLU nn builds after it',
    (model) => {
      const spec = modelSpecFor(config({ model }));
      const built = buildModel(spec, { seed: 0 });
      const slope = (built.get(spec.layers.find((l) => l.spec.type === 'prelu')!.name) as PReLU).init;
      expect(slope).toBe(new PReLU().init);
      for (const l of spec.layers.filter((x) => x.spec.type === 'conv2d')) {
        const next = spec.layers[spec.layers.indexOf(l) + 1];
        expect(l.init, l.name).toEqual(initBeforeActivation('prelu-aware', next.spec));
        expect(l.init).toMatchObject({ nonlinearity: 'prelu', a: slope });
      }
    },
  );

  it('ReLU models use the ReLU gain whatever the init choice says', () => {
    const spec = modelSpecFor(config({ activation: 'relu' }));
    expect(spec.layers.find((l) => l.name === 'conv1_1')?.init).toEqual({
      kind: 'kaiming',
      mode: 'fan_out',
      nonlinearity: 'relu',
    });
  });
});
