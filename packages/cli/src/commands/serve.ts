import { intOpt } from '../args';
import { UsageError, UserError } from '../errors';
import { type Io, out } from '../io';
import type { Command } from '../main';
import { loadServe } from '../optional-deps';

const num = (v: Record<string, string | boolean | undefined>, k: string): number | undefined => {
  const s = v[k];
  if (s === undefined) return undefined;
  const n = Number(s);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`--${k} must be a number >= 0, got '${s}'`);
  return n;
};

/** `rectifier serve <model.onnx | triton-repo>`: the Open Inference Protocol over HTTP (@rectifier/serve). */
export const serveCommand: Command = {
  spec: {
    name: 'serve',
    summary:
      'Serve an ONNX model (or a Triton model repository) over the Open Inference Protocol (KServe v2 REST) with dynamic batching, an image endpoint and Prometheus metrics.',
    usage: 'rectifier serve <model.onnx | model-repository> [options]',
    positionals: { min: 1, max: 1 },
    options: {
      port: {
        type: 'string',
        arg: 'N',
        description: 'port to listen on (0: any free port)',
        default: '8000',
      },
      host: {
        type: 'string',
        arg: 'ADDR',
        description: 'address to listen on (0.0.0.0 for other machines)',
        default: '127.0.0.1',
      },
      name: { type: 'string', arg: 'NAME', description: 'model name in URLs (default: the file name)' },
      workers: { type: 'string', arg: 'N', description: 'worker threads, one onnxruntime session each' },
      threads: {
        type: 'string',
        arg: 'N',
        description: 'onnxruntime threads per worker (default: cores / workers)',
      },
      'max-batch-size': {
        type: 'string',
        arg: 'N',
        description: 'largest batch (default 32, or the Triton config)',
      },
      'batch-window': {
        type: 'string',
        arg: 'MS',
        description: 'how long a request waits for others to batch with (default 2, or the Triton config)',
      },
      'max-queue': {
        type: 'string',
        arg: 'N',
        description: 'samples that may wait; beyond, 503 + Retry-After',
      },
      timeout: { type: 'string', arg: 'MS', description: 'answer 503/504 after this long', default: '30000' },
      'body-limit': { type: 'string', arg: 'MB', description: 'largest request body in MiB', default: '64' },
      log: { type: 'boolean', description: 'log every request (JSON lines)' },
    },
    epilog:
      'Endpoints: GET /v2, /v2/health/live, /v2/health/ready, /v2/models/<name>[/ready];\n' +
      'POST /v2/models/<name>/infer (JSON or binary tensors), /v2/models/<name>/classify (JPEG/PNG bytes);\n' +
      'GET /metrics. SIGTERM or Ctrl-C: finish the requests in flight, then exit.',
  },
  async run(args, io: Io) {
    const v = args.values;
    const { startServer } = await loadServe('rectifier serve');
    const port = intOpt(v, 'port', 0) as number;
    const bodyLimitMiB = num(v, 'body-limit') as number;
    const options = {
      model: args.positionals[0],
      host: String(v.host),
      port,
      name: v.name === undefined ? undefined : String(v.name),
      workers: intOpt(v, 'workers'),
      threadsPerWorker: intOpt(v, 'threads'),
      maxBatchSize: intOpt(v, 'max-batch-size', 0),
      batchWindowMs: num(v, 'batch-window'),
      maxQueue: intOpt(v, 'max-queue'),
      timeoutMs: intOpt(v, 'timeout'),
      bodyLimit: Math.max(1, Math.round(bodyLimitMiB * 1024 * 1024)),
      logger: v.log === true,
    };
    let server: Awaited<ReturnType<typeof startServer>>;
    try {
      server = await startServer(options);
    } catch (e) {
      throw new UserError((e as Error).message);
    }
    const m = server.model;
    const s = server.settings;
    out(
      io,
      `serving '${m.name}' (version ${m.version}) at ${server.url}: ${s.workers} worker(s) x ${s.threadsPerWorker} thread(s), ` +
        `max batch ${m.maxBatchSize}, window ${s.batchWindowMs} ms`,
    );
    out(io, `  POST ${server.url}/v2/models/${m.name}/infer   GET ${server.url}/metrics`);
    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        process.off('SIGTERM', onTerm);
        process.off('SIGINT', onInt);
        out(io, `${signal}: finishing the requests in flight, refusing new ones`);
        server.close().then(resolve, resolve);
      };
      const onTerm = () => stop('SIGTERM');
      const onInt = () => stop('SIGINT');
      process.once('SIGTERM', onTerm);
      process.once('SIGINT', onInt);
    });
    out(io, 'stopped');
    return 0;
  },
};
