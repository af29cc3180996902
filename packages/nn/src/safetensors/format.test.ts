import { describe, expect, it } from 'vitest';
import { decodeSafetensors, encodeSafetensors, halfToFloat, MAX_HEADER_BYTES } from './format';

/** Builds a file by hand from a header object and a data section, as the spec describes it. */
function rawFile(header: unknown, data: Uint8Array = new Uint8Array(0), headerLength?: bigint): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, headerLength ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

describe('safetensors format', () => {
  it('writes the spec layout: u64 LE header length, JSON header padded to 8 bytes, LE data', () => {
    const bytes = encodeSafetensors(
      {
        b: { dtype: 'F32', shape: [2], data: new Float32Array([1.5, -2]) },
        a: { dtype: 'I32', shape: [1, 1], data: new Int32Array([7]) },
      },
      { format: 'pt' },
    );
    const view = new DataView(bytes.buffer);
    const n = Number(view.getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    // F32 before I32 (the reference writer's dtype order), then by name
    expect(header).toEqual({
      __metadata__: { format: 'pt' },
      b: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
      a: { dtype: 'I32', shape: [1, 1], data_offsets: [8, 12] },
    });
    expect(bytes.length).toBe(8 + n + 12);
    expect(view.getFloat32(8 + n, true)).toBe(1.5);
    expect(view.getFloat32(8 + n + 4, true)).toBe(-2);
    expect(view.getInt32(8 + n + 8, true)).toBe(7);
  });

  it('orders by element size so every offset is aligned, and round-trips', () => {
    const tensors = {
      x32: { dtype: 'F32' as const, shape: [3], data: new Float32Array([1, 2, 3]) },
      x64: { dtype: 'F64' as const, shape: [2, 1], data: new Float64Array([Math.PI, -0]) },
      empty: { dtype: 'F32' as const, shape: [0, 4], data: new Float32Array(0) },
      scalar: { dtype: 'F64' as const, shape: [], data: new Float64Array([5]) },
    };
    const dec = decodeSafetensors(encodeSafetensors(tensors));
    expect(Object.keys(dec.tensors)).toEqual(['scalar', 'x64', 'empty', 'x32']);
    expect(dec.tensors.x64.data).toEqual(new Float64Array([Math.PI, -0]));
    expect(dec.tensors.x64.shape).toEqual([2, 1]);
    expect(dec.tensors.empty.shape).toEqual([0, 4]);
    expect(dec.tensors.scalar.data).toEqual(new Float64Array([5]));
    expect(dec.metadata).toEqual({});
  });

  it('reads F16 and BF16 (widened to float32)', () => {
    const data = new Uint8Array(12);
    const v = new DataView(data.buffer);
    for (const [i, h] of [0x3c00, 0xc000, 0x0001, 0x7c00].entries()) v.setUint16(2 * i, h, true); // 1, -2, 2^-24, inf
    for (const [i, h] of [0x3f80, 0xc0a0].entries()) v.setUint16(8 + 2 * i, h, true); // 1, -5
    const dec = decodeSafetensors(
      rawFile(
        {
          h: { dtype: 'F16', shape: [4], data_offsets: [0, 8] },
          b: { dtype: 'BF16', shape: [2], data_offsets: [8, 12] },
        },
        data,
      ),
    );
    expect(Array.from(dec.tensors.h.data)).toEqual([1, -2, 2 ** -24, Number.POSITIVE_INFINITY]);
    expect(Array.from(dec.tensors.b.data)).toEqual([1, -5]);
    expect(halfToFloat(0x7e00)).toBeNaN();
    expect(halfToFloat(0x3555)).toBeCloseTo(0.333, 3);
  });

  it("reads I64 (PyTorch's num_batches_tracked) as int32 when every value fits", () => {
    const d = new Uint8Array(16);
    const v = new DataView(d.buffer);
    v.setBigInt64(0, 7n, true);
    v.setBigInt64(8, -3n, true);
    const t = decodeSafetensors(rawFile({ n: { dtype: 'I64', shape: [2], data_offsets: [0, 16] } }, d))
      .tensors.n;
    expect(t.dtype).toBe('I64');
    expect(t.data).toEqual(new Int32Array([7, -3]));
    v.setBigInt64(8, 2n ** 40n, true);
    expect(() =>
      decodeSafetensors(rawFile({ n: { dtype: 'I64', shape: [2], data_offsets: [0, 16] } }, d)),
    ).toThrow("safetensors: 'n': I64 value 1099511627776 at index 1 does not fit in int32");
  });

  it('rejects malformed files with clear errors', () => {
    const ok = { t: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } };
    const d8 = new Uint8Array(8);
    const cases: [Uint8Array, RegExp][] = [
      [new Uint8Array(5), /file too short: 5 bytes/],
      [rawFile(ok, d8, 10_000n), /header length 10000 exceeds the file/],
      [rawFile(ok, d8, BigInt(MAX_HEADER_BYTES) + 1n), /exceeds the 16777216-byte limit/],
      [rawFile(ok, d8, 2n ** 63n), /exceeds the 16777216-byte limit/],
      [rawFile('[1, 2]'), /header must be a JSON object/],
      [rawFile('{"t": '), /header is not valid UTF-8 JSON/],
      [rawFile({ t: { dtype: 'Q8', shape: [2], data_offsets: [0, 8] } }, d8), /'t': unknown dtype 'Q8'/],
      [
        rawFile({ t: { dtype: 'constructor', shape: [2], data_offsets: [0, 8] } }, d8),
        /'t': unknown dtype 'constructor'/,
      ],
      [
        rawFile({ t: { dtype: 'U64', shape: [1], data_offsets: [0, 8] } }, d8),
        /'t': dtype U64 is not supported/,
      ],
      [
        rawFile({ t: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, d8),
        /'t': F32 \[3\] needs 12 bytes but data_offsets \[0, 8\] hold 8/,
      ],
      [
        rawFile({ t: { dtype: 'F32', shape: [-2], data_offsets: [0, 8] } }, d8),
        /shape must be an array of non-negative integers/,
      ],
      [
        rawFile({ t: { dtype: 'F32', shape: [2], data_offsets: [0] } }, d8),
        /data_offsets must be \[begin, end\]/,
      ],
      [rawFile({ t: { dtype: 'F32', shape: [2], data_offsets: [8, 0] } }, d8), /end before they begin/],
      [rawFile(ok, new Uint8Array(4)), /exceed the data section \(4 bytes\); the file is truncated/],
      [rawFile(ok, new Uint8Array(12)), /the tensors cover 8 bytes but the data section has 12/],
      [
        rawFile(
          {
            a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
            b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
          },
          new Uint8Array(12),
        ),
        /'b': data_offsets \[4, 12\] overlap the previous tensor/,
      ],
      [
        rawFile(
          {
            a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
            b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] },
          },
          new Uint8Array(12),
        ),
        /'b': data_offsets \[8, 12\] leave a gap after byte 4/,
      ],
      [rawFile({ __metadata__: { epoch: 3 } }), /__metadata__ 'epoch' must be a string/],
      [rawFile({ t: 'x' }), /'t': entry must be an object/],
      // JSON.parse makes '__proto__' an own key; copying it into a plain object would drop the tensor
      [
        rawFile('{"__proto__": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}', d8),
        /'__proto__' cannot be a tensor name/,
      ],
    ];
    for (const [bytes, re] of cases) expect(() => decodeSafetensors(bytes)).toThrow(re);
    expect(() => decodeSafetensors('abc' as never)).toThrow(/expected a Uint8Array/);
  });

  it('the writer validates its input', () => {
    expect(() => encodeSafetensors({ t: { dtype: 'F32', shape: [3], data: new Float32Array(2) } })).toThrow(
      /shape \[3\] \(3 elements\) but 2 values/,
    );
    expect(() => encodeSafetensors({ t: { dtype: 'F16', shape: [1], data: new Float32Array(1) } })).toThrow(
      /only F32, F64 and I32 can be written/,
    );
    expect(() => encodeSafetensors({ t: { dtype: 'F64', shape: [1], data: new Float32Array(1) } })).toThrow(
      /is F64 but its data is a Float32Array/,
    );
    expect(() =>
      encodeSafetensors({ __metadata__: { dtype: 'F32', shape: [0], data: new Float32Array(0) } }),
    ).toThrow(/reserved/);
    const proto = {}; // an own enumerable '__proto__' key, as JSON.parse would make
    Object.defineProperty(proto, '__proto__', {
      value: { dtype: 'F32', shape: [1], data: new Float32Array(1) },
      enumerable: true,
    });
    expect(() => encodeSafetensors(proto)).toThrow(/'__proto__' cannot be a tensor name/);
    expect(() => encodeSafetensors({}, { epoch: 3 as never })).toThrow(/metadata 'epoch' must be a string/);
  });
});
