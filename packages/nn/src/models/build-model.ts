import { kaimingNormal_, normal_, zeros_ } from '@rectifier/init';
import { Generator, noGrad, type Parameter } from '@rectifier/tensor';
import { buildLayer } from '../build';
import { checkInt, checkOneOf, checkOptions, describe } from '../options';
import { Sequential } from '../sequential';
import type { ModelSpec, WeightInit } from './model-spec';

/** Options of {@link buildModel}. */
export interface BuildModelOptions {
  /** seed of a fresh Generator; exclusive with `generator` */
  seed?: number;
  /** RNG for weights and dropout masks; default: the tensor package's default generator */
  generator?: Generator;
  /** parameter dtype, default 'float32' */
  dtype?: 'float32' | 'float64';
}

/**
 * Builds a flat named `Sequential` from a {@link ModelSpec}, initialising each conv/linear layer as its
 * `init` says (He/"Xavier" Gaussians via `@rectifier/init`, fixed-std Gaussians, or the layer default)
 * with biases 0 (the paper: "We also initialize b = 0"), drawing from one generator in layer order, so a
 * seed reproduces the weights on every backend.
 *
 * @example
 * const net = buildModel(modelASpec({ width: 0.25 }), { seed: 0 });
 */
export function buildModel(spec: ModelSpec, opts: BuildModelOptions = {}): Sequential {
  checkOptions('buildModel', opts, ['seed', 'generator', 'dtype']);
  if (spec === null || typeof spec !== 'object' || !Array.isArray(spec.layers)) {
    throw new TypeError(
      `buildModel: expected a ModelSpec { name, inputShape, layers }, got ${describe(spec)}`,
    );
  }
  const generator = resolveGenerator('buildModel', opts);
  const dtype = checkOneOf('buildModel', 'dtype', opts.dtype ?? 'float32', ['float32', 'float64'] as const);
  const seq = new Sequential();
  for (const { name, spec: layerSpec, init } of spec.layers) {
    const layer = buildLayer(layerSpec, { dtype, generator });
    if (
      (layerSpec.type === 'conv2d' || layerSpec.type === 'linear') &&
      init !== undefined &&
      init.kind !== 'default'
    ) {
      const l = layer as { weight: Parameter; bias: Parameter | null };
      applyInit(name, l.weight, init, generator);
      if (l.bias !== null) zeros_(l.bias);
    }
    seq.append(layer, name);
  }
  return seq;
}

function applyInit(name: string, weight: Parameter, init: WeightInit, generator?: Generator): void {
  noGrad(() => {
    switch (init.kind) {
      case 'kaiming':
        kaimingNormal_(weight, { mode: init.mode, nonlinearity: init.nonlinearity, a: init.a, generator });
        return;
      case 'normal':
        normal_(weight, { std: init.std, generator });
        return;
      default:
        throw new TypeError(
          `buildModel: layer '${name}' has an unknown init ${describe((init as { kind?: unknown }).kind)}`,
        );
    }
  });
}

/** `generator`, a fresh Generator from `seed`, or undefined (the default generator). */
export function resolveGenerator(
  fn: string,
  opts: { seed?: number; generator?: Generator },
): Generator | undefined {
  if (opts.seed !== undefined && opts.generator !== undefined)
    throw new TypeError(`${fn}: pass either seed or generator, not both`);
  if (opts.seed !== undefined) return new Generator(checkInt(fn, 'seed', opts.seed, 0));
  if (opts.generator !== undefined && !(opts.generator instanceof Generator)) {
    throw new TypeError(`${fn}: generator must be a Generator, got ${describe(opts.generator)}`);
  }
  return opts.generator;
}
