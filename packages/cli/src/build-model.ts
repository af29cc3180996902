import {
  buildModel,
  type ModelSpec,
  type Module,
  resnet18,
  resnet34,
  resnet50,
  type Sequential,
} from '@rectifier/nn';
import { Generator } from '@rectifier/tensor';
import { checkResNetConfig, isResNet, type ModelConfig, modelSpecFor } from './models';

const RESNET_FACTORIES = { resnet18, resnet34, resnet50 };

/**
 * Builds a model from its spec with nn's `buildModel`, drawing weights (and later the dropout
 * masks) from one generator seeded with `seed`. The generator is returned so that training can save
 * and restore its state in checkpoints (exact resume with dropout).
 */
export function buildFromSpec(spec: ModelSpec, seed: number): { model: Sequential; generator: Generator } {
  const generator = new Generator(seed);
  return { model: buildModel(spec, { generator }), generator };
}

/**
 * The model a config describes, its weights drawn from one generator seeded with `seed` (returned
 * for checkpoints, as {@link buildFromSpec}): the zoo's ResNets from their factories, every other
 * model from its sequential spec.
 */
export function buildModelFor(mc: ModelConfig, seed: number): { model: Module; generator: Generator } {
  if (isResNet(mc.model)) {
    checkResNetConfig(mc);
    const generator = new Generator(seed);
    const model = RESNET_FACTORIES[mc.model]({
      numClasses: mc.numClasses,
      inChannels: mc.inChannels,
      activation: mc.activation === 'relu' ? 'relu' : 'prelu',
      generator,
    });
    return { model, generator };
  }
  return buildFromSpec(modelSpecFor(mc), seed);
}
