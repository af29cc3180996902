/**
 * Dynamic batching, as Triton's dynamic batcher does it: requests wait in one FIFO queue; when a
 * worker is free, the oldest request and those behind it with the same per-sample shapes are run as
 * one batch, either as soon as they fill `maxBatchSize` samples or once the oldest has waited
 * `windowMs`. The queue is bounded (503 with Retry-After beyond it) and every request has a deadline.
 */
import { ARRAY_OF, type NumericArray, ORT_TYPE } from './datatypes';
import { HttpError } from './errors';
import type { InferRequest } from './infer-request';
import type { OutputTensor } from './infer-response';
import type { ModelSpec } from './model-spec';
import type { SessionPool, WireTensor } from './session-pool';

export interface BatcherOptions {
  /** How long the oldest request may wait for others to join its batch, in ms. */
  windowMs: number;
  /** Most samples waiting in the queue; more are refused with 503. */
  maxQueue: number;
  /** A request not answered after this many ms fails (503 if it never ran, 504 if it was running). */
  timeoutMs: number;
}

/** What the batcher reports (the metrics). */
export interface BatcherEvents {
  batch(samples: number, requests: number, seconds: number): void;
  queueDepth(requests: number, samples: number): void;
}

interface Job {
  req: InferRequest;
  /** Per-sample shapes of the inputs: only jobs with equal keys share a batch. */
  key: string;
  enqueued: number;
  running: boolean;
  done: boolean;
  timer: NodeJS.Timeout;
  resolve: (o: Record<string, OutputTensor>) => void;
  reject: (e: Error) => void;
}

export class Batcher {
  private queue: Job[] = [];
  private queuedSamples = 0;
  private inFlight = 0;
  private windowTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private drained: (() => void)[] = [];

  constructor(
    private readonly model: ModelSpec,
    private readonly pool: SessionPool,
    private readonly opts: BatcherOptions,
    private readonly events: BatcherEvents,
  ) {
    pool.onIdle = () => this.dispatch();
  }

  /** Requests waiting (not yet running). */
  get depth(): number {
    return this.queue.length;
  }

  /** Queues `req`; resolves with its outputs. */
  submit(req: InferRequest): Promise<Record<string, OutputTensor>> {
    if (this.closed) return Promise.reject(new HttpError(503, 'the server is shutting down'));
    if (this.queuedSamples + req.batch > this.opts.maxQueue)
      return Promise.reject(
        new HttpError(
          503,
          `the queue is full (${this.queuedSamples} samples waiting; at most ${this.opts.maxQueue})`,
          {
            'Retry-After': '1',
          },
        ),
      );
    return new Promise((resolve, reject) => {
      const job: Job = {
        req,
        key: req.inputs.map((t) => t.shape.slice(this.model.maxBatchSize > 0 ? 1 : 0).join('x')).join('|'),
        enqueued: performance.now(),
        running: false,
        done: false,
        resolve,
        reject,
        timer: setTimeout(() => this.expire(job), this.opts.timeoutMs),
      };
      this.queue.push(job);
      this.queuedSamples += req.batch;
      this.reportDepth();
      this.dispatch();
    });
  }

  private reportDepth(): void {
    this.events.queueDepth(this.queue.length, this.queuedSamples);
  }

  private expire(job: Job): void {
    if (job.done) return;
    job.done = true;
    if (job.running) {
      job.reject(
        new HttpError(
          504,
          `inference did not finish within the request timeout of ${this.opts.timeoutMs} ms`,
        ),
      );
      return;
    }
    this.remove(job);
    job.reject(
      new HttpError(503, `the request waited ${this.opts.timeoutMs} ms in the queue without running`, {
        'Retry-After': '1',
      }),
    );
    this.settleDrain();
  }

  private remove(job: Job): void {
    const i = this.queue.indexOf(job);
    if (i >= 0) {
      this.queue.splice(i, 1);
      this.queuedSamples -= job.req.batch;
      this.reportDepth();
    }
  }

  /** Forms and starts batches while workers are free. */
  private dispatch(): void {
    if (this.windowTimer) {
      clearTimeout(this.windowTimer);
      this.windowTimer = undefined;
    }
    const max = Math.max(1, this.model.maxBatchSize);
    while (this.queue.length > 0 && this.pool.idle > 0) {
      const head = this.queue[0];
      const jobs: Job[] = [];
      let samples = 0;
      for (const j of this.queue) {
        if (j.key !== head.key) continue;
        if (samples + j.req.batch > max) break;
        jobs.push(j);
        samples += j.req.batch;
        if (this.model.maxBatchSize === 0) break;
      }
      const waited = performance.now() - head.enqueued;
      if (samples < max && waited < this.opts.windowMs) {
        this.windowTimer = setTimeout(() => this.dispatch(), Math.max(0, this.opts.windowMs - waited));
        return;
      }
      for (const j of jobs) {
        this.remove(j);
        j.running = true;
      }
      this.run(jobs, samples);
    }
  }

  private run(jobs: Job[], samples: number): void {
    this.inFlight++;
    const t0 = performance.now();
    const feeds: Record<string, WireTensor> = {};
    for (const info of this.model.inputs) {
      const first = jobs[0].req.inputs.find((t) => t.name === info.name)!;
      const dims = this.model.maxBatchSize > 0 ? [samples, ...first.shape.slice(1)] : first.shape;
      let data: NumericArray;
      if (jobs.length === 1) data = first.data;
      else {
        const per = first.data.length / jobs[0].req.batch;
        data = new ARRAY_OF[first.datatype](per * samples);
        let o = 0;
        for (const j of jobs) {
          const t = j.req.inputs.find((x) => x.name === info.name)!;
          (data as Float32Array).set(t.data as Float32Array, o);
          o += t.data.length;
        }
      }
      feeds[info.name] = { type: ORT_TYPE[first.datatype], data, dims };
    }
    this.pool
      .run(feeds)
      .then(
        (outputs) => {
          this.events.batch(samples, jobs.length, (performance.now() - t0) / 1000);
          this.split(jobs, samples, outputs);
        },
        (e: Error) => {
          for (const j of jobs) this.finish(j, undefined, e);
        },
      )
      .finally(() => {
        this.inFlight--;
        this.settleDrain();
      });
  }

  /** Hands each job its rows of every output. */
  private split(jobs: Job[], samples: number, outputs: Record<string, WireTensor>): void {
    const batched = this.model.maxBatchSize > 0;
    for (const info of this.model.outputs) {
      const t = outputs[info.name];
      if (!t || (batched && t.dims[0] !== samples)) {
        const e = new HttpError(
          500,
          `the model's output '${info.name}' has shape ${JSON.stringify(t?.dims)}, not ${samples} rows`,
        );
        for (const j of jobs) this.finish(j, undefined, e);
        return;
      }
    }
    let row = 0;
    for (const j of jobs) {
      const mine: Record<string, OutputTensor> = {};
      for (const info of this.model.outputs) {
        const t = outputs[info.name];
        const data = t.data as unknown as NumericArray;
        if (!batched) mine[info.name] = { data, dims: t.dims };
        else {
          const per = data.length / samples;
          mine[info.name] = {
            data: data.subarray(row * per, (row + j.req.batch) * per) as NumericArray,
            dims: [j.req.batch, ...t.dims.slice(1)],
          };
        }
      }
      row += j.req.batch;
      this.finish(j, mine);
    }
  }

  private finish(job: Job, outputs?: Record<string, OutputTensor>, error?: Error): void {
    clearTimeout(job.timer);
    if (job.done) return;
    job.done = true;
    if (error) job.reject(error);
    else job.resolve(outputs!);
  }

  private settleDrain(): void {
    if (this.queue.length === 0 && this.inFlight === 0) for (const d of this.drained.splice(0)) d();
  }

  /** Refuses new requests and resolves when every queued and running one has been answered. */
  drain(): Promise<void> {
    this.closed = true;
    return new Promise((resolve) => {
      this.drained.push(resolve);
      this.settleDrain();
    });
  }
}
