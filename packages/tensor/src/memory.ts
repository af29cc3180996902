/**
 * Memory bookkeeping shared by every backend: reference-counted storages (views share one storage),
 * live-tensor statistics and `tidy` scopes. Nothing here touches data; backends free the memory when a
 * storage's last reference goes away.
 */

import type { GradNode } from './autograd/node.js';
import type { Backend, Storage } from './backend.js';
import { BYTES_PER_ELEMENT } from './dtype.js';

/** What memory.ts needs to know about a tensor (avoids importing the class). */
export interface Tracked {
  readonly id: number;
  readonly isDisposed: boolean;
  _kept: boolean;
  _scoped: boolean;
  _node: GradNode | null;
  dispose(): void;
}

/** A storage plus the number of live tensors (views) that reference it. */
export class StorageRef {
  refs = 0;
  readonly bytes: number;
  constructor(
    readonly backend: Backend,
    readonly storage: Storage,
  ) {
    this.bytes = storage.size * BYTES_PER_ELEMENT[storage.dtype];
    stats.storages++;
    stats.bytes += this.bytes;
  }
  retain(): void {
    this.refs++;
  }
  release(): void {
    if (--this.refs === 0) {
      stats.storages--;
      stats.bytes -= this.bytes;
      this.backend.dispose(this.storage);
    }
  }
}

const stats = { tensors: 0, bytes: 0, storages: 0 };

interface Scope {
  readonly id: number;
  readonly tensors: Tracked[];
}
const scopes: Scope[] = [];
let nextScopeId = 1;

/** Options of {@link configureMemory}. */
export interface MemoryOptions {
  /**
   * Live tensor count at which a leak warning fires; each later warning fires at twice the count of
   * the previous one. `false` turns warnings off. Default 10,000.
   */
  warnAt?: number | false;
  /**
   * Record where every live tensor was created (one stack trace per tensor: slow, for debugging), so
   * warnings and {@link liveTensorSites} name the lines that create the tensors that stay alive.
   * Also on when the environment variable `RECTIFIER_MEMORY_DEBUG` is `1` at the first tensor.
   */
  recordSites?: boolean;
  /** Receives each warning; default `process.emitWarning` in Node, else `console.warn`. */
  onWarning?: ((message: string) => void) | null;
}

const DEFAULT_WARN_AT = 10_000;
const settings = {
  warnAt: DEFAULT_WARN_AT as number | false,
  recordSites: false,
  onWarning: null as ((message: string) => void) | null,
};
let nextWarnAt = DEFAULT_WARN_AT;
let envChecked = false;
const sites = new Map<number, string>();

/**
 * Sets the leak warning and creation-site recording (see {@link MemoryOptions}); omitted keys keep
 * their values. Returns the previous settings, so a caller can restore them.
 *
 * @example
 * configureMemory({ recordSites: true }); // then: liveTensorSites() or the next warning lists sites
 */
export function configureMemory(options: MemoryOptions): Required<MemoryOptions> {
  const previous = { ...settings };
  if (options.warnAt !== undefined) {
    const w = options.warnAt;
    if (w !== false && !(Number.isSafeInteger(w) && w > 0))
      throw new Error(`configureMemory: warnAt must be a positive integer or false, got ${String(w)}`);
    settings.warnAt = w;
    nextWarnAt = w === false ? Number.POSITIVE_INFINITY : w;
  }
  if (options.recordSites !== undefined) {
    settings.recordSites = options.recordSites;
    if (!options.recordSites) sites.clear();
  }
  if (options.onWarning !== undefined) settings.onWarning = options.onWarning;
  return previous;
}

let dirOfThisModule: string | undefined;
/** The directory of this module's file ('' where its URL has none, e.g. a blob: bundle). */
function packageDir(): string {
  if (dirOfThisModule === undefined) {
    try {
      const u = new URL('.', import.meta.url);
      dirOfThisModule = u.protocol === 'file:' || u.protocol.startsWith('http') ? u.pathname : '';
    } catch {
      dirOfThisModule = '';
    }
  }
  return dirOfThisModule;
}

/** The first stack frame outside this package (tests of this package count as outside). */
function creationSite(): string {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 40;
  const stack = new Error().stack ?? '';
  Error.stackTraceLimit = limit;
  const frames = stack.split('\n').slice(1);
  const here = packageDir();
  const outside = here ? frames.find((f) => !f.includes(here) || /\.test\.[cm]?[jt]s\b/.test(f)) : frames[3]; // unknown location (e.g. a blob: bundle): skip trackTensor, Tensor, the op
  return (outside ?? frames[frames.length - 1] ?? 'unknown').trim().replace(/^at /, '');
}

/**
 * Where the live tensors were created, most frequent first (empty unless sites are recorded: see
 * {@link configureMemory}).
 *
 * @example
 * configureMemory({ recordSites: true }); leakyLoop(); console.table(liveTensorSites(5));
 */
export function liveTensorSites(limit = 10): { site: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const s of sites.values()) counts.set(s, (counts.get(s) ?? 0) + 1);
  return [...counts]
    .map(([site, count]) => ({ site, count }))
    .sort((a, b) => b.count - a.count)
    .slice(0, limit);
}

function warn(): void {
  const mb = (stats.bytes / 1e6).toFixed(1);
  const top = liveTensorSites(3)
    .map((s) => `${s.site} (${s.count})`)
    .join('; ');
  const where = settings.recordSites
    ? ` Most were created at: ${top}.`
    : ' Set RECTIFIER_MEMORY_DEBUG=1 or call configureMemory({ recordSites: true }) to see where they are created.';
  const message =
    `${stats.tensors} live tensors (${mb} MB): tensors that are neither disposed nor created inside ` +
    `tidy() stay allocated, and garbage collection does not free them. Wrap each step in tidy() or ` +
    `dispose() what you no longer need; memory() gives the counts.${where} ` +
    `(Next warning at ${nextWarnAt * 2}; configureMemory({ warnAt: false }) silences this.)`;
  nextWarnAt *= 2;
  if (settings.onWarning) settings.onWarning(message);
  else {
    const proc = (globalThis as { process?: { emitWarning?: (m: string, name: string) => void } }).process;
    if (typeof proc?.emitWarning === 'function') proc.emitWarning(message, 'RectifierMemoryWarning');
    else console.warn(`RectifierMemoryWarning: ${message}`);
  }
}

/** Registers a new live tensor, and in the innermost `tidy` scope unless `scoped` is false. */
export function trackTensor(t: Tracked, scoped = true): void {
  stats.tensors++;
  if (!envChecked) {
    envChecked = true;
    const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
    if (env?.RECTIFIER_MEMORY_DEBUG === '1') settings.recordSites = true;
  }
  if (settings.recordSites) sites.set(t.id, creationSite());
  if (stats.tensors >= nextWarnAt) warn();
  if (scoped && scopes.length > 0) {
    t._scoped = true;
    scopes[scopes.length - 1].tensors.push(t);
  }
}

/** Called once by `Tensor.dispose`. */
export function untrackTensor(t: Tracked): void {
  stats.tensors--;
  if (sites.size > 0) sites.delete(t.id);
}

/**
 * Live tensors, bytes and storages across all backends. Views count as tensors but share their
 * storage's bytes; saved tensors of an un-run tape and leaf `.grad`s count too.
 *
 * @example
 * const before = memory().tensors; tidy(() => ones([2]).add(1)); memory().tensors === before;
 */
export function memory(): { tensors: number; bytes: number; storages: number } {
  return { ...stats };
}

/** Anything a `tidy` callback may return: tensors nested in arrays and plain objects are kept. */
function collect(value: unknown, out: Set<Tracked>, depth = 0): void {
  if (value === null || typeof value !== 'object' || depth > 8) return;
  if ('_kept' in (value as object) && 'dispose' in (value as object)) {
    out.add(value as Tracked);
    return;
  }
  if (Array.isArray(value)) for (const v of value) collect(v, out, depth + 1);
  else if (value instanceof Map) for (const v of value.values()) collect(v, out, depth + 1);
  else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value as object)) collect(v, out, depth + 1);
  }
}

/** Id of the innermost `tidy` scope (0 outside any tidy); tape nodes are stamped with it. */
export function currentScopeId(): number {
  return scopes.length > 0 ? scopes[scopes.length - 1].id : 0;
}

/**
 * Saved tensors of the tape behind `roots` that this scope owns: a returned tensor's graph must stay
 * usable for backward. Nodes stamped with this scope's id were recorded inside it (or in a nested
 * scope that already ended); only they hold saved tensors owned by this scope, and nodes recorded
 * elsewhere cannot lead back to them, so the walk stops at other stamps. Visited nodes are restamped
 * with the parent's id, since their saved tensors move there: each node is walked once per level.
 */
function collectSaved(roots: Iterable<Tracked>, out: Set<Tracked>, id: number, parentId: number): void {
  const stack: GradNode[] = [];
  for (const r of roots) if (r._node) stack.push(r._node);
  while (stack.length > 0) {
    const n = stack.pop() as GradNode;
    if (n.scope !== id) continue;
    n.scope = parentId;
    for (const s of n.saved) out.add(s as unknown as Tracked);
    for (const i of n.inputs) if (i._node) stack.push(i._node);
  }
}

/**
 * Runs `fn` and disposes every tensor created inside it, except the tensors it returns (directly or
 * nested in arrays/objects), tensors passed to `keep`, and saved tensors of the autograd tape behind
 * the returned tensors (so `tidy(() => model(x)).backward()` works). Survivors move to the enclosing
 * scope. Leaf `.grad`s and `Parameter`s are never owned by a scope.
 *
 * @example
 * const y = tidy(() => x.mul(2).add(1)); // the intermediate x.mul(2) is disposed
 */
export function tidy<T>(fn: () => T): T {
  const scope: Scope = { id: nextScopeId++, tensors: [] };
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (err) {
    // nothing escapes a failed callback: free what it created (kept tensors excepted)
    scopes.pop();
    for (const t of scope.tensors) if (!t._kept) t.dispose();
    throw err;
  }
  scopes.pop();
  if (result instanceof Promise) {
    throw new Error('tidy: the callback returned a Promise; tidy only supports synchronous functions');
  }
  const survivors = new Set<Tracked>();
  collect(result, survivors);
  const parent = scopes.length > 0 ? scopes[scopes.length - 1] : null;
  collectSaved([...survivors], survivors, scope.id, parent ? parent.id : 0);
  for (const t of scope.tensors) {
    if (t.isDisposed || t._kept) continue;
    if (survivors.has(t)) {
      if (parent) parent.tensors.push(t);
      else t._scoped = false;
    } else t.dispose();
  }
  return result;
}

/**
 * Exempts `t` from every enclosing `tidy`; the caller disposes it.
 *
 * @example
 * let w; tidy(() => { w = keep(randn([3])); });
 */
export function keep<T extends Tracked>(t: T): T {
  t._kept = true;
  return t;
}
