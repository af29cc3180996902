/**
 * Triton model repositories for ONNX models: writing one (`<repo>/<name>/config.pbtxt`,
 * `<repo>/<name>/<version>/model.onnx`, `labels.txt`) following Triton's model configuration schema
 * (model_config.proto), and reading one back so `serve` can run the same directory.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { Datatype } from './datatypes';
import { hasDynamicBatch } from './model-spec';
import { readOnnxInfo, type TensorInfo } from './onnx-info';
import {
  formatPbtxt,
  PbEnum,
  type PbMessage,
  type PbValue,
  type PbWritableMessage,
  parsePbtxt,
} from './pbtxt';

/** Triton's DataType enum names (model_config.proto) per protocol datatype. */
const TRITON_TYPE: Record<Datatype, string> = {
  BOOL: 'TYPE_BOOL',
  UINT8: 'TYPE_UINT8',
  UINT16: 'TYPE_UINT16',
  UINT32: 'TYPE_UINT32',
  UINT64: 'TYPE_UINT64',
  INT8: 'TYPE_INT8',
  INT16: 'TYPE_INT16',
  INT32: 'TYPE_INT32',
  INT64: 'TYPE_INT64',
  FP16: 'TYPE_FP16',
  FP32: 'TYPE_FP32',
  FP64: 'TYPE_FP64',
  BYTES: 'TYPE_STRING',
};

const NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

export interface TritonExportOptions {
  /** Model name: the directory under the repository and `name` in config.pbtxt. */
  name: string;
  /** `max_batch_size` (default 32). Ignored (0) when the model has no dynamic batch dimension. */
  maxBatchSize?: number;
  /** `dynamic_batching.max_queue_delay_microseconds` (default 2000). */
  maxQueueDelayMicroseconds?: number;
  /** Version directory (default 1). */
  version?: number;
  /** Class names: written to labels.txt and named by the classifier output's `label_filename`. */
  labels?: string[];
  /**
   * `instance_group` kind and count. Left out by default, so Triton places one instance on each GPU,
   * or on the CPU when it has none.
   */
  instanceGroup?: { kind: 'KIND_CPU' | 'KIND_GPU'; count: number };
}

export interface TritonExportResult {
  modelDir: string;
  configPath: string;
  modelPath: string;
  config: string;
}

/** The config.pbtxt text for an ONNX model (its graph's names, types and shapes). */
export function tritonConfig(onnx: Uint8Array, options: TritonExportOptions): string {
  const info = readOnnxInfo(onnx);
  if (!NAME_RE.test(options.name))
    throw new Error(`Triton model name '${options.name}' must be letters, digits, '_', '.' or '-'`);
  const dynamic = hasDynamicBatch(info.inputs, info.outputs);
  const maxBatch = dynamic ? (options.maxBatchSize ?? 32) : 0;
  if (!Number.isSafeInteger(maxBatch) || maxBatch < 0)
    throw new Error(`max batch size must be an integer >= 0, got ${options.maxBatchSize}`);
  const delay = options.maxQueueDelayMicroseconds ?? 2000;
  if (!Number.isSafeInteger(delay) || delay < 0)
    throw new Error(`max queue delay must be a whole number of microseconds >= 0, got ${delay}`);
  // With max_batch_size > 0, dims leave out the batch dimension (Triton adds it).
  const dims = (t: TensorInfo) => (maxBatch > 0 ? t.shape.slice(1) : t.shape);
  const labelled = (t: TensorInfo) =>
    options.labels !== undefined && dims(t).length === 1 && dims(t)[0] === options.labels.length;
  const labelOutput = info.outputs.find(labelled);
  const config: PbWritableMessage = {
    name: options.name,
    platform: 'onnxruntime_onnx',
    backend: 'onnxruntime',
    max_batch_size: maxBatch,
    input: info.inputs.map((t) => ({
      name: t.name,
      data_type: new PbEnum(TRITON_TYPE[t.datatype]),
      // An image batch: lets Triton's image clients know the layout.
      format: dims(t).length === 3 && maxBatch > 0 ? new PbEnum('FORMAT_NCHW') : undefined,
      dims: dims(t),
    })),
    output: info.outputs.map((t) => ({
      name: t.name,
      data_type: new PbEnum(TRITON_TYPE[t.datatype]),
      dims: dims(t),
      label_filename: t === labelOutput ? 'labels.txt' : undefined,
    })),
    dynamic_batching: maxBatch > 0 ? { max_queue_delay_microseconds: delay } : undefined,
    instance_group: options.instanceGroup
      ? [{ count: options.instanceGroup.count, kind: new PbEnum(options.instanceGroup.kind) }]
      : undefined,
  };
  return `${formatPbtxt(config)}\n`;
}

/**
 * Writes `onnx` as a Triton model repository entry under `repository`. The model directory is
 * assembled beside its final place and renamed into it, so a failed export leaves no half-written
 * model; an existing model directory of the same name is replaced (only if it holds a config.pbtxt).
 */
export async function writeTritonRepository(
  repository: string,
  onnx: Uint8Array,
  options: TritonExportOptions,
): Promise<TritonExportResult> {
  const version = options.version ?? 1;
  if (!Number.isSafeInteger(version) || version < 1)
    throw new Error(`Triton version must be an integer >= 1, got ${options.version}`);
  const config = tritonConfig(onnx, options);
  const root = resolve(repository);
  const modelDir = join(root, options.name);
  if (existsSync(modelDir) && !existsSync(join(modelDir, 'config.pbtxt')))
    throw new Error(
      `${modelDir} exists and is not a Triton model directory (no config.pbtxt); not replacing it`,
    );
  const tmp = join(root, `.${options.name}.tmp-${process.pid}-${Date.now()}`);
  try {
    await mkdir(join(tmp, String(version)), { recursive: true });
    await writeFile(join(tmp, String(version), 'model.onnx'), onnx);
    await writeFile(join(tmp, 'config.pbtxt'), config);
    if (options.labels && config.includes('label_filename'))
      await writeFile(join(tmp, 'labels.txt'), `${options.labels.join('\n')}\n`);
    await rm(modelDir, { recursive: true, force: true });
    await rename(tmp, modelDir);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
  return {
    modelDir,
    configPath: join(modelDir, 'config.pbtxt'),
    modelPath: join(modelDir, String(version), 'model.onnx'),
    config,
  };
}

/** What `serve` takes from a Triton model directory. */
export interface TritonModel {
  name: string;
  version: string;
  modelPath: string;
  maxBatchSize: number;
  /** From dynamic_batching.max_queue_delay_microseconds (0 without dynamic_batching). */
  windowMs: number;
  /** Sum of instance_group counts, when given. */
  instances?: number;
  labels?: string[];
}

const one = (m: PbMessage, field: string): PbValue | undefined => m[field]?.[m[field].length - 1];

/** A name without directory parts (config.pbtxt may not point outside its model directory). */
function isPlainFileName(f: unknown): f is string {
  return typeof f === 'string' && f.length > 0 && f !== '.' && f !== '..' && !/[/\\]/.test(f);
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Finds the model directory in `path`: a model directory itself (it has config.pbtxt), or a
 * repository holding one model (or `name` among several).
 */
export function findTritonModelDir(path: string, name?: string): string | undefined {
  if (existsSync(join(path, 'config.pbtxt'))) return path;
  if (!isDir(path)) return undefined;
  const models = readdirSync(path)
    .filter((d) => !d.startsWith('.') && existsSync(join(path, d, 'config.pbtxt')))
    .sort();
  if (models.length === 0) return undefined;
  if (name !== undefined) {
    if (!models.includes(name))
      throw new Error(`the repository ${path} has no model '${name}' (it has ${models.join(', ')})`);
    return join(path, name);
  }
  if (models.length > 1)
    throw new Error(
      `the repository ${path} holds ${models.length} models (${models.join(', ')}); name the one to serve`,
    );
  return join(path, models[0]);
}

/** Reads a Triton model directory: its config, the highest version's ONNX file, labels. */
export async function readTritonModel(modelDir: string): Promise<TritonModel> {
  const cfgPath = join(modelDir, 'config.pbtxt');
  let cfg: PbMessage;
  try {
    cfg = parsePbtxt(await readFile(cfgPath, 'utf8'));
  } catch (e) {
    throw new Error(`${cfgPath}: ${(e as Error).message}`);
  }
  const dirName = basename(modelDir);
  const name = (one(cfg, 'name') as string | undefined) ?? dirName;
  if (name !== dirName)
    throw new Error(
      `${cfgPath}: name "${name}" differs from its directory '${dirName}' (Triton requires them equal)`,
    );
  const platform = one(cfg, 'platform');
  const backend = one(cfg, 'backend');
  if (
    (platform !== undefined && platform !== 'onnxruntime_onnx') ||
    (backend !== undefined && backend !== 'onnxruntime')
  )
    throw new Error(
      `${cfgPath}: platform ${JSON.stringify(platform ?? backend)} is not ONNX; this server runs onnxruntime_onnx models only`,
    );
  const file = (one(cfg, 'default_model_filename') as string | undefined) ?? 'model.onnx';
  if (!isPlainFileName(file))
    throw new Error(
      `${cfgPath}: default_model_filename "${file}" must be a file name inside the version directory`,
    );
  const versions = readdirSync(modelDir)
    .filter((d) => /^\d+$/.test(d) && existsSync(join(modelDir, d, file)))
    .map(Number)
    .sort((a, b) => b - a);
  if (versions.length === 0)
    throw new Error(`${modelDir} has no version directory with a ${file} (e.g. 1/${file})`);
  const maxBatch = Number(one(cfg, 'max_batch_size') ?? 0);
  if (!Number.isSafeInteger(maxBatch) || maxBatch < 0)
    throw new Error(`${cfgPath}: max_batch_size must be an integer >= 0`);
  const db = one(cfg, 'dynamic_batching') as PbMessage | undefined;
  const delay = db ? Number(one(db, 'max_queue_delay_microseconds') ?? 0) : 0;
  const groups = (cfg.instance_group ?? []) as PbMessage[];
  const instances =
    groups.length > 0 ? groups.reduce((a, g) => a + Number(one(g, 'count') ?? 1), 0) : undefined;
  let labels: string[] | undefined;
  for (const o of (cfg.output ?? []) as PbMessage[]) {
    const lf = one(o, 'label_filename') as string | undefined;
    if (lf !== undefined && !isPlainFileName(lf))
      throw new Error(`${cfgPath}: label_filename "${lf}" must be a file name inside the model directory`);
    if (lf) {
      const text = await readFile(join(modelDir, lf), 'utf8');
      labels = text.split(/\r?\n/).filter((l, i, a) => l !== '' || i < a.length - 1);
    }
  }
  const modelPath = join(modelDir, String(versions[0]), file);
  checkAgainstOnnx(cfg, cfgPath, readOnnxInfo(new Uint8Array(await readFile(modelPath))), maxBatch);
  return {
    name,
    version: String(versions[0]),
    modelPath,
    maxBatchSize: maxBatch,
    windowMs: delay / 1000,
    instances,
    labels,
  };
}

/** The config's inputs and outputs must name the ONNX graph's, with the same types and dims. */
function checkAgainstOnnx(
  cfg: PbMessage,
  cfgPath: string,
  info: ReturnType<typeof readOnnxInfo>,
  maxBatch: number,
) {
  for (const [field, list] of [
    ['input', info.inputs],
    ['output', info.outputs],
  ] as const) {
    for (const t of (cfg[field] ?? []) as PbMessage[]) {
      const n = one(t, 'name');
      const g = list.find((x) => x.name === n);
      if (!g)
        throw new Error(
          `${cfgPath}: ${field} "${n}" is not in the ONNX graph (${field}s: ${list.map((x) => x.name).join(', ')})`,
        );
      const dt = one(t, 'data_type');
      if (dt !== undefined && dt !== TRITON_TYPE[g.datatype])
        throw new Error(
          `${cfgPath}: ${field} "${n}" is ${dt}, the ONNX graph has ${TRITON_TYPE[g.datatype]}`,
        );
      const dims = (t.dims ?? []) as number[];
      const want = maxBatch > 0 ? g.shape.slice(1) : g.shape;
      if (maxBatch > 0 && g.shape[0] !== -1)
        throw new Error(
          `${cfgPath}: max_batch_size ${maxBatch} needs a dynamic first dimension in ${field} "${n}"`,
        );
      const ok =
        dims.length === want.length && dims.every((d, i) => d === -1 || want[i] === -1 || d === want[i]);
      if (!ok)
        throw new Error(
          `${cfgPath}: ${field} "${n}" has dims [${dims.join(', ')}], the ONNX graph [${want.join(', ')}]${maxBatch > 0 ? ' after the batch dimension' : ''}`,
        );
    }
  }
}
