/**
 * The built-in layers: every class with its options and spec types, and {@link BUILTIN_LAYERS}, the
 * definitions the layer registry starts from. Adding a layer = its file (class + spec + definition),
 * its test, and one line in each list below (see CONTRIBUTING.md).
 */
import { adaptiveAvgPool2dLayer } from './adaptive-avg-pool2d';
import { adaptiveMaxPool2dLayer } from './adaptive-max-pool2d';
import { addLayer } from './add';
import { avgPool2dLayer } from './avg-pool2d';
import { batchNorm1dLayer, batchNorm2dLayer } from './batch-norm';
import { concatLayer } from './concat';
import { conv2dLayer } from './conv2d';
import { dropoutLayer } from './dropout';
import { flattenLayer } from './flatten';
import { identityLayer } from './identity';
import { leakyReluLayer } from './leaky-relu';
import { linearLayer } from './linear';
import { maxPool2dLayer } from './max-pool2d';
import { pad2dLayer } from './pad2d';
import { preluLayer } from './prelu';
import { reluLayer } from './relu';
import { sppLayer } from './spp';
import { upsampleLayer } from './upsample';

export {
  AdaptiveAvgPool2d,
  type AdaptiveAvgPool2dOptions,
  type AdaptiveAvgPool2dSpec,
  adaptiveAvgPool2dLayer,
} from './adaptive-avg-pool2d';
export {
  AdaptiveMaxPool2d,
  type AdaptiveMaxPool2dOptions,
  type AdaptiveMaxPool2dSpec,
  adaptiveMaxPool2dLayer,
} from './adaptive-max-pool2d';
export { Add, type AddSpec, addLayer, broadcastShape } from './add';
export { AvgPool2d, type AvgPool2dOptions, type AvgPool2dSpec, avgPool2dLayer } from './avg-pool2d';
export {
  BatchNorm1d,
  type BatchNorm1dSpec,
  BatchNorm2d,
  type BatchNorm2dSpec,
  BatchNormBase,
  type BatchNormOptions,
  batchNorm1dLayer,
  batchNorm2dLayer,
} from './batch-norm';
export { Concat, type ConcatOptions, type ConcatSpec, concatLayer } from './concat';
export { Conv2d, type Conv2dOptions, type Conv2dSpec, conv2dLayer } from './conv2d';
export { Dropout, type DropoutOptions, type DropoutSpec, dropoutLayer } from './dropout';
export { Flatten, type FlattenOptions, type FlattenSpec, flattenLayer } from './flatten';
export { Identity, type IdentitySpec, identityLayer } from './identity';
export { LeakyReLU, type LeakyReLUOptions, type LeakyReLUSpec, leakyReluLayer } from './leaky-relu';
export { Linear, type LinearOptions, type LinearSpec, linearLayer } from './linear';
export { MaxPool2d, type MaxPool2dOptions, type MaxPool2dSpec, maxPool2dLayer } from './max-pool2d';
export {
  ConstantPad2d,
  Pad2dBase,
  type Pad2dOptions,
  type Pad2dSpec,
  pad2dLayer,
  ReflectionPad2d,
  ReplicationPad2d,
  ZeroPad2d,
} from './pad2d';
export { DEFAULT_PRELU_INIT, PReLU, type PReLUOptions, type PReLUSpec, preluLayer } from './prelu';
export { ReLU, type ReLUSpec, reluLayer } from './relu';
export { SpatialPyramidPooling, type SpatialPyramidPoolingOptions, type SppSpec, sppLayer } from './spp';
export {
  Upsample,
  type UpsampleOptions,
  type UpsampleSpec,
  upsampleLayer,
  upsampleOutputSize,
} from './upsample';

/**
 * The definitions of the built-in layers. A function, not a constant, so that the registry reads it
 * only when first used, after every layer module has been evaluated (layer modules and the registry
 * import each other indirectly).
 */
export function builtinLayers() {
  return [
    conv2dLayer,
    linearLayer,
    preluLayer,
    reluLayer,
    leakyReluLayer,
    maxPool2dLayer,
    avgPool2dLayer,
    adaptiveMaxPool2dLayer,
    adaptiveAvgPool2dLayer,
    sppLayer,
    dropoutLayer,
    flattenLayer,
    batchNorm2dLayer,
    batchNorm1dLayer,
    pad2dLayer,
    upsampleLayer,
    identityLayer,
    addLayer,
    concatLayer,
  ] as const;
}
