import { type BackendSelection, cpuBackend, getBackend, selectBackend, setBackend } from '@rectifier/tensor';
import { UsageError, UserError } from './errors';

/** The compute backends a command accepts (`--backend`). */
export const BACKEND_CHOICES = ['auto', 'webgpu', 'native', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

/** Set to 1 to let `--backend auto` use a software WebGPU adapter (SwiftShader, llvmpipe). */
export const ALLOW_SOFTWARE_GPU_ENV = 'RECTIFIER_ALLOW_SOFTWARE_GPU';

/** The `--backend` option shared by every command that computes. */
export const BACKEND_OPTION = {
  type: 'string',
  arg: 'B',
  description: `auto (a real GPU through WebGPU, else the native oneDNN backend, else WASM SIMD, else JS; ${ALLOW_SOFTWARE_GPU_ENV}=1 also accepts a software GPU), webgpu (any adapter, software ones included), native, wasm or cpu`,
  default: 'auto',
} as const;

/**
 * Makes the chosen backend the default with @rectifier/tensor's `selectBackend` and returns the
 * selection (name, one-line description, the reason, the WebGPU adapter). Failures become one-line
 * `UserError`s (e.g. `--backend webgpu` without the optional `webgpu` package names the package).
 */
export async function useBackend(choice: string, opts: { threads?: number } = {}): Promise<BackendSelection> {
  if (!(BACKEND_CHOICES as readonly string[]).includes(choice))
    throw new UsageError(`--backend must be one of ${BACKEND_CHOICES.join(', ')}; got '${choice}'`);
  const allow = process.env[ALLOW_SOFTWARE_GPU_ENV];
  try {
    return await selectBackend(choice as BackendChoice, {
      ...(opts.threads ? { threads: opts.threads } : {}),
      allowFallbackAdapter: allow === '1' || allow === 'true',
    });
  } catch (e) {
    throw new UserError(`--backend ${choice}: ${(e as Error).message.replace(/^selectBackend: /, '')}`);
  }
}

/** The line commands print: 'webgpu (nvidia / hopper): auto: a WebGPU adapter is available'. */
export function describeSelection(s: BackendSelection): string {
  return `${s.description} [${s.reason}]`;
}

/**
 * Stops the active backend's resources (WASM worker threads, the WebGPU device) so that the process
 * can exit, and makes the JS backend the default again.
 */
export function releaseBackend(): void {
  const b = getBackend() as { close?: () => void; destroy?: () => void };
  setBackend(cpuBackend);
  if ((b as unknown) === cpuBackend) return;
  if (typeof b.close === 'function') b.close();
  else if (typeof b.destroy === 'function') b.destroy();
}
