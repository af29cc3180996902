/**
 * A minimal protobuf (proto2 wire format) writer: exactly what an ONNX `ModelProto` needs.
 *
 * Wire types used: 0 (varint: int32/int64/enums), 2 (length-delimited: strings, bytes, nested
 * messages, packed repeated scalars), 5 (fixed32: float). Large payloads (tensor `raw_data`) are
 * kept by reference and copied exactly once, in {@link ProtoWriter.finish}, so a model of several
 * hundred MB is not duplicated once per nesting level.
 */

const WIRE_VARINT = 0;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;
/** Byte arrays at least this long are referenced instead of copied into the scratch buffer. */
const BY_REFERENCE = 1024;

const utf8 = new TextEncoder();

/** Builds one protobuf message. Nested messages are separate writers passed to {@link message}. */
export class ProtoWriter {
  private readonly parts: Uint8Array[] = [];
  private scratch = new Uint8Array(256);
  private used = 0;
  private flushedSize = 0;

  /** Encoded size in bytes so far. */
  get size(): number {
    return this.flushedSize + this.used;
  }

  private ensure(n: number): void {
    if (this.used + n <= this.scratch.length) return;
    const next = new Uint8Array(Math.max(this.scratch.length * 2, this.used + n));
    next.set(this.scratch.subarray(0, this.used));
    this.scratch = next;
  }

  private flush(): void {
    if (this.used === 0) return;
    this.parts.push(this.scratch.slice(0, this.used));
    this.flushedSize += this.used;
    this.used = 0;
  }

  private byte(b: number): void {
    this.ensure(1);
    this.scratch[this.used++] = b;
  }

  /** Raw varint. Negative numbers are written as 64-bit two's complement (10 bytes), like int64. */
  private varint(value: number | bigint): void {
    if (typeof value === 'number') {
      if (!Number.isSafeInteger(value))
        throw new RangeError(`protobuf: varint ${value} is not a safe integer`);
      if (value >= 0) {
        while (value > 0x7f) {
          this.byte((value % 0x80) | 0x80);
          value = Math.floor(value / 0x80);
        }
        this.byte(value);
        return;
      }
      value = BigInt(value);
    }
    let v = BigInt.asUintN(64, value);
    while (v > 0x7fn) {
      this.byte(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.byte(Number(v));
  }

  private tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  /** An int32/int64/enum/bool field (wire type 0). */
  int(field: number, value: number | bigint): this {
    this.tag(field, WIRE_VARINT);
    this.varint(value);
    return this;
  }

  /** A `float` field (wire type 5, little-endian IEEE 754 single). */
  float(field: number, value: number): this {
    this.tag(field, WIRE_FIXED32);
    this.ensure(4);
    new DataView(this.scratch.buffer).setFloat32(this.used, value, true);
    this.used += 4;
    return this;
  }

  /** A `string` field, UTF-8 encoded. */
  string(field: number, value: string): this {
    return this.bytes(field, utf8.encode(value));
  }

  /** A `bytes` field. Large arrays are referenced, not copied, until {@link finish}. */
  bytes(field: number, value: Uint8Array): this {
    this.tag(field, WIRE_LEN);
    this.varint(value.length);
    if (value.length >= BY_REFERENCE) {
      this.flush();
      this.parts.push(value);
      this.flushedSize += value.length;
    } else {
      this.ensure(value.length);
      this.scratch.set(value, this.used);
      this.used += value.length;
    }
    return this;
  }

  /** A packed `repeated int64` (or int32) field. */
  packedInts(field: number, values: readonly number[]): this {
    const inner = new ProtoWriter();
    for (const v of values) inner.varint(v);
    return this.message(field, inner);
  }

  /** A packed `repeated float` field. */
  packedFloats(field: number, values: readonly number[]): this {
    const raw = new Uint8Array(values.length * 4);
    const view = new DataView(raw.buffer);
    values.forEach((v, i) => {
      view.setFloat32(i * 4, v, true);
    });
    return this.bytes(field, raw);
  }

  /** A nested message field: the child's parts are adopted by reference. */
  message(field: number, child: ProtoWriter): this {
    child.flush();
    this.tag(field, WIRE_LEN);
    this.varint(child.flushedSize);
    this.flush();
    for (const part of child.parts) this.parts.push(part);
    this.flushedSize += child.flushedSize;
    return this;
  }

  /** The encoded message as one contiguous array (each payload byte copied exactly once). */
  finish(): Uint8Array {
    this.flush();
    const out = new Uint8Array(this.flushedSize);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

/** Little-endian bytes of a float32 array (a view when the platform is little-endian). */
export function float32Bytes(data: Float32Array): Uint8Array {
  const le = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
  if (le) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(data.length * 4);
  const view = new DataView(out.buffer);
  data.forEach((v, i) => {
    view.setFloat32(i * 4, v, true);
  });
  return out;
}

/** Little-endian int64 bytes of integer values (used for shape/axes constants). */
export function int64Bytes(values: readonly number[]): Uint8Array {
  const out = new Uint8Array(values.length * 8);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => {
    view.setBigInt64(i * 8, BigInt(v), true);
  });
  return out;
}
