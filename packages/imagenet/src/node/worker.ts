/**
 * Loader worker entry (built to dist/worker.js). Receives `{ id, items, ctx }` tasks and answers
 * `{ id, result }` with the float buffer transferred, or `{ id, error }`.
 */
import { parentPort } from 'node:worker_threads';
import { processItems, type WorkContext, type WorkItem } from './process.js';

const port = parentPort;
if (port) {
  const spare: Float32Array[] = [];
  port.on(
    'message',
    async (msg: { id: number; items?: WorkItem[]; ctx?: WorkContext; recycle?: ArrayBuffer }) => {
      if (msg.recycle) {
        spare.push(new Float32Array(msg.recycle));
        if (spare.length > 4) spare.shift();
      }
      if (!msg.items || !msg.ctx) return;
      try {
        const result = await processItems(msg.items, msg.ctx, spare.pop());
        port.postMessage({ id: msg.id, result }, [result.data.buffer as ArrayBuffer]);
      } catch (e) {
        port.postMessage({ id: msg.id, error: String((e as Error)?.stack ?? e) });
      }
    },
  );
}
