import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { float32Bytes, int64Bytes, ProtoWriter } from './protobuf';

// protobufjs's Writer is an independent encoder: the hand-written one must produce the same bytes.
describe('ProtoWriter', () => {
  it('encodes varint fields like protobufjs (0, 1, 127, 128, 2^31, 2^53-1, negatives as int64)', () => {
    const values = [
      0,
      1,
      127,
      128,
      300,
      16383,
      16384,
      2 ** 31,
      2 ** 32 + 5,
      Number.MAX_SAFE_INTEGER,
      -1,
      -2,
      -300,
    ];
    for (const v of values) {
      const mine = new ProtoWriter().int(3, v).finish();
      const ref = protobuf.Writer.create()
        .uint32((3 << 3) | 0)
        .int64(v)
        .finish();
      expect(Array.from(mine), `value ${v}`).toEqual(Array.from(ref));
    }
  });

  it('encodes float, string, bytes and nested messages like protobufjs', () => {
    const inner = new ProtoWriter().string(1, 'héllo').float(2, 0.1);
    const big = new Uint8Array(5000).map((_, i) => i % 251);
    const mine = new ProtoWriter().message(7, inner).bytes(9, big).packedInts(8, [1, 300, 5]).finish();

    const refInner = protobuf.Writer.create()
      .uint32((1 << 3) | 2)
      .string('héllo')
      .uint32((2 << 3) | 5)
      .float(0.1)
      .finish();
    const ref = protobuf.Writer.create()
      .uint32((7 << 3) | 2)
      .bytes(refInner)
      .uint32((9 << 3) | 2)
      .bytes(big)
      .uint32((8 << 3) | 2)
      .fork()
      .int64(1)
      .int64(300)
      .int64(5)
      .ldelim()
      .finish();
    expect(Array.from(mine)).toEqual(Array.from(ref));
  });

  it('keeps large payloads by reference until finish and reports the exact size', () => {
    const w = new ProtoWriter().bytes(1, new Uint8Array(2000)).string(2, 'x');
    expect(w.size).toBe(w.finish().length);
    expect(w.size).toBe(1 + 2 + 2000 + 1 + 1 + 1);
  });

  it('rejects non-integer varints', () => {
    expect(() => new ProtoWriter().int(1, 1.5)).toThrow(/not a safe integer/);
  });

  it('writes little-endian float32 and int64 payloads', () => {
    const f = float32Bytes(new Float32Array([1, -2.5]));
    const dv = new DataView(f.buffer, f.byteOffset, f.byteLength);
    expect([dv.getFloat32(0, true), dv.getFloat32(4, true)]).toEqual([1, -2.5]);
    const i = int64Bytes([-1, 2 ** 40]);
    const iv = new DataView(i.buffer);
    expect([iv.getBigInt64(0, true), iv.getBigInt64(8, true)]).toEqual([-1n, 2n ** 40n]);
  });
});
