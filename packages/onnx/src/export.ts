/**
 * `exportOnnx`: a `@rectifier/nn` model to ONNX bytes, ready for ONNX Runtime (node, web, native).
 */
import type { Module } from '@rectifier/nn';
import { type ExportOptions, exportSpec, resolveOptions } from './export-spec';
import { describeModule, readParamsAsync, readParamsSync } from './from-module';

/**
 * Exports `model` in eval mode (inference semantics; each module's training flag is restored
 * afterwards; unknown option keys are rejected) to an
 * ONNX model: IR 8 / opset 17 by default, float32, NCHW input of `inputShape` (batch included),
 * initializers named by parameter path (`features.0.weight`), PReLU slopes shaped [C,1,1] after
 * convolutions (ONNX broadcasts from the right; a [C] slope would act on the width axis), [C] after
 * Linear and [1] when channel-shared. SpatialPyramidPooling levels are computed for the given input
 * size with nn's own window rule, so the spatial size is fixed; use `dynamicBatch` for any batch.
 *
 * Everything is validated before bytes are produced; errors name the module path and type
 * (unsupported modules, disposed or shared parameters, an input the model cannot take).
 * Parameters are read with `dataSync` (CPU/WASM backends); see {@link exportOnnxAsync} for WebGPU.
 *
 * @example
 * import { exportOnnx } from '@rectifier/onnx';
 * const bytes = exportOnnx(model, { inputShape: [1, 3, 224, 224], dynamicBatch: true, softmax: true });
 * // Node: await writeFile('model.onnx', bytes); browser: new Blob([bytes]) or InferenceSession.create(bytes)
 */
export function exportOnnx(model: Module<any, any>, options: ExportOptions): Uint8Array {
  resolveOptions(options);
  const restore = evalMode(model);
  try {
    const { graph, pending } = describeModule(model, options.inputShape);
    readParamsSync(pending);
    return exportSpec(graph, options, model.typeName, model.toString());
  } finally {
    restore();
  }
}

/**
 * Puts every module in eval mode (what inference means; `torch.onnx.export` does the same by
 * default) and returns a function that restores each module's own mode.
 */
function evalMode(model: Module<any, any>): () => void {
  // Not a Module: describeModule reports it.
  if (typeof (model as { modules?: unknown })?.modules !== 'function') return () => {};
  const modes = model.modules().map((m) => [m, m.training] as const);
  model.eval();
  return () => {
    for (const [m, training] of modes) m.training = training;
  };
}

/**
 * {@link exportOnnx} for models whose parameters live on any backend (WebGPU included): values are
 * read with `await param.data()`.
 * @example
 * const bytes = await exportOnnxAsync(gpuModel, { inputShape: [1, 3, 224, 224] });
 */
export async function exportOnnxAsync(model: Module<any, any>, options: ExportOptions): Promise<Uint8Array> {
  resolveOptions(options);
  const restore = evalMode(model);
  try {
    const { graph, pending } = describeModule(model, options.inputShape);
    await readParamsAsync(pending);
    return exportSpec(graph, options, model.typeName, model.toString());
  } finally {
    restore();
  }
}
