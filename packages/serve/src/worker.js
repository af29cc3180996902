// @ts-check
// One inference worker thread: its own onnxruntime-node session, running the batches the main thread
// sends. Plain JavaScript (not TypeScript) so that the same file runs from src/ in the tests and from
// dist/ when installed: the pool starts it with new URL('./worker.js', import.meta.url).
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';

const port = /** @type {import('node:worker_threads').MessagePort} */ (parentPort);

/** @type {import('onnxruntime-node').InferenceSession} */
let session;
try {
  session = await ort.InferenceSession.create(workerData.model, workerData.sessionOptions);
} catch (e) {
  port.postMessage({ type: 'fatal', message: e instanceof Error ? e.message : String(e) });
  port.close();
  throw e;
}
port.postMessage({ type: 'ready' });

port.on('message', async (m) => {
  if (m.type === 'close') {
    await session.release();
    port.close();
    return;
  }
  if (m.type !== 'run') return;
  try {
    /** @type {Record<string, import('onnxruntime-node').Tensor>} */
    const feeds = {};
    for (const [name, t] of Object.entries(m.feeds)) feeds[name] = new ort.Tensor(t.type, t.data, t.dims);
    const result = await session.run(feeds);
    /** @type {Record<string, { type: string, data: unknown, dims: number[] }>} */
    const outputs = {};
    /** @type {ArrayBuffer[]} */
    const transfer = [];
    for (const [name, t] of Object.entries(result)) {
      // A copy: the session's own output buffers may not be transferable.
      const data = /** @type {Float32Array} */ (t.data).slice();
      outputs[name] = { type: t.type, data, dims: Array.from(t.dims) };
      transfer.push(/** @type {ArrayBuffer} */ (data.buffer));
    }
    port.postMessage({ type: 'result', id: m.id, outputs }, transfer);
  } catch (e) {
    port.postMessage({ type: 'error', id: m.id, message: e instanceof Error ? e.message : String(e) });
  }
});
