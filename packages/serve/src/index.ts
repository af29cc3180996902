/**
 * @rectifier/serve: serve ONNX models over the Open Inference Protocol (KServe v2 REST, also spoken
 * by Triton and Seldon MLServer) with dynamic batching across worker threads, Prometheus metrics,
 * an image endpoint, and Triton model-repository export. Node only.
 */
export type { Datatype } from './datatypes';
export { HttpError } from './errors';
export {
  imagePreprocessing,
  imageToInput,
  LEGACY_NORMALIZATION_KEY,
  type Preprocessing,
} from './image-input';
export { CLASSES_KEY, type LoadedModel, type LoadModelOptions, loadModel } from './load-model';
export type { ModelSpec } from './model-spec';
export { type OnnxInfo, readOnnxInfo, type TensorInfo } from './onnx-info';
export { type InferenceServer, type ServeOptions, startServer } from './server';
export {
  findTritonModelDir,
  readTritonModel,
  type TritonExportOptions,
  type TritonExportResult,
  type TritonModel,
  tritonConfig,
  writeTritonRepository,
} from './triton';
export { VERSION } from './version';
