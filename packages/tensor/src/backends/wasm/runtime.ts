// The WASM runtime behind the backend: one shared WebAssembly.Memory, the kernel instance of the
// calling thread, a pool of workers with their own instances on the same memory, and a bump arena
// that every kernel call resets and reuses (the memory only grows, never per call once warm).

import { canUseThreads, hasRelaxedSimd, hasSimd, isNode } from './features';
import {
  CTRL,
  CTRL_ARGS_OFFSET,
  CTRL_BYTES,
  CTRL_CLOSED,
  CTRL_MAX_ARGS,
  workerSource,
} from './worker-source';

/** Names of the exported kernels, in the order the workers index them. */
export const KERNELS = [
  'gemmBatched',
  'conv2dForward',
  'conv2dBackwardInput',
  'conv2dBackwardWeight',
  'transposeSum',
  'maxPool2dForward',
  'maxPool2dBackward',
  'avgPool2dForward',
  'avgPool2dBackward',
  'elementwise',
  'rowSums',
] as const;
export type KernelName = (typeof KERNELS)[number];

type KernelFn = (...args: number[]) => void;
interface KernelExports {
  readonly GEMM_SCRATCH_BYTES: WebAssembly.Global;
  conv2dScratchBytes(g: number): number;
}

/** SIMD flavour: relaxed SIMD (fused multiply-add) or plain 128-bit SIMD. */
export type SimdFlavour = 'relaxed' | 'simd';

export interface WasmRuntimeOptions {
  /** Threads including the calling one; default: available cores capped at 8, 1 without SharedArrayBuffer. */
  readonly threads?: number;
  /** 'auto' (default) picks relaxed SIMD where the runtime validates it. */
  readonly simd?: SimdFlavour | 'auto';
}

const PAGE = 65536;
/** Byte offset of the control block; the module has no static data, so low memory is free. */
const CTRL_AT = 1024;
/** Start of the arena: everything above is per-call scratch. */
const ARENA_BASE = PAGE;

interface PoolWorker {
  terminate(): unknown;
}

/** Thrown when a call needs more memory than the shared memory's maximum; the backend falls back to JS. */
export class WasmOutOfMemory extends RangeError {}

export class WasmRuntime {
  readonly flavour: SimdFlavour;
  readonly threads: number;
  readonly memory: WebAssembly.Memory;
  readonly gemmScratchBytes: number;
  /** Byte address of the work counter that dynamically scheduled kernels take items from. */
  readonly queue = CTRL_AT + CTRL.QUEUE * 4;
  private readonly exports: KernelExports;
  private readonly fns: KernelFn[];
  private readonly ctrl: Int32Array;
  private readonly args: Float64Array;
  private readonly workers: PoolWorker[];
  private readonly maxBytes: number;
  private top = ARENA_BASE;
  private f32View: Float32Array;
  private i32View: Int32Array;

  constructor(init: {
    flavour: SimdFlavour;
    memory: WebAssembly.Memory;
    instance: WebAssembly.Instance;
    workers: PoolWorker[];
    maxPages: number;
  }) {
    this.flavour = init.flavour;
    this.memory = init.memory;
    this.workers = init.workers;
    this.threads = init.workers.length + 1;
    this.maxBytes = init.maxPages * PAGE;
    this.exports = init.instance.exports as unknown as KernelExports;
    this.fns = KERNELS.map((n) => init.instance.exports[n] as KernelFn);
    this.gemmScratchBytes = this.exports.GEMM_SCRATCH_BYTES.value as number;
    this.ctrl = new Int32Array(this.memory.buffer, CTRL_AT, CTRL_BYTES / 4);
    this.args = new Float64Array(this.memory.buffer, CTRL_AT + CTRL_ARGS_OFFSET, CTRL_MAX_ARGS);
    this.f32View = new Float32Array(this.memory.buffer);
    this.i32View = new Int32Array(this.memory.buffer);
  }

  /** Frees the whole arena; call at the start of every kernel call. */
  reset(): void {
    this.top = ARENA_BASE;
  }

  /** Reserves `bytes` (64-byte aligned) in the arena, growing the memory when needed. */
  alloc(bytes: number): number {
    const at = this.top;
    const end = at + Math.ceil(bytes / 64) * 64;
    if (end > this.memory.buffer.byteLength) this.grow(end);
    this.top = end;
    return at;
  }

  private grow(end: number): void {
    if (end > this.maxBytes)
      throw new WasmOutOfMemory(
        `wasm backend: a call needs ${end} bytes, above the ${this.maxBytes}-byte maximum`,
      );
    const have = this.memory.buffer.byteLength;
    const want = Math.min(this.maxBytes, Math.max(end, Math.ceil(have * 1.25)));
    try {
      this.memory.grow(Math.ceil((want - have) / PAGE));
    } catch (e) {
      // The engine or the OS refused the memory: let the caller fall back to the JS kernels.
      throw new WasmOutOfMemory(
        `wasm backend: could not grow the kernel memory to ${want} bytes (${String(e)})`,
      );
    }
  }

  /** A Float32Array over the whole memory (refreshed after growth). */
  get f32(): Float32Array {
    if (this.f32View.buffer.byteLength !== this.memory.buffer.byteLength)
      this.f32View = new Float32Array(this.memory.buffer);
    return this.f32View;
  }

  /** An Int32Array over the whole memory (refreshed after growth). */
  get i32(): Int32Array {
    if (this.i32View.buffer.byteLength !== this.memory.buffer.byteLength)
      this.i32View = new Int32Array(this.memory.buffer);
    return this.i32View;
  }

  /** Per-thread scratch bytes the conv kernels need for the geometry block at `g`. */
  convScratchBytes(g: number): number {
    return this.exports.conv2dScratchBytes(g);
  }

  /**
   * Runs kernel `name` on `nt` threads (clamped to the pool), the calling thread as thread 0, and
   * returns when all are done. Each thread calls the kernel with (...args, tid, nt).
   */
  run(name: KernelName, args: readonly number[], nt = this.threads): void {
    const index = KERNELS.indexOf(name);
    const fn = this.fns[index];
    const threads = Math.max(1, Math.min(nt, this.threads));
    Atomics.store(this.i32, this.queue >> 2, 0);
    if (threads === 1) {
      fn(...args, 0, 1);
      return;
    }
    if (args.length > CTRL_MAX_ARGS) throw new Error(`wasm backend: ${name} passes too many arguments`);
    const c = this.ctrl;
    for (let i = 0; i < args.length; i++) this.args[i] = args[i];
    c[CTRL.FN] = index;
    c[CTRL.ARGC] = args.length;
    c[CTRL.NT] = threads;
    Atomics.store(c, CTRL.ERR, 0);
    Atomics.store(c, CTRL.ACTIVE, 0);
    Atomics.add(c, CTRL.SEQ, 1);
    Atomics.notify(c, CTRL.SEQ);
    let error: unknown = null;
    try {
      fn(...args, 0, threads);
    } catch (e) {
      error = e;
    }
    // Every kernel takes its work units from the queue counter, so when this thread returns all
    // units are taken: close the job to workers that have not joined yet (descheduled ones, on a
    // busy machine) and wait only for those inside it.
    Atomics.or(c, CTRL.ACTIVE, CTRL_CLOSED);
    for (let v = Atomics.load(c, CTRL.ACTIVE); v !== CTRL_CLOSED; v = Atomics.load(c, CTRL.ACTIVE)) {
      Atomics.wait(c, CTRL.ACTIVE, v);
    }
    if (error) throw error;
    if (Atomics.load(c, CTRL.ERR) !== 0) throw new Error(`wasm backend: kernel ${name} failed in a worker`);
  }

  /** Stops the workers. The runtime must not be used afterwards. */
  dispose(): void {
    if (this.workers.length === 0) return;
    const c = this.ctrl;
    c[CTRL.FN] = -1;
    Atomics.add(c, CTRL.SEQ, 1);
    Atomics.notify(c, CTRL.SEQ);
    for (const w of this.workers) w.terminate();
    this.workers.length = 0;
  }
}

function decodeBase64(b64: string): Uint8Array {
  const B = (globalThis as { Buffer?: { from(s: string, e: string): Uint8Array } }).Buffer;
  if (B) return new Uint8Array(B.from(b64, 'base64'));
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * Turns the module's shared memory import into a plain one (limits flag 0x03 -> 0x01), for runtimes
 * without SharedArrayBuffer (browsers without cross-origin isolation). Atomic operations (the work
 * counter) are valid on unshared memory, so
 * the patched module validates; it then runs single-threaded.
 */
function unshareMemoryImport(bytes: Uint8Array): void {
  const needle = [6, 109, 101, 109, 111, 114, 121, 2, 3]; // "memory", kind memory, flags shared|max
  search: for (let i = 8; i + needle.length <= bytes.length; i++) {
    for (let j = 0; j < needle.length; j++) if (bytes[i + j] !== needle[j]) continue search;
    bytes[i + needle.length - 1] = 1;
    return;
  }
  throw new Error('wasm backend: memory import not found in the kernel module');
}

async function spawnWorker(init: object): Promise<PoolWorker> {
  if (isNode()) {
    const spec = 'node:worker_threads';
    const { Worker } = (await import(
      /* @vite-ignore */ /* webpackIgnore: true */ spec
    )) as typeof import('node:worker_threads');
    const w = new Worker(workerSource, { eval: true });
    w.unref();
    await new Promise<void>((resolve, reject) => {
      w.once('message', (m: { ready?: boolean; error?: string }) =>
        m.ready ? resolve() : reject(new Error(`wasm worker: ${m.error}`)),
      );
      w.once('error', reject);
      w.postMessage(init);
    });
    return w;
  }
  const url = URL.createObjectURL(new Blob([workerSource], { type: 'text/javascript' }));
  const w = new Worker(url);
  try {
    await new Promise<void>((resolve, reject) => {
      w.onmessage = (e: MessageEvent<{ ready?: boolean; error?: string }>) =>
        e.data.ready ? resolve() : reject(new Error(`wasm worker: ${e.data.error}`));
      w.onerror = (e) => reject(new Error(`wasm worker: ${e.message}`));
      w.postMessage(init);
    });
  } finally {
    URL.revokeObjectURL(url);
  }
  return w;
}

/** Picks the SIMD flavour for the request, failing clearly when the runtime has no SIMD at all. */
export function pickFlavour(simd: SimdFlavour | 'auto' = 'auto'): SimdFlavour {
  if (!hasSimd()) throw new Error('createWasmBackend: this runtime does not support WebAssembly SIMD');
  if (simd === 'relaxed') {
    if (!hasRelaxedSimd())
      throw new Error("createWasmBackend: simd 'relaxed' requested but this runtime lacks relaxed SIMD");
    return 'relaxed';
  }
  if (simd === 'simd') return 'simd';
  if (simd !== 'auto')
    throw new Error(`createWasmBackend: simd must be 'relaxed', 'simd' or 'auto', got ${String(simd)}`);
  return hasRelaxedSimd() ? 'relaxed' : 'simd';
}

/**
 * Compiles the kernels, creates the shared memory (at most `maxMemoryMB`, default and ceiling 2048,
 * floor 4) and starts `threads - 1` workers.
 */
export async function createWasmRuntime(
  threads: number,
  flavour: SimdFlavour,
  maxMemoryMB?: number,
): Promise<WasmRuntime> {
  const gen =
    flavour === 'relaxed'
      ? await import('./generated/kernels-relaxed')
      : await import('./generated/kernels-simd');
  const shared = threads > 1 && canUseThreads();
  const bytes = decodeBase64(gen.wasmBase64);
  if (!shared) unshareMemoryImport(bytes);
  const module = await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
  // A smaller maximum than the module declares is a valid import (and reserves less address space).
  const maxPages =
    maxMemoryMB === undefined
      ? gen.maxPages
      : Math.min(gen.maxPages, Math.max(64, Math.floor(maxMemoryMB * 16)));
  const memory = new WebAssembly.Memory({ initial: 64, maximum: maxPages, shared });
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  const workers: PoolWorker[] = [];
  if (shared) {
    try {
      for (let tid = 1; tid < threads; tid++) {
        workers.push(await spawnWorker({ module, memory, names: [...KERNELS], tid, ctrl: CTRL_AT }));
      }
    } catch (e) {
      for (const w of workers) w.terminate();
      throw e;
    }
  }
  return new WasmRuntime({ flavour, memory, instance, workers, maxPages });
}
