/**
 * Plain-object description of the ONNX `ModelProto` subset Rectifier writes, and its encoder.
 * Field numbers follow onnx/onnx.proto (proto2); see {@link encodeModel}.
 */
import { float32Bytes, int64Bytes, ProtoWriter } from './protobuf';

/** ONNX `TensorProto.DataType` values used here. */
export const DataType = { FLOAT: 1, INT64: 7 } as const;
export type ElemType = (typeof DataType)[keyof typeof DataType];

/** An initializer (constant tensor). float32 data or int64 values. */
export type OnnxTensor =
  | { name: string; dims: readonly number[]; dataType: typeof DataType.FLOAT; data: Float32Array }
  | { name: string; dims: readonly number[]; dataType: typeof DataType.INT64; data: readonly number[] };

/** A node attribute with its ONNX type made explicit (1.0 must stay a FLOAT, 1 an INT). */
export type OnnxAttribute =
  | { name: string; type: 'float'; value: number }
  | { name: string; type: 'int'; value: number }
  | { name: string; type: 'string'; value: string }
  | { name: string; type: 'floats'; value: readonly number[] }
  | { name: string; type: 'ints'; value: readonly number[] };

export interface OnnxNode {
  name: string;
  opType: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attributes: readonly OnnxAttribute[];
  docString?: string;
}

/** A dimension: a fixed size, or a symbolic name such as `'batch'`. */
export type OnnxDim = number | string;

export interface OnnxValueInfo {
  name: string;
  elemType: ElemType;
  dims: readonly OnnxDim[];
}

export interface OnnxGraph {
  name: string;
  nodes: readonly OnnxNode[];
  initializers: readonly OnnxTensor[];
  inputs: readonly OnnxValueInfo[];
  outputs: readonly OnnxValueInfo[];
  valueInfo?: readonly OnnxValueInfo[];
  docString?: string;
}

export interface OnnxModel {
  irVersion: number;
  opsetImports: readonly { domain: string; version: number }[];
  producerName: string;
  producerVersion: string;
  modelVersion?: number;
  docString?: string;
  graph: OnnxGraph;
  metadata: readonly { key: string; value: string }[];
}

const ATTR_TYPE = { float: 1, int: 2, string: 3, floats: 6, ints: 7 } as const;

function encodeTensor(t: OnnxTensor): ProtoWriter {
  const w = new ProtoWriter();
  // TensorProto: dims = 1 (unpacked int64; parsers accept both forms), data_type = 2, name = 8,
  // raw_data = 9 (fixed-width little-endian, as the spec requires)
  for (const d of t.dims) w.int(1, d);
  w.int(2, t.dataType);
  w.string(8, t.name);
  w.bytes(9, t.dataType === DataType.FLOAT ? float32Bytes(t.data) : int64Bytes(t.data));
  return w;
}

function encodeAttribute(a: OnnxAttribute): ProtoWriter {
  // AttributeProto: name = 1, f = 2, i = 3, s = 4, floats = 7, ints = 8, type = 20
  const w = new ProtoWriter().string(1, a.name);
  switch (a.type) {
    case 'float':
      w.float(2, a.value);
      break;
    case 'int':
      w.int(3, a.value);
      break;
    case 'string':
      w.bytes(4, new TextEncoder().encode(a.value));
      break;
    case 'floats':
      for (const v of a.value) w.float(7, v);
      break;
    case 'ints':
      for (const v of a.value) w.int(8, v);
      break;
  }
  w.int(20, ATTR_TYPE[a.type]);
  return w;
}

function encodeNode(n: OnnxNode): ProtoWriter {
  // NodeProto: input = 1, output = 2, name = 3, op_type = 4, attribute = 5, doc_string = 6
  const w = new ProtoWriter();
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, n.name).string(4, n.opType);
  for (const a of n.attributes) w.message(5, encodeAttribute(a));
  if (n.docString) w.string(6, n.docString);
  return w;
}

function encodeValueInfo(v: OnnxValueInfo): ProtoWriter {
  // ValueInfoProto{name=1, type=2}; TypeProto{tensor_type=1}; TypeProto.Tensor{elem_type=1, shape=2};
  // TensorShapeProto{dim=1}; Dimension{dim_value=1 | dim_param=2}
  const shape = new ProtoWriter();
  for (const d of v.dims) {
    const dim = new ProtoWriter();
    if (typeof d === 'number') dim.int(1, d);
    else dim.string(2, d);
    shape.message(1, dim);
  }
  const tensorType = new ProtoWriter().int(1, v.elemType).message(2, shape);
  const type = new ProtoWriter().message(1, tensorType);
  return new ProtoWriter().string(1, v.name).message(2, type);
}

function encodeGraph(g: OnnxGraph): ProtoWriter {
  // GraphProto: node = 1, name = 2, initializer = 5, doc_string = 10, input = 11, output = 12, value_info = 13
  const w = new ProtoWriter();
  for (const n of g.nodes) w.message(1, encodeNode(n));
  w.string(2, g.name);
  for (const t of g.initializers) w.message(5, encodeTensor(t));
  if (g.docString) w.string(10, g.docString);
  for (const i of g.inputs) w.message(11, encodeValueInfo(i));
  for (const o of g.outputs) w.message(12, encodeValueInfo(o));
  for (const v of g.valueInfo ?? []) w.message(13, encodeValueInfo(v));
  return w;
}

/** Protobuf's hard limit on a message (ONNX Runtime refuses larger files without external data). */
export const MAX_PROTO_BYTES = 2 ** 31 - 1;

/**
 * Serializes a model to ONNX protobuf bytes.
 * ModelProto: ir_version = 1, producer_name = 2, producer_version = 3, model_version = 5,
 * doc_string = 6, graph = 7, opset_import = 8, metadata_props = 14.
 * Throws when the result would exceed `limit` bytes (default: protobuf's 2 GiB).
 */
export function encodeModel(m: OnnxModel, limit = MAX_PROTO_BYTES): Uint8Array {
  const w = new ProtoWriter();
  w.int(1, m.irVersion);
  w.string(2, m.producerName).string(3, m.producerVersion);
  if (m.modelVersion !== undefined) w.int(5, m.modelVersion);
  if (m.docString) w.string(6, m.docString);
  w.message(7, encodeGraph(m.graph));
  for (const o of m.opsetImports) w.message(8, new ProtoWriter().string(1, o.domain).int(2, o.version));
  for (const e of m.metadata) w.message(14, new ProtoWriter().string(1, e.key).string(2, e.value));
  if (w.size > limit) {
    throw new RangeError(
      `exportOnnx: the model needs ${w.size} bytes, over the ${limit}-byte protobuf limit (ONNX external data is not supported)`,
    );
  }
  return w.finish();
}
