/**
 * Structural limits of a safetensors header, checked on the raw bytes before `JSON.parse` sees them:
 * a hostile header must fail in time and memory proportional to what a real file needs, not to what
 * the attacker wrote (100 MB of `[[[[...` made `JSON.parse` take 75 s and 5 GB). Duplicate keys,
 * which `JSON.parse` silently resolves to the last one, are rejected too (found by comparing key
 * counts after parsing, then named by a second scan).
 *
 * Real files need little: the top-level object maps tensor names to `{ dtype, shape, data_offsets }`
 * objects (depth 3 with the arrays) plus one `__metadata__` object of strings (depth 2).
 */

/**
 * Largest header read, in bytes. The reference implementation (Rust `safetensors` crate) allows
 * 100 MB; real headers are far smaller (about 100 bytes per tensor: 10,000 tensors take ~1 MB), so
 * a smaller bound keeps the cost of a hostile header low.
 */
export const MAX_HEADER_BYTES = 16 * 1024 * 1024;
/** Deepest nesting of objects and arrays: header object > tensor entry > shape / data_offsets array. */
export const MAX_HEADER_DEPTH = 3;
/** Most keys in one object: tensors in a file, or `__metadata__` entries (real files: a few thousand). */
export const MAX_HEADER_KEYS = 100_000;

function fail(msg: string): never {
  throw new Error(`safetensors: ${msg}`);
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const decoder = new TextDecoder('utf-8', { fatal: false });

/** Decodes the JSON string token bytes [start, end) (quotes included) to its value. */
function keyValue(bytes: Uint8Array, start: number, end: number): string {
  let ascii = true;
  for (let i = start + 1; i < end - 1; i++) {
    if (bytes[i] === BACKSLASH || bytes[i] >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii && end - start <= 256) {
    let key = '';
    for (let i = start + 1; i < end - 1; i++) key += String.fromCharCode(bytes[i]);
    return key;
  }
  const text = decoder.decode(bytes.subarray(start, end));
  try {
    return JSON.parse(text) as string; // resolves escapes, so "a" and "\u0061" are the same key
  } catch {
    return text; // malformed: JSON.parse of the whole header reports it
  }
}

/** One open object or array. At most MAX_HEADER_DEPTH exist, so they are allocated once and reused. */
class Level {
  object = false;
  /** keys so far (objects only) */
  count = 0;
  /** key values so far, when looking for duplicates */
  readonly keys = new Set<string>();
  /** byte range of the key this object or array is the value of (-1 at the top), for messages */
  ownerStart = -1;
  ownerEnd = -1;
  expectKey = false;
  /** byte range of the object's latest key */
  keyStart = -1;
  keyEnd = -1;
}

function ownerName(bytes: Uint8Array, level: Level): string {
  return level.ownerStart < 0 ? 'the header' : `'${keyValue(bytes, level.ownerStart, level.ownerEnd)}'`;
}

/**
 * One pass over the JSON text: checks nesting depth and keys per object, and with `duplicates`
 * also decodes every key and fails on the first repeated one. Returns the number of keys.
 * Syntax errors are left to `JSON.parse`; for valid JSON the scan sees exactly its keys.
 */
function scan(bytes: Uint8Array, duplicates: boolean): number {
  const levels = Array.from({ length: MAX_HEADER_DEPTH }, () => new Level());
  let depth = 0;
  let total = 0;
  const n = bytes.length;
  for (let i = 0; i < n; i++) {
    const c = bytes[i];
    if (c === QUOTE) {
      const start = i;
      for (i++; i < n && bytes[i] !== QUOTE; i++) if (bytes[i] === BACKSLASH) i++;
      const top = depth > 0 ? levels[depth - 1] : null;
      if (top?.object && top.expectKey) {
        const end = Math.min(i + 1, n);
        total++;
        if (++top.count > MAX_HEADER_KEYS)
          fail(
            `${ownerName(bytes, top)} has more than ${MAX_HEADER_KEYS} keys (the limit; real files have far fewer)`,
          );
        if (duplicates) {
          const key = keyValue(bytes, start, end);
          if (top.keys.has(key))
            fail(`duplicate key '${key}'${top.ownerStart < 0 ? '' : ` in ${ownerName(bytes, top)}`}`);
          top.keys.add(key);
        }
        top.expectKey = false;
        top.keyStart = start;
        top.keyEnd = end;
      }
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (depth >= MAX_HEADER_DEPTH)
        fail(
          `header nests deeper than ${MAX_HEADER_DEPTH} levels (tensor entries are { dtype, shape, data_offsets })`,
        );
      const parent = depth > 0 ? levels[depth - 1] : null;
      const level = levels[depth++];
      level.ownerStart = parent === null ? -1 : parent.object ? parent.keyStart : parent.ownerStart;
      level.ownerEnd = parent === null ? -1 : parent.object ? parent.keyEnd : parent.ownerEnd;
      level.object = c === 0x7b;
      level.expectKey = level.object;
      level.count = 0;
      if (duplicates) level.keys.clear();
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      if (depth > 0) depth--;
    } else if (c === 0x2c /* , */) {
      const top = depth > 0 ? levels[depth - 1] : null;
      if (top?.object) top.expectKey = true;
    }
  }
  return total;
}

/**
 * Checks nesting depth and keys per object of the JSON text in `bytes`, stopping at the first
 * violation, before anything is decoded or parsed. Returns the number of keys, for
 * {@link checkNoDuplicateKeys}.
 */
export function checkHeaderStructure(bytes: Uint8Array): number {
  return scan(bytes, false);
}

/** Own keys of all objects in a parsed header (at most MAX_HEADER_DEPTH deep). */
function countKeys(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  let n = 0;
  if (Array.isArray(value)) {
    for (const v of value) n += countKeys(v);
    return n;
  }
  for (const k in value) {
    if (!Object.hasOwn(value, k)) continue;
    n++;
    n += countKeys((value as Record<string, unknown>)[k]);
  }
  return n;
}

/**
 * `JSON.parse` keeps the last of duplicate keys silently, so the parsed header has fewer keys than
 * the text exactly when some key repeats: then a second, slower scan names it. This keeps key
 * decoding off the path of valid files.
 */
export function checkNoDuplicateKeys(bytes: Uint8Array, parsed: unknown, keysInText: number): void {
  if (countKeys(parsed) === keysInText) return;
  scan(bytes, true);
  fail('duplicate keys in the header');
}
