// The benchmark's server process: serves the model given on the command line with the built package
// and prints one JSON line { url } when it listens. SIGTERM shuts it down gracefully.
import { startServer } from '../dist/index.js';

const [model, workers, threads, window] = process.argv.slice(2);
const server = await startServer({
  model,
  port: 0,
  workers: Number(workers),
  threadsPerWorker: Number(threads),
  batchWindowMs: Number(window),
  maxBatchSize: 32,
});
process.stdout.write(`${JSON.stringify({ url: server.url, settings: server.settings })}\n`);
process.once('SIGTERM', () => server.close().then(() => process.exit(0)));
