import { type CpuStorage, cpuBackend, type Storage } from '@rectifier/tensor';

/**
 * Runs a oneDNN kernel into `out`; if oneDNN rejects the configuration (its error says 'oneDNN: ...',
 * e.g. a shape none of its implementations takes), frees `out` and runs the CPU backend's kernel.
 */
export function withFallback(out: CpuStorage, native: () => void, cpu: () => Storage): Storage {
  try {
    native();
    return out;
  } catch (e) {
    if (!/: oneDNN: /.test((e as Error).message)) throw e;
    cpuBackend.dispose(out);
    return cpu();
  }
}
