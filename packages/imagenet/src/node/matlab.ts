/**
 * A minimal reader for MATLAB Level 5 MAT-files (what the ILSVRC2012 devkit's `meta.mat` is): numeric,
 * char, cell and struct arrays, compressed (miCOMPRESSED) or not, little-endian. Enough to read the
 * devkit's `synsets` table (ILSVRC2012_ID -> WNID) without MATLAB or scipy.
 */
import { readFileSync } from 'node:fs';
import { inflateSync } from 'node:zlib';

/** A decoded MATLAB value: numbers (column-major), a string, struct records or cell contents. */
export type MatValue = number[] | string | Record<string, MatValue>[] | MatValue[];

const MI = {
  INT8: 1,
  UINT8: 2,
  INT16: 3,
  UINT16: 4,
  INT32: 5,
  UINT32: 6,
  SINGLE: 7,
  DOUBLE: 9,
  INT64: 12,
  UINT64: 13,
  MATRIX: 14,
  COMPRESSED: 15,
  UTF8: 16,
  UTF16: 17,
  UTF32: 18,
};
const MX = { CELL: 1, STRUCT: 2, OBJECT: 3, CHAR: 4, SPARSE: 5 };

interface Element {
  type: number;
  start: number;
  end: number;
  next: number;
}

class MatError extends Error {}

function tag(dv: DataView, o: number, limit: number, name: string): Element {
  if (o + 8 > limit) throw new MatError(`${name}: truncated data element at byte ${o}`);
  const first = dv.getUint32(o, true);
  if (first >>> 16 !== 0) {
    // Small data element: 2-byte count, 2-byte type, up to 4 bytes of data in the tag itself.
    return { type: first & 0xffff, start: o + 4, end: o + 4 + (first >>> 16), next: o + 8 };
  }
  const n = dv.getUint32(o + 4, true);
  const end = o + 8 + n;
  if (end > limit) throw new MatError(`${name}: data element at byte ${o} claims ${n} bytes past the end`);
  // Compressed elements are not padded; everything else is padded to 8 bytes.
  const next = first === MI.COMPRESSED ? end : o + 8 + Math.ceil(n / 8) * 8;
  return { type: first, start: o + 8, end, next };
}

function numbers(dv: DataView, e: Element, name: string): number[] {
  const sizes: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 2, 5: 4, 6: 4, 7: 4, 9: 8, 12: 8, 13: 8 };
  const size = sizes[e.type];
  if (!size) throw new MatError(`${name}: unsupported numeric data type ${e.type}`);
  const out: number[] = [];
  for (let o = e.start; o + size <= e.end; o += size) {
    switch (e.type) {
      case MI.INT8:
        out.push(dv.getInt8(o));
        break;
      case MI.UINT8:
        out.push(dv.getUint8(o));
        break;
      case MI.INT16:
        out.push(dv.getInt16(o, true));
        break;
      case MI.UINT16:
        out.push(dv.getUint16(o, true));
        break;
      case MI.INT32:
        out.push(dv.getInt32(o, true));
        break;
      case MI.UINT32:
        out.push(dv.getUint32(o, true));
        break;
      case MI.SINGLE:
        out.push(dv.getFloat32(o, true));
        break;
      case MI.DOUBLE:
        out.push(dv.getFloat64(o, true));
        break;
      case MI.INT64:
        out.push(Number(dv.getBigInt64(o, true)));
        break;
      default:
        out.push(Number(dv.getBigUint64(o, true)));
    }
  }
  return out;
}

function chars(dv: DataView, e: Element, name: string): string {
  const bytes = new Uint8Array(dv.buffer, dv.byteOffset + e.start, e.end - e.start);
  if (e.type === MI.UTF8 || e.type === MI.UINT8 || e.type === MI.INT8) return new TextDecoder().decode(bytes);
  if (e.type === MI.UINT16 || e.type === MI.UTF16)
    return String.fromCharCode(...numbers(dv, { ...e, type: MI.UINT16 }, name));
  throw new MatError(`${name}: unsupported char data type ${e.type}`);
}

function matrix(dv: DataView, start: number, end: number, name: string): { name: string; value: MatValue } {
  if (start === end) return { name: '', value: [] }; // empty array element
  const flags = tag(dv, start, end, name);
  const cls = dv.getUint32(flags.start, true) & 0xff;
  const dimsEl = tag(dv, flags.next, end, name);
  const dims = numbers(dv, dimsEl, name);
  const nameEl = tag(dv, dimsEl.next, end, name);
  const varName = new TextDecoder().decode(
    new Uint8Array(dv.buffer, dv.byteOffset + nameEl.start, nameEl.end - nameEl.start),
  );
  const count = dims.reduce((a, d) => a * d, 1);
  let o = nameEl.next;
  const where = varName ? `${name}:${varName}` : name;
  if (cls === MX.CELL || cls === MX.STRUCT) {
    let fields: string[] = [];
    if (cls === MX.STRUCT) {
      const lenEl = tag(dv, o, end, where);
      const len = dv.getInt32(lenEl.start, true);
      const namesEl = tag(dv, lenEl.next, end, where);
      const raw = new Uint8Array(dv.buffer, dv.byteOffset + namesEl.start, namesEl.end - namesEl.start);
      for (let k = 0; k + len <= raw.length; k += len)
        fields.push(new TextDecoder().decode(raw.subarray(k, k + len)).replace(/\0+$/, ''));
      o = namesEl.next;
    }
    const items: MatValue[] = [];
    const records: Record<string, MatValue>[] = [];
    for (let i = 0; i < count; i++) {
      if (cls === MX.CELL) {
        const el = tag(dv, o, end, where);
        if (el.type !== MI.MATRIX)
          throw new MatError(`${where}: cell element is type ${el.type}, expected miMATRIX`);
        items.push(matrix(dv, el.start, el.end, where).value);
        o = el.next;
      } else {
        const rec: Record<string, MatValue> = {};
        for (const f of fields) {
          const el = tag(dv, o, end, where);
          if (el.type !== MI.MATRIX)
            throw new MatError(`${where}.${f}: field is type ${el.type}, expected miMATRIX`);
          rec[f] = matrix(dv, el.start, el.end, `${where}.${f}`).value;
          o = el.next;
        }
        records.push(rec);
      }
    }
    fields = [];
    return { name: varName, value: cls === MX.CELL ? items : records };
  }
  if (cls === MX.CHAR) {
    const dataEl = tag(dv, o, end, where);
    return { name: varName, value: chars(dv, dataEl, where) };
  }
  if (cls === MX.OBJECT || cls === MX.SPARSE)
    throw new MatError(`${where}: MATLAB class ${cls} (object/sparse) is not supported`);
  const dataEl = tag(dv, o, end, where);
  return { name: varName, value: numbers(dv, dataEl, where) };
}

/**
 * Reads the variables of a Level 5 MAT-file.
 * @throws for v7.3 (HDF5) files, big-endian files and unsupported classes, naming the file
 * @example readMat('meta.mat').synsets // struct records
 */
export function readMat(bytes: Uint8Array, name = 'MAT-file'): Record<string, MatValue> {
  if (bytes.length < 128)
    throw new Error(`${name}: ${bytes.length} bytes is too short for a MAT-file header`);
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, 116));
  if (head.startsWith('MATLAB 7.3') || (bytes[0] === 0x89 && bytes[1] === 0x48))
    throw new Error(
      `${name}: MATLAB v7.3 (HDF5) files are not supported; export the ID -> wnid table as text`,
    );
  const endian = String.fromCharCode(bytes[126], bytes[127]);
  if (endian !== 'IM')
    throw new Error(`${name}: not a little-endian Level 5 MAT-file (endian indicator '${endian}')`);
  const vars: Record<string, MatValue> = {};
  try {
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let o = 128;
    while (o < bytes.length) {
      const el = tag(dv, o, bytes.length, name);
      if (el.type === MI.COMPRESSED) {
        const inner = new Uint8Array(inflateSync(bytes.subarray(el.start, el.end)));
        const idv = new DataView(inner.buffer, inner.byteOffset, inner.byteLength);
        const ie = tag(idv, 0, inner.length, name);
        if (ie.type === MI.MATRIX) {
          const m = matrix(idv, ie.start, ie.end, name);
          vars[m.name] = m.value;
        }
      } else if (el.type === MI.MATRIX) {
        const m = matrix(dv, el.start, el.end, name);
        vars[m.name] = m.value;
      }
      o = el.next;
    }
  } catch (e) {
    if (e instanceof MatError) throw new Error(e.message);
    throw new Error(`${name}: corrupt MAT-file (${(e as Error).message})`);
  }
  return vars;
}

/**
 * The ILSVRC2012_ID -> wnid table of the devkit's `meta.mat` (`synsets` records with
 * `ILSVRC2012_ID` and `WNID`; only the 1000 leaf classes, IDs 1..1000, are kept).
 * @example readDevkitMeta('ILSVRC2012_devkit_t12/data/meta.mat').get(1) // 'n02119789'
 */
export function readDevkitMeta(path: string): Map<number, string> {
  const vars = readMat(readFileSync(path), path);
  const synsets = vars.synsets;
  if (
    !Array.isArray(synsets) ||
    synsets.length === 0 ||
    typeof synsets[0] !== 'object' ||
    Array.isArray(synsets[0])
  )
    throw new Error(`${path}: no 'synsets' struct array (is this the ILSVRC2012 devkit meta.mat?)`);
  const map = new Map<number, string>();
  for (const rec of synsets as Record<string, MatValue>[]) {
    const id = rec.ILSVRC2012_ID;
    const wnid = rec.WNID;
    if (!Array.isArray(id) || typeof wnid !== 'string')
      throw new Error(`${path}: synsets records need ILSVRC2012_ID and WNID fields`);
    const n = id[0] as number;
    if (n >= 1 && n <= 1000) map.set(n, wnid);
  }
  return map;
}
