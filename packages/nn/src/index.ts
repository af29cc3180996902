export { toAuditModel } from './audit';
export { type BuildOptions, type BuiltinLayer, buildLayer } from './build';
export {
  convOutputSize,
  poolOutputSize,
  type SppAxisGeometry,
  type SppLevelGeometry,
  sppAxisGeometry,
  sppGeometry,
} from './geometry';
export { AdaptiveAvgPool2d, type AdaptiveAvgPool2dOptions } from './layers/adaptive-avg-pool2d';
export { AdaptiveMaxPool2d, type AdaptiveMaxPool2dOptions } from './layers/adaptive-max-pool2d';
export { AvgPool2d, type AvgPool2dOptions } from './layers/avg-pool2d';
export {
  BatchNorm1d,
  BatchNorm2d,
  BatchNormBase,
  type BatchNormOptions,
} from './layers/batch-norm';
export { Conv2d, type Conv2dOptions } from './layers/conv2d';
export { CrossEntropyLoss, type CrossEntropyLossOptions } from './layers/cross-entropy-loss';
export { Dropout, type DropoutOptions } from './layers/dropout';
export { Flatten, type FlattenOptions } from './layers/flatten';
export { LeakyReLU, type LeakyReLUOptions } from './layers/leaky-relu';
export { Linear, type LinearOptions } from './layers/linear';
export {
  BCEWithLogitsLoss,
  type BCEWithLogitsLossOptions,
  L1Loss,
  MSELoss,
  NLLLoss,
  type NLLLossOptions,
  type RegressionLossModuleOptions,
} from './layers/losses';
export { MaxPool2d, type MaxPool2dOptions } from './layers/max-pool2d';
export { PReLU, type PReLUOptions } from './layers/prelu';
export { ReLU } from './layers/relu';
export { SpatialPyramidPooling, type SpatialPyramidPoolingOptions } from './layers/spp';
export { type BuildModelOptions, buildModel } from './models/build-model';
export { model14, model30, modelA, modelB, modelC, vgg19 } from './models/factories';
export type { ModelLayerSpec, ModelSpec, WeightInit } from './models/model-spec';
export type { ActivationChoice, InitChoice, PaperModelOptions } from './models/options';
export {
  convWeightInit,
  type Model30Options,
  model14Spec,
  model30Spec,
  modelASpec,
  modelBSpec,
  modelCSpec,
  type Vgg19Options,
  vgg19Spec,
} from './models/paper-nets';
export {
  BasicBlock,
  Bottleneck,
  type ResidualBlock,
  ResNet,
  type ResNetName,
  type ResNetOptions,
  resnet18,
  resnet34,
  resnet50,
  resnetSize,
} from './models/resnet';
export { formatSlopes, type LayerSlopes, preluSlopes } from './models/slopes';
export {
  type ForwardHook,
  type HookHandle,
  type LoadStateDictResult,
  Module,
  type StateDict,
} from './module';
export {
  type DecodedSafetensors,
  decodeSafetensors,
  encodeSafetensors,
  halfToFloat,
  MAX_HEADER_BYTES,
  MAX_HEADER_DEPTH,
  MAX_HEADER_KEYS,
  type RawTensor,
  type SafetensorsDType,
} from './safetensors/format';
export {
  type LoadedSafetensors,
  loadSafetensors,
  saveSafetensors,
  saveSafetensorsAsync,
} from './safetensors/tensors';
export { Sequential } from './sequential';
export { inferLayer, type LayerShapeInfo, type LayerSpec, type LayerType, specParameters } from './spec';
export { formatSummary, type ModelSummary, type NamedLayerSpec, type SummaryRow, summary } from './summary';
export { leafModules, specOf } from './walk';
