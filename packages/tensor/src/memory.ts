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

/** Registers a new live tensor, and in the innermost `tidy` scope unless `scoped` is false. */
export function trackTensor(t: Tracked, scoped = true): void {
  stats.tensors++;
  if (scoped && scopes.length > 0) {
    t._scoped = true;
    scopes[scopes.length - 1].tensors.push(t);
  }
}

/** Called once by `Tensor.dispose`. */
export function untrackTensor(): void {
  stats.tensors--;
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
