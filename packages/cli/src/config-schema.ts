import { UsageError } from './errors';

// One set of rules for every value a user can set, whether it comes from a flag (a string), a
// JSON config file or the config stored in a checkpoint: the same checks and the same one-line
// message naming the key and what is allowed.

/** What a key accepts. Numbers are always finite; integers always safe (|n| <= 2^53 - 1). */
export type Rule =
  | { kind: 'int'; min: number; max?: number }
  | { kind: 'number'; min?: number; max?: number; above?: number; below?: number }
  | { kind: 'enum'; choices: readonly string[] }
  | { kind: 'string' };

/** "an integer in [1, 65536]", "a number > 0", "one of sgd, adamw". */
export function describeRule(r: Rule): string {
  switch (r.kind) {
    case 'int':
      return r.max === undefined ? `an integer >= ${r.min}` : `an integer in [${r.min}, ${r.max}]`;
    case 'number': {
      const lo = r.above !== undefined ? `(${r.above}` : r.min !== undefined ? `[${r.min}` : null;
      const hi = r.below !== undefined ? `${r.below})` : r.max !== undefined ? `${r.max}]` : null;
      if (lo && hi) return `a number in ${lo}, ${hi}`;
      if (r.above !== undefined) return `a number > ${r.above}`;
      if (r.min !== undefined) return `a number >= ${r.min}`;
      return 'a finite number';
    }
    case 'enum':
      return `one of ${r.choices.join(', ')}`;
    default:
      return 'a non-empty string';
  }
}

/** Whether `v` satisfies `r` (for a JSON value: the type must match, "8" is not a number). */
export function satisfies(r: Rule, v: unknown): boolean {
  switch (r.kind) {
    case 'int':
      return (
        typeof v === 'number' && Number.isSafeInteger(v) && v >= r.min && (r.max === undefined || v <= r.max)
      );
    case 'number':
      return (
        typeof v === 'number' &&
        Number.isFinite(v) &&
        (r.min === undefined || v >= r.min) &&
        (r.max === undefined || v <= r.max) &&
        (r.above === undefined || v > r.above) &&
        (r.below === undefined || v < r.below)
      );
    case 'enum':
      return typeof v === 'string' && r.choices.includes(v);
    default:
      return typeof v === 'string' && v.length > 0 && v.length <= 4096 && !v.includes('\0');
  }
}

/** "; got" after a list of choices (a comma would read as one more choice), ", got" otherwise. */
function got(r: Rule): string {
  return r.kind === 'enum' ? '; got' : ', got';
}

function shown(v: unknown): string {
  const s = JSON.stringify(v);
  if (s === undefined) return String(v);
  return s.length > 60 ? `${s.slice(0, 60)}…` : s;
}

/**
 * Checks a JSON value; `where` prefixes the message (e.g. "config run.json: "). Returns the value.
 * @throws UsageError "<where><key> must be <rule>, got <JSON value>"
 */
export function checkJson<T>(r: Rule, v: unknown, key: string, where = ''): T {
  if (!satisfies(r, v))
    throw new UsageError(`${where}${key} must be ${describeRule(r)}${got(r)} ${shown(v)}`);
  return v as T;
}

const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/**
 * Parses and checks a flag's string value: numbers in decimal notation only ('0x10', '' and
 * 'Infinity' are refused), then the same rule as JSON.
 * @throws UsageError "--<flag> must be <rule>, got '<text>'"
 */
export function parseFlag<T>(r: Rule, raw: string | boolean, flag: string): T {
  const text = String(raw);
  const v =
    r.kind === 'int' || r.kind === 'number' ? (NUMERIC.test(text.trim()) ? Number(text) : Number.NaN) : text;
  if (!satisfies(r, v)) throw new UsageError(`--${flag} must be ${describeRule(r)}${got(r)} '${text}'`);
  return v as T;
}
