// An Open Inference Protocol (KServe v2) REST client written from the specification, not from this
// package's server code: it only knows the endpoints, the JSON objects and the binary tensor data
// extension as the protocol documents describe them, and checks every answer against those shapes.
// The tests use it against the server; nothing here imports the server's modules.
import assert from 'node:assert/strict';

/** Datatypes the protocol defines (Tensor Data Types). */
export const SPEC_DATATYPES = [
  'BOOL',
  'UINT8',
  'UINT16',
  'UINT32',
  'UINT64',
  'INT8',
  'INT16',
  'INT32',
  'INT64',
  'FP16',
  'FP32',
  'FP64',
  'BYTES',
];

export interface Answer<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  raw: Buffer;
}

export interface MetadataTensor {
  name: string;
  datatype: string;
  shape: number[];
}

export interface ResponseOutput {
  name: string;
  shape: number[];
  datatype: string;
  parameters?: Record<string, string | number | boolean>;
  data?: unknown[];
}

export interface InferenceResponse {
  model_name: string;
  model_version?: string;
  id?: string;
  parameters?: Record<string, unknown>;
  outputs: ResponseOutput[];
}

const isInt = (v: unknown) => typeof v === 'number' && Number.isInteger(v);

/** `$metadata_tensor`: name, datatype from the table, shape of integers (-1 for variable). */
export function assertMetadataTensor(t: unknown): asserts t is MetadataTensor {
  const o = t as MetadataTensor;
  assert.equal(typeof o.name, 'string', 'metadata tensor name');
  assert.ok(SPEC_DATATYPES.includes(o.datatype), `datatype ${o.datatype} is one of the protocol's`);
  assert.ok(Array.isArray(o.shape) && o.shape.every((d) => isInt(d) && d >= -1), 'shape is integers >= -1');
}

/** Every failed request: an HTTP error status and `{"error": $string}`. */
export function assertErrorObject(a: Answer, status?: number): void {
  assert.ok(a.status >= 400, `an error status, got ${a.status}`);
  if (status !== undefined) assert.equal(a.status, status, `status (body ${a.raw.toString().slice(0, 200)})`);
  assert.match(a.headers.get('content-type') ?? '', /application\/json/);
  const b = a.body as Record<string, unknown>;
  assert.equal(typeof b.error, 'string', 'the body has an "error" string');
  assert.ok((b.error as string).length > 0, 'the error message is not empty');
}

export class OipClient {
  constructor(readonly base: string) {}

  private async request(method: string, path: string, init: RequestInit = {}): Promise<Answer> {
    const res = await fetch(`${this.base}${path}`, { method, ...init });
    const raw = Buffer.from(await res.arrayBuffer());
    let body: unknown = raw;
    const type = res.headers.get('content-type') ?? '';
    if (type.includes('application/json') && raw.length > 0) body = JSON.parse(raw.toString('utf8'));
    return { status: res.status, headers: res.headers, body, raw };
  }

  /** Health: 200 means true, 4xx false (the body, if any, is not part of the required answer). */
  async serverLive(): Promise<boolean> {
    const a = await this.request('GET', '/v2/health/live');
    assert.ok(a.status === 200 || (a.status >= 400 && a.status < 500), `live status ${a.status}`);
    return a.status === 200;
  }

  async serverReady(): Promise<boolean> {
    const a = await this.request('GET', '/v2/health/ready');
    assert.ok(a.status === 200 || (a.status >= 400 && a.status < 500), `ready status ${a.status}`);
    return a.status === 200;
  }

  async modelReady(name: string, version?: string): Promise<Answer> {
    return this.request('GET', `/v2/models/${name}${version ? `/versions/${version}` : ''}/ready`);
  }

  /** `$metadata_server_response`: name, version, extensions (strings). */
  async serverMetadata(): Promise<{ name: string; version: string; extensions: string[] }> {
    const a = await this.request('GET', '/v2');
    assert.equal(a.status, 200);
    const b = a.body as { name: string; version: string; extensions: string[] };
    assert.equal(typeof b.name, 'string');
    assert.equal(typeof b.version, 'string');
    assert.ok(Array.isArray(b.extensions) && b.extensions.every((e) => typeof e === 'string'));
    return b;
  }

  /** `$metadata_model_response` (or the error object, returned for the caller to check). */
  async modelMetadata(name: string, version?: string): Promise<Answer> {
    const a = await this.request('GET', `/v2/models/${name}${version ? `/versions/${version}` : ''}`);
    if (a.status === 200) {
      const b = a.body as Record<string, unknown>;
      assert.equal(typeof b.name, 'string');
      if (b.versions !== undefined)
        assert.ok(Array.isArray(b.versions) && b.versions.every((v) => typeof v === 'string'), 'versions');
      assert.equal(typeof b.platform, 'string');
      assert.ok(Array.isArray(b.inputs) && Array.isArray(b.outputs));
      for (const t of [...(b.inputs as unknown[]), ...(b.outputs as unknown[])]) assertMetadataTensor(t);
    }
    return a;
  }

  /** POST an `$inference_request` as JSON (or any raw body with `rawBody`). */
  async infer(
    name: string,
    request: unknown,
    opts: { version?: string; rawBody?: Buffer | string; headers?: Record<string, string> } = {},
  ): Promise<Answer> {
    const body = opts.rawBody ?? JSON.stringify(request);
    const a = await this.request(
      'POST',
      `/v2/models/${name}${opts.version ? `/versions/${opts.version}` : ''}/infer`,
      {
        body: body as BodyInit,
        headers: { 'content-type': 'application/json', ...opts.headers },
      },
    );
    if (a.status === 200 && !a.headers.get('inference-header-content-length'))
      assertInferenceResponse(a.body);
    return a;
  }

  /**
   * The binary tensor data extension: the JSON header, then each tensor's little-endian bytes in
   * input order; `Inference-Header-Content-Length` gives the header's length.
   */
  async inferBinary(
    name: string,
    header: Record<string, unknown>,
    tensors: Uint8Array[],
  ): Promise<{ answer: Answer; response?: InferenceResponse; binary: Map<string, Buffer> }> {
    const json = Buffer.from(JSON.stringify(header));
    const a = await this.request('POST', `/v2/models/${name}/infer`, {
      body: Buffer.concat([
        json,
        ...tensors.map((t) => Buffer.from(t.buffer, t.byteOffset, t.byteLength)),
      ]) as BodyInit,
      headers: {
        'content-type': 'application/octet-stream',
        'inference-header-content-length': String(json.length),
      },
    });
    const binary = new Map<string, Buffer>();
    if (a.status !== 200) return { answer: a, binary };
    const hlen = a.headers.get('inference-header-content-length');
    const headLen = hlen === null ? a.raw.length : Number(hlen);
    const response = JSON.parse(a.raw.subarray(0, headLen).toString('utf8')) as InferenceResponse;
    assertInferenceResponse(response);
    let p = headLen;
    for (const o of response.outputs) {
      const size = o.parameters?.binary_data_size;
      if (size === undefined) continue;
      assert.ok(isInt(size) && (size as number) >= 0, 'binary_data_size is an integer');
      binary.set(o.name, a.raw.subarray(p, p + (size as number)));
      p += size as number;
    }
    assert.equal(p, a.raw.length, 'the binary sizes account for the whole body');
    return { answer: a, response, binary };
  }

  async get(path: string): Promise<Answer> {
    return this.request('GET', path);
  }

  async post(path: string, body: Buffer | string, headers: Record<string, string> = {}): Promise<Answer> {
    return this.request('POST', path, { body: body as BodyInit, headers });
  }
}

/** `$inference_response`: model_name, optional model_version/id/parameters, outputs. */
export function assertInferenceResponse(b: unknown): asserts b is InferenceResponse {
  const r = b as InferenceResponse;
  assert.equal(typeof r.model_name, 'string', 'model_name');
  if (r.model_version !== undefined) assert.equal(typeof r.model_version, 'string');
  if (r.id !== undefined) assert.equal(typeof r.id, 'string');
  assert.ok(Array.isArray(r.outputs), 'outputs array');
  for (const o of r.outputs) {
    assert.equal(typeof o.name, 'string');
    assert.ok(SPEC_DATATYPES.includes(o.datatype), `output datatype ${o.datatype}`);
    assert.ok(Array.isArray(o.shape) && o.shape.every((d) => isInt(d) && d >= 0), 'output shape');
    const count = o.shape.reduce((x, y) => x * y, 1);
    if (o.parameters?.binary_data_size === undefined) {
      assert.ok(Array.isArray(o.data), 'output data array');
      assert.equal((o.data as unknown[]).flat(o.shape.length).length, count, 'data has shape-many elements');
    }
  }
}
