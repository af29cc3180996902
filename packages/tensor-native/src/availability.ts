import { loadAddon } from './addon.js';

/**
 * Whether the native addon loads on this machine, without creating a backend: `{ available: true,
 * binaryPath }` or `{ available: false, reason }` (one line: not installed, no binary for this
 * platform, a missing shared library).
 *
 * @example
 * import { nativeAvailability } from '@rectifier/tensor-native';
 * const a = nativeAvailability();
 * if (!a.available) console.warn(a.reason);
 */
export function nativeAvailability():
  | { readonly available: true; readonly binaryPath: string }
  | { readonly available: false; readonly reason: string } {
  const loaded = loadAddon();
  return 'error' in loaded
    ? { available: false, reason: loaded.error }
    : { available: true, binaryPath: loaded.path };
}
