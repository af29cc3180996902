/**
 * The loader's worker_threads pool: batch tasks go to the least busy worker, results come back with
 * their float buffer transferred (no copy), and consumers can hand buffers back for reuse.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { WorkContext, WorkItem, WorkResult } from './process.js';

interface Pending {
  resolve: (r: WorkResult) => void;
  reject: (e: Error) => void;
}

/** A worker URL or path as a file path. */
export function toPath(u: URL | string): string {
  return u instanceof URL ? fileURLToPath(u) : u;
}

/**
 * `worker.js` next to this module once built (dist/worker.js beside dist/node.js and its chunks,
 * which are all emitted into the same folder).
 */
export function defaultWorkerUrl(): URL {
  return new URL('./worker.js', import.meta.url);
}

/** A fixed-size pool of loader workers. */
export class WorkerPool {
  private readonly workers: Worker[] = [];
  private readonly busy: number[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private nextRecycle = 0;
  /** Each worker's busy time as it last reported it. */
  private readonly busyMs: number[] = [];

  /**
   * @param size number of worker threads (>= 1)
   * @param url the built worker script
   * @throws when the script does not exist, saying how to fix it
   */
  constructor(size: number, url: URL | string) {
    const file = toPath(url);
    if (!existsSync(file))
      throw new Error(
        `ImageLoader: worker script not found at ${file}. Build the package (npm run build) or, when running from TypeScript sources, pass workerUrl pointing to a built worker, or use workers: 0.`,
      );
    for (let w = 0; w < size; w++) {
      const worker = new Worker(url);
      worker.on('message', (m: { id: number; result?: WorkResult; error?: string; busyMs?: number }) => {
        if (m.busyMs !== undefined) this.busyMs[w] = m.busyMs;
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (--this.busy[w] === 0) worker.unref(); // idle workers never keep the process alive
        if (m.result) p.resolve(m.result);
        else p.reject(new Error(`ImageLoader worker failed: ${m.error}`));
      });
      worker.on('error', (e) => {
        for (const p of this.pending.values())
          p.reject(new Error(`ImageLoader worker crashed: ${e.message}`));
        this.pending.clear();
      });
      worker.unref();
      this.workers.push(worker);
      this.busy.push(0);
      this.busyMs.push(0);
    }
  }

  /** Processes one batch task on the least busy worker. */
  run(items: WorkItem[], ctx: WorkContext): Promise<WorkResult> {
    let w = 0;
    for (let i = 1; i < this.workers.length; i++) if (this.busy[i] < this.busy[w]) w = i;
    const id = this.nextId++;
    if (this.busy[w]++ === 0) this.workers[w].ref();
    return new Promise<WorkResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.workers[w].postMessage({ id, items, ctx });
    });
  }

  /** Milliseconds the workers have spent with a task in progress, summed over workers (as reported so far). */
  workerBusyMs(): number {
    return this.busyMs.reduce((a, b) => a + b, 0);
  }

  /** Transfers a finished batch buffer to a worker for reuse (round-robin). */
  recycle(buf: Float32Array): void {
    const w = this.nextRecycle++ % this.workers.length;
    this.workers[w].postMessage({ recycle: buf.buffer }, [buf.buffer as ArrayBuffer]);
  }

  /** Terminates all workers. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
  }
}
