/**
 * Structural limits of a safetensors header, checked on the raw bytes before `JSON.parse` sees them:
 * a hostile header must fail in time and memory proportional to what a real file needs, not to what
 * the attacker wrote (100 MB of `[[[[...` made `JSON.parse` take 75 s and 5 GB), and duplicate keys,
 * which `JSON.parse` silently resolves to the last one, must be rejected.
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
  /** keys seen so far (objects only) */
  readonly keys = new Set<string>();
  /** the object's key path, for messages */
  path = '';
  expectKey = false;
  lastKey = '';
}

/**
 * Checks nesting depth, keys per object and duplicate keys of the JSON text in `bytes`, stopping at
 * the first violation. Syntax errors are left to `JSON.parse`, which runs afterwards; for valid JSON
 * the scan sees exactly its keys.
 */
export function checkHeaderStructure(bytes: Uint8Array): void {
  const levels = Array.from({ length: MAX_HEADER_DEPTH }, () => new Level());
  let depth = 0;
  const n = bytes.length;
  for (let i = 0; i < n; i++) {
    const c = bytes[i];
    if (c === QUOTE) {
      const start = i;
      for (i++; i < n && bytes[i] !== QUOTE; i++) if (bytes[i] === BACKSLASH) i++;
      const top = depth > 0 ? levels[depth - 1] : null;
      if (top?.object && top.expectKey) {
        const key = keyValue(bytes, start, Math.min(i + 1, n));
        if (top.keys.has(key)) fail(`duplicate key '${key}'${top.path ? ` in ${top.path}` : ''}`);
        if (top.keys.size >= MAX_HEADER_KEYS)
          fail(
            `${top.path || 'the header'} has more than ${MAX_HEADER_KEYS} keys (the limit; real files have far fewer)`,
          );
        top.keys.add(key);
        top.expectKey = false;
        top.lastKey = key;
      }
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (depth >= MAX_HEADER_DEPTH)
        fail(
          `header nests deeper than ${MAX_HEADER_DEPTH} levels (tensor entries are { dtype, shape, data_offsets })`,
        );
      const parent = depth > 0 ? levels[depth - 1] : null;
      const level = levels[depth++];
      level.path = parent === null ? '' : parent.object ? `'${parent.lastKey}'` : parent.path;
      level.object = c === 0x7b;
      level.expectKey = level.object;
      level.keys.clear();
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      if (depth > 0) depth--;
    } else if (c === 0x2c /* , */) {
      const top = depth > 0 ? levels[depth - 1] : null;
      if (top?.object) top.expectKey = true;
    }
  }
}
