/**
 * IDX files (MNIST, Fashion-MNIST): magic `0x00 0x00 <type> <ndims>`, ndims big-endian uint32 sizes,
 * then the data big-endian. Browser-safe parsing; gzip is handled by {@link decodeIdx}
 * (DecompressionStream) or the Node reader `readIdxFile`.
 */

const TYPES: Record<number, { name: IdxType; bytes: number }> = {
  8: { name: 'uint8', bytes: 1 },
  9: { name: 'int8', bytes: 1 },
  11: { name: 'int16', bytes: 2 },
  12: { name: 'int32', bytes: 4 },
  13: { name: 'float32', bytes: 4 },
  14: { name: 'float64', bytes: 8 },
};

/** Element types an IDX file can hold. */
export type IdxType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

/** A parsed IDX array. */
export interface IdxArray {
  type: IdxType;
  shape: number[];
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

/** Whether bytes start with the gzip magic 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Parses an uncompressed IDX buffer, validating the magic, the dimension count and that the data
 * length matches the product of the sizes exactly.
 * @param name used in error messages (e.g. the file path)
 * @example parseIdx(bytes).shape // [60000, 28, 28]
 */
export function parseIdx(bytes: Uint8Array, name = 'IDX data'): IdxArray {
  if (isGzip(bytes)) throw new Error(`${name}: data is gzip-compressed; use decodeIdx or readIdxFile`);
  if (bytes.length < 4) throw new Error(`${name}: ${bytes.length} bytes is too short for an IDX header`);
  if (bytes[0] !== 0 || bytes[1] !== 0)
    throw new Error(
      `${name}: bad IDX magic ${Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ')} (expected 00 00 <type> <ndims>)`,
    );
  const t = TYPES[bytes[2]];
  if (!t) throw new Error(`${name}: unknown IDX element type 0x${bytes[2].toString(16)}`);
  const ndims = bytes[3];
  if (ndims < 1) throw new Error(`${name}: IDX header declares 0 dimensions`);
  const headerLen = 4 + 4 * ndims;
  if (bytes.length < headerLen)
    throw new Error(
      `${name}: truncated IDX header (${ndims} dims need ${headerLen} bytes, have ${bytes.length})`,
    );
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  let count = 1;
  for (let i = 0; i < ndims; i++) {
    const d = dv.getUint32(4 + 4 * i, false);
    shape.push(d);
    count *= d;
  }
  const expected = headerLen + count * t.bytes;
  if (bytes.length !== expected)
    throw new Error(
      `${name}: IDX shape [${shape.join(', ')}] of ${t.name} needs ${count * t.bytes} data bytes after the ${headerLen}-byte header, found ${bytes.length - headerLen} (${bytes.length < expected ? 'truncated' : 'trailing data'})`,
    );
  const body = bytes.subarray(headerLen);
  let data: IdxArray['data'];
  switch (t.name) {
    case 'uint8':
      data = body.slice();
      break;
    case 'int8':
      data = new Int8Array(body.slice().buffer);
      break;
    default: {
      // Multi-byte types are big-endian on disk.
      const bdv = new DataView(body.buffer, body.byteOffset, body.byteLength);
      const Ctor = { int16: Int16Array, int32: Int32Array, float32: Float32Array, float64: Float64Array }[
        t.name
      ];
      const arr = new Ctor(count);
      for (let i = 0; i < count; i++) {
        const o = i * t.bytes;
        arr[i] =
          t.name === 'int16'
            ? bdv.getInt16(o)
            : t.name === 'int32'
              ? bdv.getInt32(o)
              : t.name === 'float32'
                ? bdv.getFloat32(o)
                : bdv.getFloat64(o);
      }
      data = arr;
    }
  }
  return { type: t.name, shape, data };
}

/**
 * Parses IDX bytes, gunzipping first when they start with the gzip magic (uses the standard
 * `DecompressionStream`, present in browsers and Node >= 18).
 */
export async function decodeIdx(bytes: Uint8Array, name = 'IDX data'): Promise<IdxArray> {
  if (!isGzip(bytes)) return parseIdx(bytes, name);
  let raw: Uint8Array;
  try {
    const stream = new Blob([bytes as Uint8Array<ArrayBuffer>])
      .stream()
      .pipeThrough(new DecompressionStream('gzip'));
    raw = new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (e) {
    throw new Error(`${name}: gzip data is corrupt or truncated (${(e as Error).message})`);
  }
  return parseIdx(raw, name);
}

/**
 * Checks that an images file and a labels file belong together: images [N, ...] and labels [N].
 * @returns N
 */
export function checkIdxPair(images: IdxArray, labels: IdxArray, name = 'IDX pair'): number {
  if (labels.shape.length !== 1)
    throw new Error(`${name}: labels must be 1-D, got shape [${labels.shape.join(', ')}]`);
  if (images.shape.length < 2)
    throw new Error(`${name}: images must have >= 2 dims, got [${images.shape.join(', ')}]`);
  if (images.shape[0] !== labels.shape[0])
    throw new Error(`${name}: ${images.shape[0]} images but ${labels.shape[0]} labels`);
  return labels.shape[0];
}

/**
 * Converts IDX images [N, H, W] (or [N, H, W, C]) of uint8 to NCHW float32 with
 * `(x * scale - mean) / std` (defaults: scale 1/255, mean 0, std 1, i.e. [0, 1]); HWC channels are
 * moved to CHW. The usual MNIST normalisation is `{ mean: 0.1307, std: 0.3081 }`.
 * @returns the data and its shape [N, C, H, W]
 * @example const { data, shape } = idxImagesToFloat32(readIdxFile(path)); // shape [60000, 1, 28, 28]
 */
export function idxImagesToFloat32(
  images: IdxArray,
  opts: { scale?: number; mean?: number; std?: number } = {},
): { data: Float32Array; shape: [number, number, number, number] } {
  const { scale = 1 / 255, mean = 0, std = 1 } = opts;
  const s = images.shape;
  if (s.length !== 3 && s.length !== 4)
    throw new Error(`idxImagesToFloat32: images must be [N, H, W] or [N, H, W, C], got [${s.join(', ')}]`);
  const [n, h, w] = s;
  const c = s.length === 4 ? s[3] : 1;
  const src = images.data;
  const out = new Float32Array(n * c * h * w);
  const a = scale / std;
  const b = -mean / std;
  const plane = h * w;
  for (let i = 0; i < n; i++)
    for (let p = 0; p < plane; p++)
      for (let k = 0; k < c; k++) out[(i * c + k) * plane + p] = src[(i * plane + p) * c + k] * a + b;
  return { data: out, shape: [n, c, h, w] };
}
