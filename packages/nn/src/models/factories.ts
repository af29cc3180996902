import type { Sequential } from '../sequential';
import { buildModel } from './build-model';
import type { PaperModelOptions } from './options';
import {
  type Model30Options,
  model14Spec,
  model30Spec,
  modelASpec,
  modelBSpec,
  modelCSpec,
  type Vgg19Options,
  vgg19Spec,
} from './paper-nets';

function make(
  spec: (o: PaperModelOptions) => ReturnType<typeof model14Spec>,
  opts: PaperModelOptions,
): Sequential {
  const { seed, generator, dtype, ...rest } = opts ?? {};
  return buildModel(spec(rest), { seed, generator, dtype });
}

/**
 * The 14-layer model of Table 1 as a flat named Sequential (conv1, conv1_prelu, pool1, conv2_1, …,
 * spp, fc1, fc1_prelu, fc1_drop, fc2, …, fc3); see {@link model14Spec} for the layers and the
 * options (activation, init, width, numClasses, seed, …).
 *
 * @example
 * const net = model14({ activation: 'prelu', width: 0.25, numClasses: 10, seed: 0 });
 * net.call(randn([2, 3, 224, 224])).shape; // [2, 10]
 */
export function model14(opts: PaperModelOptions = {}): Sequential {
  return make(model14Spec, opts);
}

/**
 * The 30-layer plain net of Fig. 3 (27 conv + 3 fc; the paper compared He and "Xavier" init on it with
 * ReLU): see {@link model30Spec}.
 *
 * @example
 * const deep = model30({ activation: 'relu', init: 'xavier', width: 0.125, seed: 1 });
 */
export function model30(opts: Model30Options = {}): Sequential {
  return make(model30Spec as (o: PaperModelOptions) => ReturnType<typeof model14Spec>, opts);
}

/** Model A of Table 3 (19 layers, SPP {7,3,2,1}): see {@link modelASpec}. Full width allocates ~180M floats. */
export function modelA(opts: PaperModelOptions = {}): Sequential {
  return make(modelASpec, opts);
}

/** Model B of Table 3 (22 layers; also the 22-layer net of the paper's Fig. 2): see {@link modelBSpec}. */
export function modelB(opts: PaperModelOptions = {}): Sequential {
  return make(modelBSpec, opts);
}

/** Model C of Table 3 (B widened to 384/768/896 filters): see {@link modelCSpec}. */
export function modelC(opts: PaperModelOptions = {}): Sequential {
  return make(modelCSpec, opts);
}

/**
 * VGG-19 (Table 3's comparison model) with the paper's activations and inits: see {@link vgg19Spec}.
 *
 * @example
 * const vgg = vgg19({ activation: 'relu', width: 0.125, numClasses: 10, inputSize: 64, seed: 0 });
 */
export function vgg19(opts: Vgg19Options = {}): Sequential {
  return make(vgg19Spec as (o: PaperModelOptions) => ReturnType<typeof model14Spec>, opts);
}
