/**
 * The HTTP server: fastify routes for the Open Inference Protocol (KServe v2 REST) and the image
 * endpoint, Prometheus metrics, limits (body size, slow clients, queue, timeouts) and graceful
 * shutdown. HTTP parsing is fastify's and Node's; this module only routes and answers.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { availableParallelism } from 'node:os';
import { preprocessingChannels } from '@rectifier/imagenet';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { Batcher } from './batcher';
import { badRequest, HttpError } from './errors';
import { imagePreprocessing, imageToInput } from './image-input';
import { type InferRequest, parseInferRequest, splitBody } from './infer-request';
import { encodeInferResponse, topKIndices } from './infer-response';
import { loadModel } from './load-model';
import { createMetrics } from './metrics';
import type { ModelSpec } from './model-spec';
import { SessionPool } from './session-pool';
import { VERSION } from './version';

export interface ServeOptions {
  /** An .onnx file, a Triton model repository (or model directory), or ONNX bytes. */
  model: string | Uint8Array;
  /** Name in URLs (default: the file name without .onnx, or the Triton model's name). */
  name?: string;
  /** Address to listen on (default 127.0.0.1; 0.0.0.0 to accept connections from other machines). */
  host?: string;
  /** Port (default 8000; 0 picks a free one). */
  port?: number;
  /** Worker threads, each with its own onnxruntime session (default: the Triton config's instance count, else 1). */
  workers?: number;
  /** onnxruntime intra-op threads per worker (default: the cores divided among the workers). */
  threadsPerWorker?: number;
  /** Largest batch (default: the Triton config's max_batch_size, else 32; 0 for a model with a fixed batch). */
  maxBatchSize?: number;
  /** How long a request waits for others to join its batch, in ms (default: the Triton config's delay, else 2). */
  batchWindowMs?: number;
  /** Most samples waiting; beyond it requests get 503 with Retry-After (default 8 x max batch x workers, at least 64). */
  maxQueue?: number;
  /** A request not answered within this many ms fails with 503 (still queued) or 504 (default 30000). */
  timeoutMs?: number;
  /** Largest request body in bytes (default 64 MiB). */
  bodyLimit?: number;
  /** Time a client has to send a whole request, in ms; slower ones get 408 (default 30000). */
  requestTimeoutMs?: number;
  /** Largest image (pixels) the image endpoint decodes (default 40 million). */
  maxImagePixels?: number;
  /** Log each request with fastify's logger (pino) to stdout (default false). */
  logger?: boolean;
}

export interface InferenceServer {
  /** `http://host:port`. */
  url: string;
  port: number;
  model: ModelSpec;
  /** The settings in force after defaults. */
  settings: Required<
    Pick<
      ServeOptions,
      'workers' | 'threadsPerWorker' | 'batchWindowMs' | 'maxQueue' | 'timeoutMs' | 'bodyLimit'
    >
  >;
  /** Prometheus text of the metrics (what GET /metrics answers). */
  metrics(): Promise<string>;
  /**
   * Graceful shutdown: stops accepting connections and answers 503 to new requests, finishes every
   * request already received, then stops the workers.
   */
  close(): Promise<void>;
}

const positiveInt = (name: string, v: number | undefined, min = 1) => {
  if (v !== undefined && (!Number.isSafeInteger(v) || v < min))
    throw new Error(`${name} must be an integer >= ${min}, got ${v}`);
  return v;
};

/** Loads the model into worker sessions and starts listening. */
export async function startServer(options: ServeOptions): Promise<InferenceServer> {
  positiveInt('workers', options.workers);
  positiveInt('threadsPerWorker', options.threadsPerWorker);
  positiveInt('maxQueue', options.maxQueue);
  positiveInt('timeoutMs', options.timeoutMs);
  positiveInt('bodyLimit', options.bodyLimit);
  positiveInt('requestTimeoutMs', options.requestTimeoutMs);
  positiveInt('port', options.port, 0);
  if (options.batchWindowMs !== undefined && !(options.batchWindowMs >= 0 && options.batchWindowMs <= 10_000))
    throw new Error(`batchWindowMs must be between 0 and 10000, got ${options.batchWindowMs}`);
  const loaded = await loadModel(options.model, { name: options.name, maxBatchSize: options.maxBatchSize });
  const spec = loaded.spec;
  const workers = options.workers ?? loaded.instances ?? 1;
  const threadsPerWorker =
    options.threadsPerWorker ?? Math.max(1, Math.floor(availableParallelism() / workers));
  const settings = {
    workers,
    threadsPerWorker,
    batchWindowMs: options.batchWindowMs ?? loaded.windowMs ?? 2,
    maxQueue: options.maxQueue ?? Math.max(64, 8 * Math.max(1, spec.maxBatchSize) * workers),
    timeoutMs: options.timeoutMs ?? 30_000,
    bodyLimit: options.bodyLimit ?? 64 * 1024 * 1024,
  };
  const requestTimeout = options.requestTimeoutMs ?? 30_000;
  const maxImagePixels = options.maxImagePixels ?? 40_000_000;

  const pool = await SessionPool.start({ model: loaded.source, workers, threadsPerWorker });
  const metrics = createMetrics(spec, spec.maxBatchSize);
  const batcher = new Batcher(
    spec,
    pool,
    { windowMs: settings.batchWindowMs, maxQueue: settings.maxQueue, timeoutMs: settings.timeoutMs },
    metrics,
  );
  metrics.queueDepth(0, 0);
  let draining = false;

  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: settings.bodyLimit,
    // Idle keep-alive connections are closed at shutdown; busy ones finish their request first.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    serverFactory: (handler) =>
      createServer(
        {
          requestTimeout: requestTimeout,
          headersTimeout: Math.min(requestTimeout, 60_000),
          // How often Node checks those two timeouts (its default, 30 s, would let a slow client hang on).
          connectionsCheckingInterval: Math.min(1000, Math.max(10, Math.floor(requestTimeout / 4))),
          keepAliveTimeout: 5000,
        },
        handler as (req: IncomingMessage, res: ServerResponse) => void,
      ) as Server,
  });

  // Bodies are taken as bytes whatever their Content-Type; each route decides what they must be.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, _req, reply) => {
    let status = err instanceof HttpError ? err.statusCode : (err.statusCode ?? 500);
    if (status < 400 || status > 599) status = 500;
    let message = err.message;
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
      message = `the request body is larger than the server's limit of ${settings.bodyLimit} bytes`;
    else if (status === 500 && !(err instanceof HttpError)) message = `the server failed: ${err.message}`;
    if (err instanceof HttpError) reply.headers(err.headers);
    reply.code(status).type('application/json').send({ error: message });
  });
  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send({
      error: `no endpoint ${req.method} ${req.url.split('?')[0]} (see GET /v2 and /v2/models/${spec.name})`,
    });
  });
  // Callback-style hooks: they run on every request, and async ones cost a promise each.
  app.addHook('onSend', (_req, reply, payload, done) => {
    if (draining) reply.header('connection', 'close');
    done(null, payload);
  });
  app.addHook('onResponse', (req, reply, done) => {
    metrics.request(
      req.routeOptions.url ?? 'unmatched',
      req.method,
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
    done();
  });

  /** The served model when the URL names it (and its version, if any); else a 404. */
  const model = (req: FastifyRequest): ModelSpec => {
    const { name, version } = req.params as { name: string; version?: string };
    if (name !== spec.name)
      throw new HttpError(404, `unknown model '${name}'; this server serves '${spec.name}'`);
    if (version !== undefined && version !== spec.version)
      throw new HttpError(404, `model '${name}' has no version '${version}'; versions: ${spec.version}`);
    return spec;
  };
  const ready = () => !draining && pool.healthy && pool.size > 0;

  app.get('/v2/health/live', async () => ({ live: true }));
  app.get('/v2/health/ready', async (_req, reply) => {
    if (!ready()) reply.code(400);
    return { ready: ready() };
  });
  app.get('/v2', async () => ({
    name: 'rectifier',
    version: VERSION,
    extensions: ['binary_tensor_data', 'classification'],
  }));
  const metadata = (req: FastifyRequest) => {
    const m = model(req);
    const shape = (s: number[]) => (m.maxBatchSize > 0 ? [-1, ...s.slice(1)] : s);
    return {
      name: m.name,
      versions: [m.version],
      platform: 'onnxruntime_onnx',
      inputs: m.inputs.map((t) => ({ name: t.name, datatype: t.datatype, shape: shape(t.shape) })),
      outputs: m.outputs.map((t) => ({ name: t.name, datatype: t.datatype, shape: shape(t.shape) })),
    };
  };
  const modelReady = (req: FastifyRequest, reply: FastifyReply) => {
    const m = model(req);
    if (!ready()) reply.code(400);
    return { name: m.name, ready: ready() };
  };
  const infer = async (req: FastifyRequest, reply: FastifyReply) => {
    const m = model(req);
    const body = req.body as Buffer | undefined;
    if (!body || body.length === 0)
      throw badRequest('the request has no body; send an inference request JSON object');
    const header = req.headers['inference-header-content-length'];
    const { json, binary } = splitBody(body, Array.isArray(header) ? header[0] : header);
    const parsed = parseInferRequest(json, binary, m);
    const outputs = await batcher.submit(parsed);
    const enc = encodeInferResponse(m, parsed, outputs);
    if (enc.binary.length === 0) return reply.type('application/json').send(enc.json);
    const head = Buffer.from(enc.json, 'utf8');
    return reply
      .type('application/octet-stream')
      .header('inference-header-content-length', String(head.length))
      .send(Buffer.concat([head, ...enc.binary]));
  };
  const preprocessing = imagePreprocessing(spec);
  const softmaxInModel = (() => {
    try {
      return JSON.parse(spec.metadata['rectifier.options'] ?? '{}').softmax === true;
    } catch {
      return false;
    }
  })();
  const classify = async (req: FastifyRequest) => {
    const m = model(req);
    if (typeof preprocessing === 'string') throw badRequest(preprocessing);
    const q = req.query as { top?: string };
    const out = m.outputs[0];
    const classes = out.shape[out.shape.length - 1];
    const top = q.top === undefined ? Math.min(5, Math.max(1, classes)) : Number(q.top);
    if (!Number.isSafeInteger(top) || top < 1)
      throw badRequest(`?top must be an integer >= 1, got '${q.top}'`);
    const body = req.body as Buffer | undefined;
    if (!body || body.length === 0) throw badRequest('the request has no body; send the JPEG or PNG bytes');
    const x = await imageToInput(body, preprocessing, { maxPixels: maxImagePixels });
    const s = preprocessing.cropSize;
    const request: InferRequest = {
      batch: 1,
      inputs: [
        {
          name: m.inputs[0].name,
          datatype: 'FP32',
          shape: [1, preprocessingChannels(preprocessing), s, s],
          data: x,
        },
      ],
      outputs: [{ name: out.name, binary: false }],
    };
    const result = (await batcher.submit(request))[out.name];
    const scores = Array.from(result.data as Float32Array);
    if (!scores.every(Number.isFinite)) throw new HttpError(500, `the model produced a non-finite score`);
    // Probabilities as they are when the model ends in a Softmax (recorded, or the row already is a
    // distribution, as `rectifier predict` decides), else the softmax of the logits.
    const isDistribution =
      scores.every((v) => v >= 0 && v <= 1) && Math.abs(scores.reduce((a, b) => a + b, 0) - 1) < 1e-4;
    let probs = scores;
    if (!softmaxInModel && !isDistribution) {
      const mx = Math.max(...scores);
      const e = scores.map((v) => Math.exp(v - mx));
      const z = e.reduce((a, b) => a + b, 0);
      probs = e.map((v) => v / z);
    }
    return {
      model_name: m.name,
      model_version: m.version,
      classes: topKIndices(probs, Math.min(top, probs.length)).map((i) => ({
        index: i,
        label: m.labels?.[i] ?? String(i),
        probability: probs[i],
      })),
    };
  };
  for (const base of ['/v2/models/:name', '/v2/models/:name/versions/:version']) {
    app.get(base, async (req) => metadata(req));
    app.get(`${base}/ready`, modelReady);
    app.post(`${base}/infer`, infer);
    app.post(`${base}/classify`, classify);
  }
  app.get('/metrics', async (_req, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });

  try {
    await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 8000 });
  } catch (e) {
    await pool.close();
    throw new Error(
      `cannot listen on ${options.host ?? '127.0.0.1'}:${options.port ?? 8000}: ${(e as Error).message}`,
    );
  }
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : (options.port ?? 8000);
  const host = options.host ?? '127.0.0.1';
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    model: spec,
    settings: { ...settings },
    metrics: () => metrics.registry.metrics(),
    close() {
      closing ??= (async () => {
        draining = true;
        await app.close();
        await batcher.drain();
        await pool.close();
      })();
      return closing;
    },
  };
}
