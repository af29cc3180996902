/**
 * Reads `metadata_props` (ModelProto field 14: StringStringEntryProto { key = 1, value = 2 }) from
 * ONNX bytes with a minimal protobuf walker, so `predict` can find the class names and the input
 * normalisation the exporter stored. Unknown fields are skipped by wire type.
 */
export function readOnnxMetadata(bytes: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  const dec = new TextDecoder();
  let p = 0;
  const varint = (): number => {
    let r = 0;
    let mul = 1;
    for (;;) {
      if (p >= bytes.length) throw new Error('truncated varint');
      const b = bytes[p++];
      r += (b & 0x7f) * mul;
      if (b < 0x80) return r;
      mul *= 128;
    }
  };
  const entry = (start: number, end: number) => {
    let key = '';
    let value = '';
    const save = p;
    p = start;
    while (p < end) {
      const tag = varint();
      const field = Math.floor(tag / 8);
      if ((tag & 7) !== 2) throw new Error('bad metadata entry');
      const len = varint();
      const s = dec.decode(bytes.subarray(p, p + len));
      p += len;
      if (field === 1) key = s;
      else if (field === 2) value = s;
    }
    p = save;
    out[key] = value;
  };
  while (p < bytes.length) {
    const tag = varint();
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (wire === 0) varint();
    else if (wire === 1) p += 8;
    else if (wire === 5) p += 4;
    else if (wire === 2) {
      const len = varint();
      if (p + len > bytes.length) throw new Error('truncated field');
      if (field === 14) entry(p, p + len);
      p += len;
    } else throw new Error(`unsupported wire type ${wire}`);
  }
  return out;
}
