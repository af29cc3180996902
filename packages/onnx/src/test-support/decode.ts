/**
 * Independent decoder for the exporter's output: protobufjs 8 reading the onnx.proto subset in
 * fixtures/. Nothing here shares code with the hand-written encoder in src/.
 */
import { readFileSync } from 'node:fs';
import protobuf from 'protobufjs';

const source = readFileSync(new URL('./fixtures/onnx-subset.proto', import.meta.url), 'utf8');
const ModelProto = protobuf.parse(source, { keepCase: true }).root.lookupType('onnx.ModelProto');

export interface DecodedTensor {
  name: string;
  dims: number[];
  data_type: number;
  raw_data?: Uint8Array;
}
export interface DecodedAttribute {
  name: string;
  type: string;
  f?: number;
  i?: number;
  s?: Uint8Array;
  ints?: number[];
  floats?: number[];
}
export interface DecodedNode {
  name: string;
  op_type: string;
  input: string[];
  output: string[];
  attribute?: DecodedAttribute[];
}
export interface DecodedValueInfo {
  name: string;
  type: { tensor_type: { elem_type: number; shape: { dim: { dim_value?: number; dim_param?: string }[] } } };
}
export interface DecodedModel {
  ir_version: number;
  producer_name: string;
  producer_version: string;
  opset_import: { domain?: string; version: number }[];
  metadata_props?: { key: string; value: string }[];
  graph: {
    name: string;
    node: DecodedNode[];
    initializer: DecodedTensor[];
    input: DecodedValueInfo[];
    output: DecodedValueInfo[];
  };
}

/** Decodes ONNX bytes into plain objects (int64 as number, enums as names). */
export function decodeModel(bytes: Uint8Array): DecodedModel {
  const msg = ModelProto.decode(bytes);
  return ModelProto.toObject(msg, {
    longs: Number,
    enums: String,
    bytes: Uint8Array as any,
    defaults: false,
    arrays: true,
  }) as DecodedModel;
}

/** Re-encodes a (possibly edited) decoded model with protobufjs: used to build deliberately wrong variants. */
export function encodeDecoded(model: DecodedModel): Uint8Array {
  return ModelProto.encode(ModelProto.fromObject(model)).finish();
}

/** The float32 values of a decoded initializer. */
export function floatData(t: DecodedTensor): Float32Array {
  const raw = t.raw_data!;
  return new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
}

/** The int64 values of a decoded initializer, as numbers. */
export function int64Data(t: DecodedTensor): number[] {
  const raw = t.raw_data!;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  return Array.from({ length: raw.byteLength / 8 }, (_, i) => Number(view.getBigInt64(i * 8, true)));
}

/** Shape of a graph input/output: numbers, or the symbolic name for dynamic dims. */
export function valueShape(v: DecodedValueInfo): (number | string)[] {
  return v.type.tensor_type.shape.dim.map((d) => d.dim_param ?? (d.dim_value as number));
}

/** Attributes of a node as a name -> value record. */
export function attributes(n: DecodedNode): Record<string, number | number[] | string> {
  const out: Record<string, number | number[] | string> = {};
  for (const a of n.attribute ?? []) {
    if (a.type === 'INT') out[a.name] = a.i ?? 0;
    else if (a.type === 'FLOAT') out[a.name] = a.f ?? 0;
    else if (a.type === 'INTS') out[a.name] = a.ints ?? [];
    else if (a.type === 'FLOATS') out[a.name] = a.floats ?? [];
    else if (a.type === 'STRING') out[a.name] = new TextDecoder().decode(a.s);
  }
  return out;
}
