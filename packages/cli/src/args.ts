import { parseArgs } from 'node:util';
import { parseFlag } from './config-schema';
import { UsageError } from './errors';

/** One command-line option. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** Placeholder shown in the help, e.g. 'N' or 'DIR'. */
  arg?: string;
  description: string;
  default?: string | boolean;
}

/** A subcommand: its options, positional arguments and help text. */
export interface CommandSpec {
  name: string;
  summary: string;
  /** e.g. 'rectifier eval <checkpoint> [options]' */
  usage: string;
  options: Record<string, OptionSpec>;
  /** Positional argument count bounds. */
  positionals?: { min: number; max: number };
  /** Extra paragraphs at the end of --help (examples, notes). */
  epilog?: string;
}

/** Parsed arguments: option values by name, and positionals. */
export interface ParsedArgs {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/**
 * Parses `argv` strictly with `node:util` parseArgs: unknown flags, missing values and wrong
 * positional counts become `UsageError`s with a one-line message.
 */
export function parseCommandArgs(spec: CommandSpec, argv: string[]): ParsedArgs {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    help: { type: 'boolean', short: 'h' },
  };
  for (const [k, o] of Object.entries(spec.options))
    options[k] = o.short ? { type: o.type, short: o.short } : { type: o.type };
  // `--minutes -1`: parseArgs takes a value that starts with '-' for another option and calls it
  // ambiguous. A negative number after an option that takes a value is that option's value (and
  // then gets the option's own range message).
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const name = /^--([a-z][a-z0-9-]*)$/.exec(argv[i])?.[1];
    const next = argv[i + 1];
    if (name && spec.options[name]?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      args.push(`${argv[i]}=${next}`);
      i++;
    } else args.push(argv[i]);
  }
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0];
    const unknown = /Unknown option '([^']+)'/.exec(msg);
    if (unknown)
      throw new UsageError(`unknown option ${unknown[1]}${suggest(unknown[1], Object.keys(spec.options))}`);
    throw new UsageError(msg.replace(/\. To specify.*$/, ''));
  }
  const values: Record<string, string | boolean | undefined> = {};
  for (const [k, o] of Object.entries(spec.options))
    values[k] = (parsed.values[k] as string | boolean | undefined) ?? o.default;
  values.help = parsed.values.help as boolean | undefined;
  if (!values.help && spec.positionals) {
    const n = parsed.positionals.length;
    const { min, max } = spec.positionals;
    if (n < min) throw new UsageError(`missing argument (usage: ${spec.usage})`);
    if (n > max)
      throw new UsageError(`unexpected argument '${parsed.positionals[max]}' (usage: ${spec.usage})`);
  } else if (!values.help && parsed.positionals.length > 0) {
    throw new UsageError(`unexpected argument '${parsed.positionals[0]}' (usage: ${spec.usage})`);
  }
  return { values, positionals: parsed.positionals };
}

function suggest(flag: string, names: string[]): string {
  const best = closest(flag.replace(/^-+/, ''), names);
  return best ? ` (did you mean --${best}?)` : '';
}

/** The name in `names` within two edits of `word` (the nearest), or null: for "did you mean" hints. */
export function closest(word: string, names: string[]): string | null {
  const best = names.map((n) => [n, editDistance(word, n)] as const).sort((a, b) => a[1] - b[1])[0];
  return best && best[1] <= 2 ? best[0] : null;
}

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length][b.length];
}

/** The --help text of a command, generated from its spec. */
export function helpText(spec: CommandSpec): string {
  const rows = Object.entries(spec.options).map(([k, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${k}${o.type === 'string' ? ` <${o.arg ?? 'value'}>` : ''}`;
    const def = o.default !== undefined && o.default !== false ? ` (default: ${String(o.default)})` : '';
    return [flag, `${o.description}${def}`] as const;
  });
  rows.push(['-h, --help', 'show this help']);
  const w = Math.min(34, Math.max(...rows.map(([f]) => f.length)) + 2);
  const lines = [`Usage: ${spec.usage}`, '', spec.summary, '', 'Options:'];
  for (const [f, d] of rows) lines.push(`  ${f.padEnd(w)}${f.length >= w ? `\n  ${' '.repeat(w)}` : ''}${d}`);
  if (spec.epilog) lines.push('', spec.epilog.trim());
  return `${lines.join('\n')}\n`;
}

/** An integer option in [min, max] (default >= 1), or a UsageError naming the flag and the range. */
export function intOpt(
  values: ParsedArgs['values'],
  name: string,
  min = 1,
  max?: number,
): number | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  return parseFlag<number>({ kind: 'int', min, max }, v, name);
}

/** A finite number option (> 0 unless `allowZero`), or a UsageError naming the flag. */
export function numOpt(values: ParsedArgs['values'], name: string, allowZero = false): number | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  return parseFlag<number>(allowZero ? { kind: 'number', min: 0 } : { kind: 'number', above: 0 }, v, name);
}

/** An option restricted to `choices`, or a UsageError listing them. */
export function choiceOpt<T extends string>(
  values: ParsedArgs['values'],
  name: string,
  choices: readonly T[],
): T | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  return parseFlag<T>({ kind: 'enum', choices }, v, name);
}
