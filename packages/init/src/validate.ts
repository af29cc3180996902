/**
 * Argument checks shared by the initializers. Errors name the function and the offending option so a
 * typo (`{ mdoe: 'fan_out' }`) fails loudly instead of silently falling back to a default.
 */
import { checkOptionKeys } from '@rectifier/tensor';

/** Throws when `opts` has a key outside `allowed` (the one check of every package, from @rectifier/tensor). */
export const checkOptions: (fn: string, opts: object | undefined, allowed: readonly string[]) => void =
  checkOptionKeys;

/** Throws unless `value` is a finite number (booleans and numeric strings are rejected). */
export function checkFinite(fn: string, name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new TypeError(`${fn}: ${name} must be a finite number, got ${describe(value)}`);
  }
}

/** A short, safe rendering of a value for error messages. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value)) return `[${value.map(describe).join(', ')}]`;
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return String(value);
}
