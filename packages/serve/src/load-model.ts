/**
 * Turns what the user points `serve` at (an .onnx file, its bytes, or a Triton model repository)
 * into a ModelSpec plus the file the workers load.
 */
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { hasDynamicBatch, type ModelSpec } from './model-spec';
import { readOnnxInfo } from './onnx-info';
import { findTritonModelDir, readTritonModel } from './triton';

/** The ONNX metadata key under which Rectifier's exporter stores the class names (a JSON array). */
export const CLASSES_KEY = 'classes';

export interface LoadedModel {
  spec: ModelSpec;
  /** What the workers load: a path, or the bytes when given bytes. */
  source: string | Uint8Array;
  /** Batching window from a Triton config (ms), when it has one. */
  windowMs?: number;
  /** Instance count from a Triton config, when it has one. */
  instances?: number;
}

export interface LoadModelOptions {
  /** Name in URLs (default: the file name without .onnx, or the Triton model's name). */
  name?: string;
  /** Override the max batch size (default: the Triton config's, else 32). */
  maxBatchSize?: number;
}

function labelsFromMetadata(meta: Record<string, string>): string[] | undefined {
  const raw = meta[CLASSES_KEY];
  if (raw === undefined) return undefined;
  try {
    const v = JSON.parse(raw);
    return Array.isArray(v) && v.every((s) => typeof s === 'string') ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Loads the model description; throws one-line errors for missing files and non-ONNX content. */
export async function loadModel(
  model: string | Uint8Array,
  options: LoadModelOptions = {},
): Promise<LoadedModel> {
  let bytes: Uint8Array;
  let source: string | Uint8Array = model;
  let name = options.name;
  let version = '1';
  let configMaxBatch: number | undefined;
  let windowMs: number | undefined;
  let instances: number | undefined;
  let tritonLabels: string[] | undefined;
  if (typeof model === 'string') {
    if (!existsSync(model)) throw new Error(`${model} does not exist`);
    if (statSync(model).isDirectory()) {
      const dir = findTritonModelDir(model, options.name);
      if (!dir)
        throw new Error(
          `${model} is a directory without a Triton model (no config.pbtxt in it or in a subdirectory)`,
        );
      const t = await readTritonModel(dir);
      source = t.modelPath;
      name = t.name;
      version = t.version;
      configMaxBatch = t.maxBatchSize;
      windowMs = t.windowMs;
      instances = t.instances;
      tritonLabels = t.labels;
    }
    bytes = new Uint8Array(await readFile(source as string));
    name ??= basename(model, extname(model));
  } else {
    bytes = model;
    name ??= 'model';
  }
  let info: ReturnType<typeof readOnnxInfo>;
  try {
    info = readOnnxInfo(bytes);
  } catch (e) {
    throw new Error(
      `${typeof source === 'string' ? source : 'the model bytes'} is not an ONNX model: ${(e as Error).message}`,
    );
  }
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(name))
    throw new Error(`model name '${name}' must be letters, digits, '_', '.' or '-' (it goes into URLs)`);
  const dynamic = hasDynamicBatch(info.inputs, info.outputs);
  let maxBatchSize = options.maxBatchSize ?? configMaxBatch ?? (dynamic ? 32 : 0);
  if (!Number.isSafeInteger(maxBatchSize) || maxBatchSize < 0)
    throw new Error(`max batch size must be an integer >= 0, got ${maxBatchSize}`);
  if (maxBatchSize > 0 && !dynamic) {
    if (options.maxBatchSize !== undefined)
      throw new Error(
        `the model's first dimension is fixed (inputs ${info.inputs.map((i) => JSON.stringify(i.shape)).join(', ')}), so it cannot batch; export it with a dynamic batch or use max batch size 0`,
      );
    maxBatchSize = 0;
  }
  return {
    spec: {
      name,
      version,
      inputs: info.inputs,
      outputs: info.outputs,
      maxBatchSize,
      labels: labelsFromMetadata(info.metadata) ?? tritonLabels,
      metadata: info.metadata,
    },
    source,
    windowMs,
    instances,
  };
}
