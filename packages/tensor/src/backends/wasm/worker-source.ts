// The source of a kernel worker, as a string: Node runs it with `new Worker(src, { eval: true })`,
// browsers from a Blob URL, so no separate file has to be located or bundled. The worker receives
// the compiled module and the shared memory once, instantiates its own copy of the kernels, then
// loops: block on the job sequence word, run its share of the job, count itself done.
//
// Control block (Int32 words at `ctrl`): 0 job sequence, 1 workers inside the job (+ closed bit),
// 2 error flag, 3 function index
// (-1 = exit), 4 argument count, 5 thread count of the job, 6 work counter that kernels with
// dynamic scheduling take items from (zeroed per call); arguments as float64 at ctrl + 64.

/** Word indices of the control block shared with the workers. */
export const CTRL = { SEQ: 0, ACTIVE: 1, ERR: 2, FN: 3, ARGC: 4, NT: 5, QUEUE: 6 } as const;
/** Bit of the ACTIVE word that marks the current job closed to workers that have not joined yet. */
export const CTRL_CLOSED = 0x40000000;
/** Byte offset of the float64 arguments within the control block. */
export const CTRL_ARGS_OFFSET = 64;
/** Most arguments a kernel call may pass (before tid, nt). */
export const CTRL_MAX_ARGS = 24;
/** Bytes of the control block. */
export const CTRL_BYTES = CTRL_ARGS_OFFSET + CTRL_MAX_ARGS * 8;

export const workerSource = `
'use strict';
const nodePort = typeof self === 'undefined' ? require('node:worker_threads').parentPort : null;
const CLOSED = ${CTRL_CLOSED};
const post = (m) => (nodePort ? nodePort.postMessage(m) : self.postMessage(m));
const start = (msg) => {
  const { module, memory, names, tid, ctrl } = msg;
  let fns;
  try {
    const inst = new WebAssembly.Instance(module, { env: { memory } });
    fns = names.map((n) => inst.exports[n]);
  } catch (e) {
    post({ error: String(e && e.message ? e.message : e) });
    return;
  }
  const i32 = new Int32Array(memory.buffer, ctrl, ${CTRL_BYTES / 4});
  const f64 = new Float64Array(memory.buffer, ctrl + ${CTRL_ARGS_OFFSET}, ${CTRL_MAX_ARGS});
  const args = [];
  // Read the sequence word before reporting ready: the host may dispatch the first job as soon as
  // it hears from every worker, and a job announced in between would otherwise be missed forever.
  let seen = Atomics.load(i32, 0);
  post({ ready: true });
  for (;;) {
    Atomics.wait(i32, 0, seen);
    const seq = Atomics.load(i32, 0);
    if (seq === seen) continue;
    seen = seq;
    if (i32[3] < 0) break;
    // Join the job unless the host has already closed it (it finished every work unit itself):
    // word 1 counts the workers inside the job, its top bit marks it closed.
    let v = Atomics.load(i32, 1);
    let joined = false;
    while ((v & CLOSED) === 0) {
      const w = Atomics.compareExchange(i32, 1, v, v + 1);
      if (w === v) {
        joined = true;
        break;
      }
      v = w;
    }
    if (!joined) continue;
    // Read the job only after joining: a late worker may have joined the next job, which is fine.
    const fn = i32[3];
    const nt = i32[5];
    if (tid < nt) {
      const argc = i32[4];
      args.length = argc + 2;
      for (let i = 0; i < argc; i++) args[i] = f64[i];
      args[argc] = tid;
      args[argc + 1] = nt;
      try {
        fns[fn].apply(null, args);
      } catch (e) {
        Atomics.store(i32, 2, 1);
      }
    }
    Atomics.sub(i32, 1, 1);
    Atomics.notify(i32, 1);
  }
};
if (nodePort) nodePort.once('message', start);
else self.onmessage = (e) => { self.onmessage = null; start(e.data); };
`;
