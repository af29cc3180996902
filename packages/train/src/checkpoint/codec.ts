// The checkpoint container is safetensors, read and written by @rectifier/nn's codec, so the
// weights in a training checkpoint load with any safetensors reader (names prefixed 'model.').
import { loadSafetensors, saveSafetensorsAsync } from '@rectifier/nn';
import type { Tensor } from '@rectifier/tensor';

/**
 * Tensors and string metadata to safetensors bytes. Reads the tensors asynchronously, so that
 * checkpoints work on every backend (WebGPU has no synchronous reads).
 */
export function encodeSafetensors(
  tensors: Record<string, Tensor>,
  metadata: Record<string, string>,
): Promise<Uint8Array> {
  return saveSafetensorsAsync(tensors, metadata);
}

/** Safetensors bytes to tensors and metadata; throws on a malformed or truncated file. */
export function decodeSafetensors(bytes: Uint8Array): {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
} {
  const r = loadSafetensors(bytes);
  return { tensors: r.tensors, metadata: r.metadata };
}
