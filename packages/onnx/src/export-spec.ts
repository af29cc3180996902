/**
 * From a validated export graph to ONNX bytes: graph input/output declarations, the optional Softmax
 * head, opset/IR version and metadata_props.
 */
import { ShapeError } from '@rectifier/tensor';
import type { ExportGraph } from './export-graph';
import { foldBatchNorm } from './fold-batch-norm';
import { GraphBuilder } from './graph-builder';
import { lowerGraph, type Value } from './lower';
import { DataType, encodeModel, type OnnxDim } from './onnx-model';
import { checkOpset, DEFAULT_OPSET, irVersionFor } from './opset';
import { fmt } from './shapes';
import { VERSION } from './version';

/** Options of {@link exportOnnx}. */
export interface ExportOptions {
  /**
   * Shape of one example input INCLUDING the batch dimension, e.g. `[1, 3, 224, 224]` (NCHW).
   * Spatial sizes are fixed in the exported model (the SPP windows depend on them).
   */
  inputShape: readonly number[];
  /** Default-domain opset, 13..21 (default 17, IR version 8). */
  opset?: number;
  /** Declare the batch dimension symbolic (`'batch'`) so any batch size can be fed (default false). */
  dynamicBatch?: boolean;
  /** Graph input/output names (default `input` / `output`). */
  names?: { input?: string; output?: string };
  /** Append Softmax over the last axis, so the model outputs probabilities (default false). */
  softmax?: boolean;
  /** Extra metadata_props entries (string values; the keys of {@link METADATA_KEYS} are the exporter's). */
  metadata?: Record<string, string>;
  /** Graph name (default `rectifier`). */
  graphName?: string;
  /**
   * Merge every eval-mode BatchNorm that directly follows a convolution into the convolution's
   * weight and bias (no BatchNormalization node there; the conv gains a bias). Default false: BN
   * exports as BatchNormalization with its running statistics.
   */
  foldBatchNorm?: boolean;
}

/** Metadata keys written by the exporter. */
export const METADATA_KEYS = {
  producer: 'rectifier.producer',
  version: 'rectifier.version',
  options: 'rectifier.options',
  model: 'rectifier.model',
  /** the module tree with every layer's options, as `Module.toString()` prints it (PyTorch-style) */
  architecture: 'rectifier.architecture',
} as const;

const OPTION_KEYS = [
  'inputShape',
  'opset',
  'dynamicBatch',
  'names',
  'softmax',
  'metadata',
  'graphName',
  'foldBatchNorm',
];

/** Validates options; returns them with defaults filled in. */
export function resolveOptions(options: ExportOptions) {
  if (options === null || typeof options !== 'object')
    throw new Error(`exportOnnx: options must be an object with inputShape, got ${String(options)}`);
  // A misspelt key (dynamic_batch for dynamicBatch) would otherwise be ignored without a word.
  for (const k of Object.keys(options))
    if (!OPTION_KEYS.includes(k))
      throw new Error(`exportOnnx: unknown option '${k}' (allowed: ${OPTION_KEYS.join(', ')})`);
  for (const k of Object.keys(options.names ?? {}))
    if (k !== 'input' && k !== 'output')
      throw new Error(`exportOnnx: unknown key 'names.${k}' (allowed: input, output)`);
  const { inputShape } = options;
  if (
    !Array.isArray(inputShape) ||
    inputShape.length < 2 ||
    !inputShape.every((d) => Number.isInteger(d) && d > 0)
  ) {
    throw new ShapeError(
      `exportOnnx: inputShape must list positive integers including the batch dimension, e.g. [1, 3, 224, 224]; got ${JSON.stringify(inputShape)}`,
    );
  }
  const opset = options.opset ?? DEFAULT_OPSET;
  checkOpset(opset);
  const input = options.names?.input ?? 'input';
  const output = options.names?.output ?? 'output';
  if (!input || !output || input === output) {
    throw new TypeError(`exportOnnx: names.input and names.output must be distinct, non-empty strings`);
  }
  const metadata = options.metadata ?? {};
  for (const [k, v] of Object.entries(metadata)) {
    if ((Object.values(METADATA_KEYS) as string[]).includes(k)) {
      throw new TypeError(
        `exportOnnx: metadata key '${k}' is written by the exporter itself; choose another key`,
      );
    }
    if (typeof v !== 'string') throw new TypeError(`exportOnnx: metadata value for '${k}' must be a string`);
  }
  return {
    inputShape: [...inputShape],
    opset,
    dynamicBatch: options.dynamicBatch ?? false,
    input,
    output,
    softmax: options.softmax ?? false,
    metadata,
    graphName: options.graphName ?? 'rectifier',
    foldBatchNorm: checkFlag('foldBatchNorm', options.foldBatchNorm),
  };
}

function checkFlag(name: string, v: unknown): boolean {
  if (v !== undefined && typeof v !== 'boolean')
    throw new TypeError(`exportOnnx: ${name} must be a boolean, got ${JSON.stringify(v)}`);
  return v ?? false;
}

/**
 * Lowers `model` (the export graph) and serializes the model. `modelName` is recorded in metadata (e.g. the class name),
 * and `architecture` (the module tree with each layer's options) when given.
 */
export function exportSpec(
  model: ExportGraph,
  options: ExportOptions,
  modelName: string,
  architecture?: string,
): Uint8Array {
  const o = resolveOptions(options);
  const g = new GraphBuilder(o.opset);
  g.reserve(o.input, 'input');
  const graphToLower = o.foldBatchNorm ? foldBatchNorm(model).graph : model;
  let y: Value = lowerGraph(g, graphToLower, { name: o.input, shape: o.inputShape });
  if (o.softmax) {
    y = { name: g.node('Softmax', [y.name], { axis: { type: 'int', value: -1 } }, '')[0], shape: y.shape };
  }
  if (y.name === o.input) y = { ...y, name: g.node('Identity', [y.name], {}, '')[0] };
  g.renameLastOutput(y.name, o.output);

  const batch: OnnxDim = o.dynamicBatch ? 'batch' : o.inputShape[0];
  const dims = (shape: readonly number[]): OnnxDim[] => [batch, ...shape.slice(1)];
  const recorded = {
    inputShape: o.inputShape,
    opset: o.opset,
    dynamicBatch: o.dynamicBatch,
    softmax: o.softmax,
    names: { input: o.input, output: o.output },
    ...(o.foldBatchNorm ? { foldBatchNorm: true } : {}),
  };
  const graph = g.build(
    o.graphName,
    [{ name: o.input, elemType: DataType.FLOAT, dims: dims(o.inputShape) }],
    [{ name: o.output, elemType: DataType.FLOAT, dims: dims(y.shape) }],
    `${modelName} exported by rectifier ${VERSION}: input ${fmt(dims(o.inputShape))} -> output ${fmt(dims(y.shape))}`,
  );
  return encodeModel({
    irVersion: irVersionFor(o.opset),
    opsetImports: [{ domain: '', version: o.opset }],
    producerName: 'rectifier',
    producerVersion: VERSION,
    graph,
    metadata: [
      { key: METADATA_KEYS.producer, value: 'rectifier' },
      { key: METADATA_KEYS.version, value: VERSION },
      { key: METADATA_KEYS.model, value: modelName },
      { key: METADATA_KEYS.options, value: JSON.stringify(recorded) },
      ...(architecture === undefined ? [] : [{ key: METADATA_KEYS.architecture, value: architecture }]),
      ...Object.entries(o.metadata).map(([key, value]) => ({ key, value })),
    ],
  });
}
