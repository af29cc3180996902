/**
 * Parses and checks an Open Inference Protocol `$inference_request` against the served model: JSON
 * tensors (flat or nested `data`) and the binary tensor data extension (JSON header of
 * `Inference-Header-Content-Length` bytes, then the raw little-endian tensors in input order).
 * Every way a request can be wrong is a 400 with a message naming the field and what is allowed.
 */
import {
  ARRAY_OF,
  type Datatype,
  elementSize,
  INT_RANGE,
  isNumeric,
  type NumericArray,
  type NumericDatatype,
} from './datatypes';
import { badRequest } from './errors';
import type { ModelSpec } from './model-spec';

/** One checked input tensor. */
export interface InputTensor {
  name: string;
  datatype: NumericDatatype;
  shape: number[];
  data: NumericArray;
}

/** How one requested output is to be returned. */
export interface OutputRequest {
  name: string;
  binary: boolean;
  /** Triton's classification extension: return the top `classification` classes as strings. */
  classification?: number;
}

export interface InferRequest {
  id?: string;
  /** Samples in the request (the first dimension), 1 for a model without a batch dimension. */
  batch: number;
  inputs: InputTensor[];
  outputs: OutputRequest[];
}

const FP32_MAX = 3.4028234663852886e38;

type Json = unknown;

function isObject(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkParameters(where: string, p: Json): Record<string, Json> {
  if (p === undefined) return {};
  if (!isObject(p)) throw badRequest(`${where}.parameters must be an object of name: value pairs`);
  for (const [k, v] of Object.entries(p))
    if (!['string', 'number', 'boolean'].includes(typeof v))
      throw badRequest(`${where}.parameters.${k} must be a string, number or boolean`);
  return p;
}

function checkShape(where: string, shape: Json): number[] {
  if (!Array.isArray(shape)) throw badRequest(`${where}.shape must be an array of integers >= 0`);
  if (shape.length > 16) throw badRequest(`${where}.shape has ${shape.length} dimensions (at most 16)`);
  for (const d of shape)
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0)
      throw badRequest(`${where}.shape must be an array of integers >= 0, got ${JSON.stringify(shape)}`);
  return shape as number[];
}

/**
 * Copies JSON `data` (flat or nested arrays) into a typed array of exactly `count` elements,
 * checking each element's type and range. Stops at the first extra element, so a huge array costs no
 * more than the expected size.
 */
function jsonData(where: string, datatype: NumericDatatype, count: number, data: Json): NumericArray {
  if (!Array.isArray(data)) throw badRequest(`${where}.data must be an array (flat or nested)`);
  const out = new ARRAY_OF[datatype](count);
  const big = datatype === 'INT64' || datatype === 'UINT64';
  const range = INT_RANGE[datatype];
  const isBool = datatype === 'BOOL';
  const isFloat = datatype === 'FP32' || datatype === 'FP64';
  let n = 0;
  const bad = (v: Json) =>
    badRequest(
      `${where}.data has ${JSON.stringify(v)} where the datatype ${datatype} needs ${
        isBool ? 'true or false' : isFloat ? 'a number' : `an integer in [${range![0]}, ${range![1]}]`
      }`,
    );
  // An explicit stack instead of recursion: nesting depth is bounded by the array, not the call stack.
  const stack: { a: Json[]; i: number }[] = [{ a: data, i: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top.i >= top.a.length) {
      stack.pop();
      continue;
    }
    const v = top.a[top.i++];
    if (Array.isArray(v)) {
      if (stack.length >= 32) throw badRequest(`${where}.data is nested more than 32 levels deep`);
      stack.push({ a: v, i: 0 });
      continue;
    }
    if (n >= count) throw badRequest(`${where}.data has more than the ${count} elements its shape holds`);
    if (isBool) {
      if (typeof v !== 'boolean') throw bad(v);
      out[n++] = v ? 1 : 0;
    } else if (typeof v !== 'number') throw bad(v);
    else if (isFloat) {
      if (datatype === 'FP32' && Math.abs(v) > FP32_MAX) throw bad(v);
      out[n++] = v;
    } else {
      if (!Number.isInteger(v) || v < range![0] || v > range![1]) throw bad(v);
      out[n++] = big ? (BigInt(v) as unknown as number) : v;
    }
  }
  if (n !== count) throw badRequest(`${where}.data has ${n} elements, its shape needs ${count}`);
  return out;
}

function binaryData(
  where: string,
  datatype: NumericDatatype,
  count: number,
  bytes: Uint8Array,
): NumericArray {
  const size = elementSize(datatype);
  if (bytes.length !== count * size)
    throw badRequest(
      `${where}: binary_data_size is ${bytes.length} bytes, its shape and ${datatype} need ${count * size}`,
    );
  // Copied into a fresh, aligned buffer (the body slice may start at any byte offset).
  const out = new ARRAY_OF[datatype](count);
  new Uint8Array(out.buffer).set(bytes);
  if (datatype === 'FP32' || datatype === 'FP64') {
    for (let i = 0; i < count; i++)
      if (!Number.isFinite(out[i] as number))
        throw badRequest(`${where}: element ${i} is ${out[i]}; inputs must be finite`);
  } else if (datatype === 'BOOL') {
    for (let i = 0; i < count; i++)
      if ((out[i] as number) > 1) throw badRequest(`${where}: BOOL bytes must be 0 or 1`);
  }
  return out;
}

/**
 * Splits a request body into its JSON header and binary part. `headerLength` is the
 * `Inference-Header-Content-Length` header (absent for a JSON-only request).
 */
export function splitBody(
  body: Uint8Array,
  headerLength: string | undefined,
): { json: Json; binary: Uint8Array } {
  let jsonBytes = body;
  let binary = body.subarray(body.length);
  if (headerLength !== undefined) {
    const n = Number(headerLength);
    if (!/^\d+$/.test(headerLength) || n > body.length)
      throw badRequest(
        `Inference-Header-Content-Length must be an integer between 0 and the body length ${body.length}, got '${headerLength}'`,
      );
    jsonBytes = body.subarray(0, n);
    binary = body.subarray(n);
  }
  let json: Json;
  try {
    json = JSON.parse(Buffer.from(jsonBytes.buffer, jsonBytes.byteOffset, jsonBytes.length).toString('utf8'));
  } catch (e) {
    throw badRequest(`the request body is not valid JSON: ${(e as Error).message}`);
  }
  return { json, binary };
}

/** Checks `json` (and the binary part) against `model`; the result is ready for the batcher. */
export function parseInferRequest(json: Json, binary: Uint8Array, model: ModelSpec): InferRequest {
  if (!isObject(json)) throw badRequest('the request body must be a JSON object with an "inputs" array');
  for (const k of Object.keys(json))
    if (!['id', 'parameters', 'inputs', 'outputs', 'model_name', 'model_version'].includes(k))
      throw badRequest(`unknown field '${k}' in the request (allowed: id, parameters, inputs, outputs)`);
  const id = json.id;
  if (id !== undefined && typeof id !== 'string') throw badRequest('"id" must be a string');
  const params = checkParameters('request', json.parameters);
  const binaryAll = params.binary_data_output;
  if (binaryAll !== undefined && typeof binaryAll !== 'boolean')
    throw badRequest('parameters.binary_data_output must be true or false');

  if (!Array.isArray(json.inputs) || json.inputs.length === 0)
    throw badRequest(
      `"inputs" must be a non-empty array; the model takes ${model.inputs.map((i) => `'${i.name}'`).join(', ')}`,
    );
  const inputs: InputTensor[] = [];
  let offset = 0;
  let batch: number | undefined;
  const batched = model.maxBatchSize > 0;
  for (const [k, raw] of json.inputs.entries()) {
    let where = `inputs[${k}]`;
    if (!isObject(raw)) throw badRequest(`${where} must be an object with name, shape, datatype and data`);
    if (typeof raw.name !== 'string') throw badRequest(`${where}.name must be a string`);
    where = `input '${raw.name}'`;
    const info = model.inputs.find((i) => i.name === raw.name);
    if (!info)
      throw badRequest(
        `unknown input '${raw.name}'; the model takes ${model.inputs.map((i) => `'${i.name}'`).join(', ')}`,
      );
    if (inputs.some((i) => i.name === raw.name)) throw badRequest(`input '${raw.name}' is given twice`);
    for (const key of Object.keys(raw))
      if (!['name', 'shape', 'datatype', 'parameters', 'data'].includes(key))
        throw badRequest(
          `${where} has unknown field '${key}' (allowed: name, shape, datatype, parameters, data)`,
        );
    if (raw.datatype !== info.datatype)
      throw badRequest(
        `${where}: datatype ${JSON.stringify(raw.datatype)} does not match the model's ${info.datatype}`,
      );
    const datatype = info.datatype as Datatype;
    if (!isNumeric(datatype))
      throw badRequest(`${where}: datatype ${datatype} is not supported by this server`);
    const shape = checkShape(where, raw.shape);
    const expected = info.shape.map((d, i) => (batched && i === 0 ? -1 : d));
    const fits =
      shape.length === expected.length && shape.every((d, i) => expected[i] === -1 || expected[i] === d);
    if (!fits)
      throw badRequest(
        `${where}: shape ${JSON.stringify(shape)} does not fit the model's ${JSON.stringify(
          info.shape,
        )} (-1 is any size)`,
      );
    if (batched) {
      if (shape[0] < 1 || shape[0] > model.maxBatchSize)
        throw badRequest(
          `${where}: batch size ${shape[0]} is outside [1, ${model.maxBatchSize}] (the server's max batch size)`,
        );
      if (batch !== undefined && shape[0] !== batch)
        throw badRequest(`${where}: batch size ${shape[0]} differs from the other inputs' ${batch}`);
      batch = shape[0];
    }
    const count = shape.reduce((a, b) => a * b, 1);
    const p = checkParameters(where, raw.parameters);
    let data: NumericArray;
    if (p.binary_data_size !== undefined) {
      const size = p.binary_data_size;
      if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0)
        throw badRequest(`${where}.parameters.binary_data_size must be an integer >= 0`);
      if (raw.data !== undefined) throw badRequest(`${where} has both data and binary_data_size`);
      if (offset + size > binary.length)
        throw badRequest(
          `${where}: binary_data_size ${size} runs past the end of the body (${binary.length - offset} binary bytes left)`,
        );
      data = binaryData(where, datatype, count, binary.subarray(offset, offset + size));
      offset += size;
    } else {
      if (raw.data === undefined) throw badRequest(`${where} has no data (nor binary_data_size)`);
      data = jsonData(where, datatype, count, raw.data);
    }
    inputs.push({ name: raw.name, datatype, shape, data });
  }
  if (offset !== binary.length)
    throw badRequest(
      `the body has ${binary.length - offset} binary bytes that no input's binary_data_size accounts for`,
    );
  const missing = model.inputs.filter((i) => !inputs.some((x) => x.name === i.name));
  if (missing.length > 0) throw badRequest(`missing input ${missing.map((i) => `'${i.name}'`).join(', ')}`);
  const outputs = parseOutputs(json.outputs, model, binaryAll === true);
  return { id, batch: batch ?? 1, inputs, outputs };
}

function parseOutputs(raw: Json, model: ModelSpec, binaryAll: boolean): OutputRequest[] {
  if (raw === undefined) return model.outputs.map((o) => ({ name: o.name, binary: binaryAll }));
  if (!Array.isArray(raw)) throw badRequest('"outputs" must be an array of {name, parameters?}');
  const out: OutputRequest[] = [];
  for (const [k, o] of raw.entries()) {
    if (!isObject(o) || typeof o.name !== 'string')
      throw badRequest(`outputs[${k}] must be an object with a string name`);
    const info = model.outputs.find((x) => x.name === o.name);
    if (!info)
      throw badRequest(
        `unknown output '${o.name}'; the model produces ${model.outputs.map((x) => `'${x.name}'`).join(', ')}`,
      );
    if (out.some((x) => x.name === o.name)) throw badRequest(`output '${o.name}' is requested twice`);
    const p = checkParameters(`output '${o.name}'`, o.parameters);
    if (p.binary_data !== undefined && typeof p.binary_data !== 'boolean')
      throw badRequest(`output '${o.name}': parameters.binary_data must be true or false`);
    const req: OutputRequest = { name: o.name, binary: (p.binary_data as boolean | undefined) ?? binaryAll };
    if (p.classification !== undefined) {
      const c = p.classification;
      const classes = info.shape[info.shape.length - 1];
      if (typeof c !== 'number' || !Number.isSafeInteger(c) || c < 1)
        throw badRequest(`output '${o.name}': parameters.classification must be an integer >= 1`);
      const rank = model.maxBatchSize > 0 ? 2 : 1;
      if (info.shape.length !== rank)
        throw badRequest(
          `output '${o.name}': classification needs a vector of scores per sample, the output's shape is ${JSON.stringify(info.shape)}`,
        );
      req.classification = classes > 0 ? Math.min(c, classes) : c;
    }
    out.push(req);
  }
  return out;
}
