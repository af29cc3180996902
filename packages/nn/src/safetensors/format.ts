/**
 * The safetensors file format (https://github.com/huggingface/safetensors), written from its
 * specification, on raw typed arrays (no tensor package needed):
 *
 *   [8 bytes: N, little-endian u64][N bytes: JSON header, UTF-8, may end in spaces][data]
 *
 * The header maps names to `{ dtype, shape, data_offsets: [begin, end] }` (offsets relative to the data
 * section) plus an optional `__metadata__` string-to-string map. Data is little-endian, row-major.
 * Reading validates everything before returning anything: header size within the file and under
 * 16 MiB, nesting at most 3 deep, at most 100,000 keys per object and no duplicate key (header.ts),
 * a JSON object, known dtypes, integer shapes, byte ranges matching shape x dtype size, ranges in
 * bounds, contiguous, without overlap and covering the data section exactly (the reference
 * implementation's rules).
 */

import { checkHeaderStructure, checkNoDuplicateKeys, MAX_HEADER_BYTES } from './header';

export { MAX_HEADER_BYTES, MAX_HEADER_DEPTH, MAX_HEADER_KEYS } from './header';

/**
 * dtypes this package writes (F32, F64, I32) and also reads (plus F16 and BF16, widened to float32, and
 * I64, narrowed to int32 when every value fits: PyTorch's `num_batches_tracked` of BatchNorm).
 */
export type SafetensorsDType = 'F32' | 'F64' | 'I32' | 'F16' | 'BF16' | 'I64';

/** One tensor as raw data. F16/BF16/I64 are only produced by reading (decoded to a Float32Array / Int32Array). */
export interface RawTensor {
  readonly dtype: SafetensorsDType;
  readonly shape: readonly number[];
  readonly data: Float32Array | Float64Array | Int32Array;
}

/** A decoded file. */
export interface DecodedSafetensors {
  /** tensors in file order (ascending data offsets) */
  readonly tensors: Record<string, RawTensor>;
  readonly metadata: Record<string, string>;
}

const BYTES: Record<SafetensorsDType, number> = { F64: 8, F32: 4, I32: 4, F16: 2, BF16: 2, I64: 8 };
/** Order of the reference implementation's dtype enum (writers sort by it, descending, then by name). */
const RANK: Record<SafetensorsDType, number> = { F16: 1, BF16: 2, I32: 3, F32: 4, F64: 5, I64: 6 };
/** dtypes of the spec we recognise but cannot represent; reading them throws a clear error */
const KNOWN_UNSUPPORTED = [
  'BOOL',
  'U8',
  'I8',
  'I16',
  'U16',
  'U32',
  'U64',
  'F8_E5M2',
  'F8_E4M3',
  'F8_E8M0',
  'F4',
  'F6_E2M3',
  'F6_E3M2',
  'C64',
];

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function fail(msg: string): never {
  throw new Error(`safetensors: ${msg}`);
}

function checkName(name: string): void {
  if (name === '__metadata__') fail("'__metadata__' is reserved and cannot be a tensor name");
  if (name === '') fail('tensor names must be non-empty');
  checkProto(name);
}

/**
 * '__proto__' as a key of a plain object sets its prototype instead of adding an entry, so such a tensor
 * would silently vanish (or alter lookups): rejected on both sides.
 */
function checkProto(name: string): void {
  if (name === '__proto__') fail("'__proto__' cannot be a tensor name");
}

/**
 * Serialises tensors (F32, F64 or I32) and string metadata into safetensors bytes. Tensors are laid
 * out as the reference writer does: F64, then F32, then I32, each group by name, so every offset is
 * aligned to its element size; the header is padded with spaces to a multiple of 8 bytes. Without
 * metadata the bytes equal the reference implementation's (tested against a fixture it wrote).
 *
 * @example
 * const bytes = encodeSafetensors({ 'fc.weight': { dtype: 'F32', shape: [2, 2], data: new Float32Array(4) } }, { format: 'pt' });
 */
export function encodeSafetensors(
  tensors: Record<string, RawTensor>,
  metadata?: Record<string, string>,
): Uint8Array {
  if (tensors === null || typeof tensors !== 'object') fail('encode: expected an object of tensors');
  const entries = Object.entries(tensors);
  for (const [name, t] of entries) {
    checkName(name);
    if (t === null || typeof t !== 'object') fail(`encode: '${name}' is not a tensor`);
    if (t.dtype !== 'F32' && t.dtype !== 'F64' && t.dtype !== 'I32') {
      fail(`encode: '${name}' has dtype ${String(t.dtype)}; only F32, F64 and I32 can be written`);
    }
    const expected = t.dtype === 'F32' ? Float32Array : t.dtype === 'F64' ? Float64Array : Int32Array;
    if (!(t.data instanceof expected))
      fail(`encode: '${name}' is ${t.dtype} but its data is a ${t.data?.constructor?.name}`);
    if (!Array.isArray(t.shape) || t.shape.some((d) => !Number.isInteger(d) || d < 0)) {
      fail(`encode: '${name}' has an invalid shape ${JSON.stringify(t.shape)}`);
    }
    const numel = t.shape.reduce((a, b) => a * b, 1);
    if (numel !== t.data.length)
      fail(
        `encode: '${name}' has shape [${t.shape.join(', ')}] (${numel} elements) but ${t.data.length} values`,
      );
  }
  if (metadata !== undefined) {
    if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata))
      fail('encode: metadata must be an object of strings');
    for (const [k, v] of Object.entries(metadata))
      if (typeof v !== 'string') fail(`encode: metadata '${k}' must be a string, got ${typeof v}`);
  }
  entries.sort(([an, a], [bn, b]) => RANK[b.dtype] - RANK[a.dtype] || (an < bn ? -1 : an > bn ? 1 : 0));

  const header: Record<string, unknown> = {};
  if (metadata !== undefined && Object.keys(metadata).length > 0) header.__metadata__ = { ...metadata };
  let offset = 0;
  for (const [name, t] of entries) {
    const bytes = t.data.length * BYTES[t.dtype];
    header[name] = { dtype: t.dtype, shape: [...t.shape], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let pos = 8 + json.length;
  for (const [, t] of entries) {
    writeLE(view, pos, t);
    pos += t.data.length * BYTES[t.dtype];
  }
  return out;
}

function writeLE(view: DataView, pos: number, t: RawTensor): void {
  const d = t.data;
  if (littleEndian) {
    new Uint8Array(view.buffer, pos, d.byteLength).set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
    return;
  }
  for (let i = 0; i < d.length; i++) {
    if (t.dtype === 'F32') view.setFloat32(pos + 4 * i, d[i], true);
    else if (t.dtype === 'F64') view.setFloat64(pos + 8 * i, d[i], true);
    else view.setInt32(pos + 4 * i, d[i], true);
  }
}

/**
 * Parses safetensors bytes. Every check runs before any tensor is decoded, so a malformed file
 * throws (with the reason and the tensor name) and returns nothing partially. Data is copied out of
 * `bytes`. F16 and BF16 are widened to Float32Array (dtype kept as read).
 *
 * @example
 * const { tensors, metadata } = decodeSafetensors(bytes);
 */
export function decodeSafetensors(bytes: Uint8Array): DecodedSafetensors {
  if (!(bytes instanceof Uint8Array))
    fail(`expected a Uint8Array, got ${bytes === null ? 'null' : typeof bytes}`);
  if (bytes.length < 8) fail(`file too short: ${bytes.length} bytes, the 8-byte header length is missing`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n64 = view.getBigUint64(0, true);
  if (n64 > BigInt(MAX_HEADER_BYTES)) fail(`header length ${n64} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  const n = Number(n64);
  if (8 + n > bytes.length)
    fail(`header length ${n} exceeds the file (${bytes.length - 8} bytes after the length field)`);
  if (n === 0) fail('empty header');
  // depth and keys per object, before decoding or parsing allocates anything
  const keysInText = checkHeaderStructure(bytes.subarray(8, 8 + n));
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
  } catch (e) {
    fail(`header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    fail(`header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header))
    fail('header must be a JSON object');
  checkNoDuplicateKeys(bytes.subarray(8, 8 + n), header, keysInText);
  const dataStart = 8 + n;
  const dataLen = bytes.length - dataStart;

  let metadata: Record<string, string> = {};
  const specs: { name: string; dtype: SafetensorsDType; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
        fail('__metadata__ must be an object of strings');
      for (const [k, v] of Object.entries(raw))
        if (typeof v !== 'string') fail(`__metadata__ '${k}' must be a string`);
      metadata = { ...(raw as Record<string, string>) };
      continue;
    }
    checkProto(name);
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
      fail(`'${name}': entry must be an object`);
    // other fields are ignored, as the reference reader does
    const { dtype, shape, data_offsets: off } = raw as Record<string, unknown>;
    if (typeof dtype !== 'string') fail(`'${name}': missing dtype`);
    // own keys only: 'toString' or 'constructor' are on Object.prototype
    if (!Object.hasOwn(BYTES, dtype)) {
      if (KNOWN_UNSUPPORTED.includes(dtype))
        fail(`'${name}': dtype ${dtype} is not supported (readable: F32, F64, I32, I64, F16, BF16)`);
      fail(`'${name}': unknown dtype '${dtype}'`);
    }
    if (!Array.isArray(shape) || shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
      fail(`'${name}': shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
    }
    if (!Array.isArray(off) || off.length !== 2 || off.some((o) => !Number.isSafeInteger(o) || o < 0)) {
      fail(`'${name}': data_offsets must be [begin, end] non-negative integers, got ${JSON.stringify(off)}`);
    }
    const [begin, end] = off as [number, number];
    if (end < begin) fail(`'${name}': data_offsets [${begin}, ${end}] end before they begin`);
    const numel = (shape as number[]).reduce((a, b) => a * b, 1);
    const expected = numel * BYTES[dtype as SafetensorsDType];
    if (end - begin !== expected) {
      fail(
        `'${name}': ${dtype} [${(shape as number[]).join(', ')}] needs ${expected} bytes but data_offsets [${begin}, ${end}] hold ${end - begin}`,
      );
    }
    if (end > dataLen)
      fail(
        `'${name}': data_offsets [${begin}, ${end}] exceed the data section (${dataLen} bytes); the file is truncated`,
      );
    specs.push({ name, dtype: dtype as SafetensorsDType, shape: shape as number[], begin, end });
  }
  specs.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expectedBegin = 0;
  for (const s of specs) {
    if (s.begin < expectedBegin)
      fail(
        `'${s.name}': data_offsets [${s.begin}, ${s.end}] overlap the previous tensor (ends at ${expectedBegin})`,
      );
    if (s.begin > expectedBegin)
      fail(`'${s.name}': data_offsets [${s.begin}, ${s.end}] leave a gap after byte ${expectedBegin}`);
    expectedBegin = s.end;
  }
  if (expectedBegin !== dataLen)
    fail(`the tensors cover ${expectedBegin} bytes but the data section has ${dataLen}`);

  const tensors: Record<string, RawTensor> = {};
  for (const s of specs)
    tensors[s.name] = { dtype: s.dtype, shape: s.shape, data: readData(bytes, dataStart + s.begin, s) };
  return { tensors, metadata };
}

function readData(
  bytes: Uint8Array,
  pos: number,
  s: { name: string; dtype: SafetensorsDType; begin: number; end: number },
) {
  const len = s.end - s.begin;
  const copy = bytes.slice(pos, pos + len); // aligned, owned copy
  const view = new DataView(copy.buffer);
  switch (s.dtype) {
    case 'F32':
      if (littleEndian) return new Float32Array(copy.buffer);
      return Float32Array.from({ length: len / 4 }, (_, i) => view.getFloat32(4 * i, true));
    case 'F64':
      if (littleEndian) return new Float64Array(copy.buffer);
      return Float64Array.from({ length: len / 8 }, (_, i) => view.getFloat64(8 * i, true));
    case 'I32':
      if (littleEndian) return new Int32Array(copy.buffer);
      return Int32Array.from({ length: len / 4 }, (_, i) => view.getInt32(4 * i, true));
    case 'F16':
      return Float32Array.from({ length: len / 2 }, (_, i) => halfToFloat(view.getUint16(2 * i, true)));
    case 'I64': {
      // int64 holds counters (BatchNorm's num_batches_tracked) in PyTorch checkpoints: narrowed to int32
      const out = new Int32Array(len / 8);
      for (let i = 0; i < out.length; i++) {
        const v = view.getBigInt64(8 * i, true);
        if (v > 2147483647n || v < -2147483648n)
          fail(`'${s.name}': I64 value ${v} at index ${i} does not fit in int32`);
        out[i] = Number(v);
      }
      return out;
    }
    case 'BF16': {
      const out = new Float32Array(len / 2);
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < out.length; i++) bits[i] = view.getUint16(2 * i, true) << 16;
      return out;
    }
  }
}

/** IEEE 754 binary16 bits to a number (subnormals, infinities and NaN included). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}
