import { checkOptionKeys, formatShape } from '@rectifier/tensor';

/**
 * Option-object checks shared by every layer and model factory: unknown keys throw naming the key (a
 * typo like `{ kernelsize: 3 }` must not silently fall back to a default), numbers are checked for range.
 */

/** The unknown-option check of every package (one definition, in @rectifier/tensor). */
export const checkOptions = checkOptionKeys;

/** A positive integer (>= min). */
export function checkInt(fn: string, name: string, v: unknown, min = 1): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new RangeError(`${fn}: ${name} must be an integer >= ${min}, got ${describe(v)}`);
  }
  return v;
}

export function checkNumber(fn: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new TypeError(`${fn}: ${name} must be a finite number, got ${describe(v)}`);
  return v;
}

export function checkBool(fn: string, name: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw new TypeError(`${fn}: ${name} must be a boolean, got ${describe(v)}`);
  return v;
}

export function checkOneOf<T extends string>(fn: string, name: string, v: unknown, values: readonly T[]): T {
  if (typeof v !== 'string' || !values.includes(v as T)) {
    throw new TypeError(
      `${fn}: ${name} must be one of ${values.map((x) => `'${x}'`).join(', ')}, got ${describe(v)}`,
    );
  }
  return v as T;
}

/** A number or an [h, w] pair, each an integer >= min; returns the pair. */
export function pair(fn: string, name: string, v: unknown, min: number): [number, number] {
  if (typeof v === 'number') {
    checkInt(fn, name, v, min);
    return [v, v];
  }
  if (Array.isArray(v) && v.length === 2) {
    checkInt(fn, `${name}[0]`, v[0], min);
    checkInt(fn, `${name}[1]`, v[1], min);
    return [v[0], v[1]];
  }
  throw new TypeError(`${fn}: ${name} must be an integer or an [h, w] pair, got ${describe(v)}`);
}

export function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value)) return `[${value.map(describe).join(', ')}]`;
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return String(value);
}

/** Shapes in messages are written like every package writes them: `[8, 3, 32, 32]`. */
export const fmtShape = formatShape;
