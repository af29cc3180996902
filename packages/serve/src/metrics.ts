/**
 * Prometheus metrics with prom-client, in a registry of the server's own (no global state, so two
 * servers in one process do not mix their numbers). Served at GET /metrics.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { BatcherEvents } from './batcher';

export interface ServerMetrics extends BatcherEvents {
  registry: Registry;
  /** One answered HTTP request: its route (the URL pattern, not the URL), method and status. */
  request(route: string, method: string, status: number, seconds: number): void;
}

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createMetrics(model: { name: string; version: string }, maxBatchSize: number): ServerMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ model: model.name, version: model.version });
  collectDefaultMetrics({ register: registry, prefix: 'rectifier_serve_process_' });
  const labelNames = ['route', 'method', 'code'] as const;
  const requests = new Counter({
    name: 'rectifier_serve_requests_total',
    help: 'HTTP requests answered, by route, method and status code',
    labelNames,
    registers: [registry],
  });
  const errors = new Counter({
    name: 'rectifier_serve_request_errors_total',
    help: 'HTTP requests answered with a 4xx or 5xx status',
    labelNames,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'rectifier_serve_request_duration_seconds',
    help: 'Time from receiving a request to sending its answer',
    labelNames: ['route', 'method'],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const batchSizes = new Histogram({
    name: 'rectifier_serve_batch_size',
    help: 'Samples per inference batch run by onnxruntime',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256].filter((b) => b <= Math.max(1, maxBatchSize)),
    registers: [registry],
  });
  const batchRequests = new Histogram({
    name: 'rectifier_serve_batch_requests',
    help: 'Requests merged into one inference batch',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256].filter((b) => b <= Math.max(1, maxBatchSize)),
    registers: [registry],
  });
  const inference = new Histogram({
    name: 'rectifier_serve_inference_duration_seconds',
    help: 'Time onnxruntime took per batch (including the hand-off to its worker thread)',
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const queueDepth = new Gauge({
    name: 'rectifier_serve_queue_depth',
    help: 'Requests waiting for a batch',
    registers: [registry],
  });
  const queueSamples = new Gauge({
    name: 'rectifier_serve_queue_samples',
    help: 'Samples waiting for a batch',
    registers: [registry],
  });
  return {
    registry,
    request(route, method, status, seconds) {
      const labels = { route, method, code: String(status) };
      requests.inc(labels);
      if (status >= 400) errors.inc(labels);
      latency.observe({ route, method }, seconds);
    },
    batch(samples, reqs, seconds) {
      batchSizes.observe(samples);
      batchRequests.observe(reqs);
      inference.observe(seconds);
    },
    queueDepth(reqs, samples) {
      queueDepth.set(reqs);
      queueSamples.set(samples);
    },
  };
}
