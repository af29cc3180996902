import { buildModel, type ModelSpec, type Sequential } from '@rectifier/nn';
import { Generator } from '@rectifier/tensor';

/**
 * Builds a model from its spec with nn's `buildModel`, drawing weights (and later the dropout
 * masks) from one generator seeded with `seed`. The generator is returned so that training can save
 * and restore its state in checkpoints (exact resume with dropout).
 */
export function buildFromSpec(spec: ModelSpec, seed: number): { model: Sequential; generator: Generator } {
  const generator = new Generator(seed);
  return { model: buildModel(spec, { generator }), generator };
}
