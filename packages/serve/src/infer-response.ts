/**
 * Builds the `$inference_response`: JSON tensors, or binary tensors after the JSON header when the
 * client asked for them (binary tensor data extension), and Triton's classification extension
 * (the top-k classes of a score vector as "score:index[:label]" BYTES strings).
 */
import type { NumericArray } from './datatypes';
import { HttpError } from './errors';
import type { InferRequest } from './infer-request';
import type { ModelSpec } from './model-spec';

/** One output tensor of one request (already sliced out of its batch). */
export interface OutputTensor {
  data: NumericArray;
  dims: number[];
}

export interface EncodedResponse {
  /** The JSON body, or the JSON header when `binary` is non-empty. */
  json: string;
  /** Binary tensors in output order; empty for a JSON-only answer. */
  binary: Uint8Array[];
}

function toNumbers(a: NumericArray): number[] {
  if (a instanceof BigInt64Array || a instanceof BigUint64Array) return Array.from(a, Number);
  return Array.from(a as ArrayLike<number>);
}

/** Indices of the k largest values of `row`, largest first (ties: lower index first). */
export function topKIndices(row: ArrayLike<number>, k: number): number[] {
  const idx: number[] = [];
  for (let i = 0; i < row.length; i++) {
    // Insertion into a sorted list of at most k: O(n k), k is small.
    let j = idx.length;
    while (j > 0 && row[idx[j - 1]] < row[i]) j--;
    if (j < k) {
      idx.splice(j, 0, i);
      if (idx.length > k) idx.pop();
    }
  }
  return idx;
}

function classify(
  t: OutputTensor,
  k: number,
  labels: string[] | undefined,
): { dims: number[]; strings: string[] } {
  const classes = t.dims[t.dims.length - 1];
  const rows = t.dims.length === 2 ? t.dims[0] : 1;
  const values = toNumbers(t.data);
  const strings: string[] = [];
  const kk = Math.min(k, classes);
  for (let r = 0; r < rows; r++) {
    const row = values.slice(r * classes, (r + 1) * classes);
    for (const i of topKIndices(row, kk))
      strings.push(`${row[i].toFixed(6)}:${i}${labels?.[i] !== undefined ? `:${labels[i]}` : ''}`);
  }
  return { dims: t.dims.length === 2 ? [rows, kk] : [kk], strings };
}

function bytesTensor(strings: string[]): Uint8Array {
  const enc = strings.map((s) => Buffer.from(s, 'utf8'));
  const out = Buffer.alloc(enc.reduce((a, b) => a + 4 + b.length, 0));
  let p = 0;
  for (const b of enc) {
    out.writeUInt32LE(b.length, p);
    b.copy(out, p + 4);
    p += 4 + b.length;
  }
  return out;
}

function rawBytes(a: NumericArray): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** Encodes the answer to `req` from the model's outputs for it. */
export function encodeInferResponse(
  model: ModelSpec,
  req: InferRequest,
  results: Record<string, OutputTensor>,
): EncodedResponse {
  const outputs: Record<string, unknown>[] = [];
  const binary: Uint8Array[] = [];
  for (const o of req.outputs) {
    const t = results[o.name];
    const info = model.outputs.find((x) => x.name === o.name)!;
    if (t.data instanceof Float32Array || t.data instanceof Float64Array) {
      const bad = t.data.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0)
        throw new HttpError(500, `the model produced ${t.data[bad]} in output '${o.name}' (element ${bad})`);
    }
    let datatype: string = info.datatype;
    let shape = t.dims;
    let json: unknown[] | undefined;
    let bin: Uint8Array | undefined;
    if (o.classification !== undefined) {
      const c = classify(t, o.classification, model.labels);
      datatype = 'BYTES';
      shape = c.dims;
      if (o.binary) bin = bytesTensor(c.strings);
      else json = c.strings;
    } else if (o.binary) bin = rawBytes(t.data);
    else json = info.datatype === 'BOOL' ? toNumbers(t.data).map((v) => v !== 0) : toNumbers(t.data);
    const entry: Record<string, unknown> = { name: o.name, datatype, shape };
    if (bin) {
      entry.parameters = { binary_data_size: bin.length };
      binary.push(bin);
    } else entry.data = json;
    outputs.push(entry);
  }
  const body: Record<string, unknown> = { model_name: model.name, model_version: model.version };
  if (req.id !== undefined) body.id = req.id;
  body.outputs = outputs;
  return { json: JSON.stringify(body), binary };
}
