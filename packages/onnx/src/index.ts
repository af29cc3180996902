/**
 * @rectifier/onnx: export `@rectifier/nn` models to ONNX (IR 8 / opset 17 by default), verified in
 * onnxruntime-node and onnxruntime-web. Runtime dependencies: none beyond @rectifier/nn and
 * @rectifier/tensor (the protobuf encoder is built in).
 */
export { exportOnnx, exportOnnxAsync } from './export';
export { type ExportOptions, METADATA_KEYS } from './export-spec';
export { SUPPORTED_MODULES } from './from-module';
export { type AttrValue, attr } from './graph-builder';
export {
  type BuiltinLowering,
  type LayerLowering,
  type LoweringContext,
  loweredTypes,
  loweringFor,
  registerLowering,
  type Value,
} from './lowering';
export { DEFAULT_OPSET, irVersionFor, MAX_OPSET, MIN_OPSET } from './opset';
export { VERSION } from './version';
