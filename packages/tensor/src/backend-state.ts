import type { Backend } from './backend.js';
import { cpuBackend } from './backends/cpu/index.js';

// null until setBackend: the CPU backend is the default (backends never import the ops, so no cycle)
let current: Backend | null = null;

/** The backend that creation functions use when no `backend` option is given (default: `cpuBackend`). */
export function getBackend(): Backend {
  return current ?? cpuBackend;
}

/**
 * Sets the default backend for new tensors. Existing tensors stay where they are.
 *
 * @example
 * setBackend(await createWebGPUBackend());
 */
export function setBackend(b: Backend): void {
  if (b?.specificationVersion !== 'v1')
    throw new Error('setBackend: expected a Backend with specificationVersion "v1"');
  current = b;
}

/**
 * Runs `fn` with `b` as the default backend, then restores the previous one.
 *
 * @example
 * const x = withBackend(cpuBackend, () => zeros([2, 2]));
 */
export function withBackend<T>(b: Backend, fn: () => T): T {
  const prev = current;
  setBackend(b);
  try {
    return fn();
  } finally {
    current = prev;
  }
}
