export { type ToAuditModelOptions, toAuditModel } from './audit';
export { type BuildOptions, type BuiltinLayer, buildLayer } from './build';
export {
  convOutputSize,
  poolOutputSize,
  type SppAxisGeometry,
  type SppLevelGeometry,
  sppAxisGeometry,
  sppGeometry,
} from './geometry';
export {
  formatGraphVarianceAudit,
  type GraphAuditChain,
  type GraphAuditMerge,
  type GraphVarianceAudit,
  graphVarianceAudit,
} from './graph-audit';
export {
  type AuditRole,
  checkInputs,
  type LayerDefinition,
  type LayerInference,
  type LayerSpecBase,
  type ShapeFail,
} from './layer-definition';
export { CrossEntropyLoss, type CrossEntropyLossOptions } from './layers/cross-entropy-loss';
export * from './layers/index';
export {
  BCEWithLogitsLoss,
  type BCEWithLogitsLossOptions,
  L1Loss,
  MSELoss,
  NLLLoss,
  type NLLLossOptions,
  type RegressionLossModuleOptions,
} from './layers/losses';
export { type BuildModelOptions, buildModel } from './models/build-model';
export { model14, model30, modelA, modelB, modelC, vgg19 } from './models/factories';
export type { ModelLayerSpec, ModelSpec, WeightInit } from './models/model-spec';
export type { ActivationChoice, InitChoice, PaperModelOptions } from './models/options';
export {
  activationSpec,
  convWeightInit,
  initBeforeActivation,
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
export { layerDefinition, layerTypes, registerLayer } from './registry';
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
export {
  inferLayer,
  type LayerShapeInfo,
  type LayerSpec,
  type LayerType,
  type SpecOfDefinition,
  specParameters,
} from './spec';
export {
  formatSummary,
  type ModelSummary,
  type NamedLayerSpec,
  type ShapeForward,
  type SummaryRow,
  summary,
} from './summary';
export { leafModules, specOf } from './walk';
