/**
 * What the server needs to know about an ONNX model before any session exists: its graph inputs and
 * outputs (names, element types, shapes with -1 for symbolic dimensions) and `metadata_props`.
 * Read straight from the protobuf wire format (ModelProto -> GraphProto -> ValueInfoProto), skipping
 * the weights by length, so a 700 MB model costs one pass over its bytes and no copies.
 */
import { type Datatype, datatypeFromOnnx } from './datatypes';

/** One graph input or output, as the Open Inference Protocol's `$metadata_tensor` describes it. */
export interface TensorInfo {
  name: string;
  datatype: Datatype;
  /** -1 for a symbolic (dynamic) dimension. */
  shape: number[];
}

export interface OnnxInfo {
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  /** `metadata_props` as key -> value. */
  metadata: Record<string, string>;
}

/** A protobuf field: wire type 0 (varint) carries `value`, wire type 2 (bytes) the range [start, end). */
interface Field {
  field: number;
  wire: number;
  value: number;
  start: number;
  end: number;
}

function* fields(bytes: Uint8Array, from: number, to: number): Generator<Field> {
  let p = from;
  const varint = (): number => {
    let r = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (p >= to) throw new Error('truncated varint');
      const b = bytes[p++];
      r += (b & 0x7f) * mul;
      if (b < 0x80) return r;
      mul *= 128;
    }
    throw new Error('varint longer than 10 bytes');
  };
  while (p < to) {
    const tag = varint();
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (field === 0) throw new Error('field number 0');
    if (wire === 0) {
      const value = varint();
      yield { field, wire, value, start: p, end: p };
    } else if (wire === 1 || wire === 5) {
      const n = wire === 1 ? 8 : 4;
      if (p + n > to) throw new Error('truncated fixed-width field');
      p += n;
    } else if (wire === 2) {
      const len = varint();
      if (len > to - p) throw new Error('truncated length-delimited field');
      yield { field, wire, value: len, start: p, end: p + len };
      p += len;
    } else throw new Error(`unsupported wire type ${wire}`);
  }
}

const utf8 = new TextDecoder();

function readString(bytes: Uint8Array, f: Field): string {
  return utf8.decode(bytes.subarray(f.start, f.end));
}

/** TensorShapeProto.Dimension: dim_value (1) or dim_param (2); a missing or symbolic dimension is -1. */
function readDim(bytes: Uint8Array, s: number, e: number): number {
  for (const f of fields(bytes, s, e)) if (f.field === 1 && f.wire === 0) return f.value;
  return -1;
}

/** ValueInfoProto { name = 1; type = 2 } with TypeProto.tensor_type (1) { elem_type = 1; shape = 2 }. */
function readValueInfo(bytes: Uint8Array, s: number, e: number): TensorInfo {
  let name = '';
  let elemType = 0;
  let shape: number[] | undefined;
  for (const f of fields(bytes, s, e)) {
    if (f.field === 1 && f.wire === 2) name = readString(bytes, f);
    else if (f.field === 2 && f.wire === 2) {
      for (const t of fields(bytes, f.start, f.end)) {
        if (t.field !== 1 || t.wire !== 2) continue;
        for (const tt of fields(bytes, t.start, t.end)) {
          if (tt.field === 1 && tt.wire === 0) elemType = tt.value;
          else if (tt.field === 2 && tt.wire === 2) {
            shape = [];
            for (const d of fields(bytes, tt.start, tt.end))
              if (d.field === 1 && d.wire === 2) shape.push(readDim(bytes, d.start, d.end));
          }
        }
      }
    }
  }
  if (!shape) throw new Error(`graph value '${name}' has no tensor shape`);
  return { name, datatype: datatypeFromOnnx(elemType, name), shape };
}

/**
 * Reads the graph inputs and outputs and the metadata of an ONNX model. Inputs that are also
 * initializers (IR < 4 lists weights as inputs) are left out.
 * @throws Error with a one-line reason when the bytes are not an ONNX model.
 */
export function readOnnxInfo(bytes: Uint8Array): OnnxInfo {
  const metadata: Record<string, string> = {};
  const inputs: TensorInfo[] = [];
  const outputs: TensorInfo[] = [];
  const initializers = new Set<string>();
  let graphSeen = false;
  for (const f of fields(bytes, 0, bytes.length)) {
    if (f.field === 14 && f.wire === 2) {
      let key = '';
      let value = '';
      for (const kv of fields(bytes, f.start, f.end)) {
        if (kv.field === 1 && kv.wire === 2) key = readString(bytes, kv);
        else if (kv.field === 2 && kv.wire === 2) value = readString(bytes, kv);
      }
      metadata[key] = value;
    } else if (f.field === 7 && f.wire === 2) {
      graphSeen = true;
      for (const g of fields(bytes, f.start, f.end)) {
        if (g.wire !== 2) continue;
        if (g.field === 11) inputs.push(readValueInfo(bytes, g.start, g.end));
        else if (g.field === 12) outputs.push(readValueInfo(bytes, g.start, g.end));
        else if (g.field === 5) {
          for (const t of fields(bytes, g.start, g.end))
            if (t.field === 8 && t.wire === 2) initializers.add(readString(bytes, t));
        }
      }
    }
  }
  if (!graphSeen) throw new Error('no graph in the file (not an ONNX ModelProto)');
  const realInputs = inputs.filter((i) => !initializers.has(i.name));
  if (realInputs.length === 0) throw new Error('the graph has no inputs');
  if (outputs.length === 0) throw new Error('the graph has no outputs');
  return { inputs: realInputs, outputs, metadata };
}
