/**
 * Loader worker entry (built to dist/worker.js). Receives `{ id, items, ctx }` tasks and answers
 * `{ id, result, busyMs }` with the float buffer transferred, or `{ id, error }`. `busyMs` is this
 * worker's time with at least one task in progress so far, measured here, so that a busy main
 * thread (which receives the answers late) does not inflate it.
 */
import { parentPort } from 'node:worker_threads';
import { processItems, type WorkContext, type WorkItem } from './process.js';

const port = parentPort;
if (port) {
  const spare: Float32Array[] = [];
  let active = 0;
  let since = 0;
  let busyMs = 0;
  const tick = (delta: number) => {
    const now = performance.now();
    if (active > 0) busyMs += now - since;
    since = now;
    active += delta;
  };
  port.on(
    'message',
    async (msg: { id: number; items?: WorkItem[]; ctx?: WorkContext; recycle?: ArrayBuffer }) => {
      if (msg.recycle) {
        spare.push(new Float32Array(msg.recycle));
        if (spare.length > 4) spare.shift();
      }
      if (!msg.items || !msg.ctx) return;
      tick(1);
      try {
        const result = await processItems(msg.items, msg.ctx, spare.pop());
        tick(-1);
        port.postMessage({ id: msg.id, result, busyMs }, [result.data.buffer as ArrayBuffer]);
      } catch (e) {
        tick(-1);
        port.postMessage({ id: msg.id, error: String((e as Error)?.stack ?? e) });
      }
    },
  );
}
