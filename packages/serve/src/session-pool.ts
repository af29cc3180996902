/**
 * Worker threads, each with its own onnxruntime-node session; one batch at a time per worker. A
 * worker that dies fails its batch with a 500 and is replaced, so one bad batch never takes the
 * server down.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { HttpError } from './errors';

/** A tensor going to or coming from a worker. */
export interface WireTensor {
  type: string;
  data: ArrayBufferView & { buffer: ArrayBufferLike; length: number };
  dims: number[];
}

export interface SessionPoolOptions {
  /** The ONNX file, or its bytes. */
  model: string | Uint8Array;
  workers: number;
  /** onnxruntime intra-op threads per session. */
  threadsPerWorker: number;
  /** Where worker.js is (default: next to this module). */
  workerUrl?: string | URL;
}

interface Slot {
  worker: Worker;
  busy: boolean;
  /** The batch the worker runs now. */
  pending?: { resolve: (o: Record<string, WireTensor>) => void; reject: (e: Error) => void };
}

const defaultWorkerUrl = () => new URL('./worker.js', import.meta.url);

export class SessionPool {
  private slots: Slot[] = [];
  private nextId = 0;
  private closing = false;
  private restarts = 0;
  /** Called whenever a worker becomes free (the batcher dispatches the next batch). */
  onIdle: () => void = () => {};

  private constructor(private readonly opts: SessionPoolOptions & { workerUrl: string | URL }) {}

  /** Starts the workers; resolves when every session is loaded, rejects with the first load error. */
  static async start(opts: SessionPoolOptions): Promise<SessionPool> {
    const url = opts.workerUrl ?? defaultWorkerUrl();
    const path = url instanceof URL ? fileURLToPath(url) : url;
    if (!existsSync(path)) throw new Error(`serve: worker script not found at ${path}`);
    const pool = new SessionPool({ ...opts, workerUrl: url });
    try {
      pool.slots = await Promise.all(Array.from({ length: opts.workers }, () => pool.spawn()));
    } catch (e) {
      await pool.close();
      throw e;
    }
    return pool;
  }

  /** Workers not running a batch. */
  get idle(): number {
    return this.slots.filter((s) => !s.busy).length;
  }

  get size(): number {
    return this.slots.length;
  }

  /** True while every worker is alive (false after a worker died and could not be replaced). */
  healthy = true;

  private spawn(): Promise<Slot> {
    const worker = new Worker(this.opts.workerUrl, {
      workerData: {
        model: this.opts.model,
        sessionOptions: {
          intraOpNumThreads: this.opts.threadsPerWorker,
          interOpNumThreads: 1,
          executionMode: 'sequential',
          graphOptimizationLevel: 'all',
          // Batch sizes vary from run to run: a memory plan cached per shape would be rebuilt for most batches.
          enableMemPattern: false,
          // No busy-waiting between batches: the spinning threads would take the CPU that the main
          // thread needs for HTTP and that the other workers need for their batches.
          extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
        },
      },
    });
    const slot: Slot = { worker, busy: true };
    return new Promise<Slot>((resolve, reject) => {
      let started = false;
      worker.on('message', (m) => {
        if (m.type === 'ready') {
          started = true;
          slot.busy = false;
          resolve(slot);
        } else if (m.type === 'fatal') {
          if (!started) reject(new Error(`onnxruntime could not load the model: ${m.message}`));
        } else if (m.type === 'result' || m.type === 'error') {
          const p = slot.pending;
          slot.pending = undefined;
          slot.busy = false;
          if (m.type === 'result') p?.resolve(m.outputs);
          else p?.reject(new HttpError(500, `onnxruntime failed: ${m.message}`));
          if (!this.closing) this.onIdle();
        }
      });
      worker.on('error', (e) => {
        if (!started) reject(new Error(`onnxruntime could not load the model: ${e.message}`));
      });
      worker.on('exit', (code) => {
        if (!started) {
          reject(new Error(`the inference worker exited with code ${code} while loading the model`));
          return;
        }
        const p = slot.pending;
        slot.pending = undefined;
        p?.reject(
          new HttpError(500, `the inference worker stopped (exit code ${code}) while running this batch`),
        );
        if (!this.closing) this.replace(slot);
      });
    });
  }

  /** Starts a new worker in the place of one that died (up to 10 times in the pool's life). */
  private replace(dead: Slot): void {
    const i = this.slots.indexOf(dead);
    if (i < 0) return;
    this.slots.splice(i, 1);
    if (this.restarts >= 10) {
      this.healthy = this.slots.length > 0;
      return;
    }
    this.restarts++;
    this.spawn().then(
      (s) => {
        if (this.closing) void s.worker.terminate();
        else {
          this.slots.push(s);
          this.onIdle();
        }
      },
      () => {
        this.healthy = this.slots.length > 0;
      },
    );
  }

  /** Runs one batch on an idle worker. The feeds' buffers are transferred (unusable afterwards). */
  run(feeds: Record<string, WireTensor>): Promise<Record<string, WireTensor>> {
    const slot = this.slots.find((s) => !s.busy);
    if (!slot) return Promise.reject(new Error('SessionPool.run: no idle worker'));
    slot.busy = true;
    const transfer = Object.values(feeds).map((t) => t.data.buffer as ArrayBuffer);
    return new Promise((resolve, reject) => {
      slot.pending = { resolve, reject };
      slot.worker.postMessage({ type: 'run', id: this.nextId++, feeds }, transfer);
    });
  }

  /**
   * Stops the workers. Call it with no batch running (the server drains its batcher first): a worker
   * thread terminated while onnxruntime-node runs a session can abort the whole process.
   */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    this.slots = [];
  }
}
