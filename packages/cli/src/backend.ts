import { cpuBackend, getBackend, setBackend } from '@rectifier/tensor';

/** The compute backends a command can be asked for. */
export const BACKENDS = ['auto', 'wasm', 'cpu'] as const;
/** Which compute backend a command uses. */
export type BackendChoice = (typeof BACKENDS)[number];

/**
 * Selects the fastest available CPU backend: the WASM SIMD backend (`@rectifier/tensor/wasm`)
 * when it loads, else the JS reference backend. 'wasm' fails loudly if it cannot load.
 * @returns a short description, e.g. 'wasm (relaxed SIMD, 2 threads)'.
 */
export async function selectBackend(choice: BackendChoice = 'auto', threads?: number): Promise<string> {
  if (choice === 'cpu') {
    setBackend(cpuBackend);
    return 'cpu (JavaScript reference kernels)';
  }
  try {
    const { createWasmBackend } = await import('@rectifier/tensor/wasm');
    const b = await createWasmBackend(threads ? { threads } : {});
    setBackend(b);
    return `wasm (${b.simd === 'relaxed' ? 'relaxed SIMD' : 'SIMD'}, ${b.threads} thread${b.threads === 1 ? '' : 's'})`;
  } catch (e) {
    if (choice === 'wasm') throw new Error(`the WASM backend did not load: ${(e as Error).message}`);
    setBackend(cpuBackend);
    return `cpu (JavaScript reference kernels; WASM unavailable: ${(e as Error).message.split('\n')[0]})`;
  }
}

/** Stops the WASM backend's worker threads (so the process can exit), if it is active. */
export function releaseBackend(): void {
  const b = getBackend() as { close?: () => void };
  if (b !== cpuBackend && typeof b.close === 'function') b.close();
  setBackend(cpuBackend);
}
