import type { Tensor } from '@rectifier/tensor';
import { MAX_HEADER_BYTES } from './header';
import { type LoadedSafetensors, loadSafetensors, saveSafetensorsAsync } from './tensors';

// node:fs is imported lazily; these helpers live in the @rectifier/nn/node entry, never in the browser one.
async function fs() {
  try {
    return await import('node:fs/promises');
  } catch {
    throw new Error(
      'safetensors file helpers need Node.js (node:fs); in a browser use saveSafetensors/loadSafetensors on bytes',
    );
  }
}

/**
 * Writes a state dict to a `.safetensors` file (Node.js). The file is written to `path + '.tmp'` and
 * renamed, so an interrupted write never leaves a truncated checkpoint under `path`.
 *
 * @example
 * await writeSafetensorsFile('model-a.safetensors', model.stateDict(), { model: 'model-a' });
 */
export async function writeSafetensorsFile(
  path: string,
  stateDict: Record<string, Tensor>,
  metadata?: Record<string, string>,
): Promise<void> {
  const bytes = await saveSafetensorsAsync(stateDict, metadata);
  const { writeFile, rename } = await fs();
  const tmp = `${path}.tmp`;
  await writeFile(tmp, bytes);
  await rename(tmp, path);
}

/**
 * Reads a `.safetensors` file (Node.js) into tensors and metadata; errors name the file.
 *
 * @example
 * const { tensors } = await readSafetensorsFile('model-a.safetensors');
 */
export async function readSafetensorsFile(path: string): Promise<LoadedSafetensors> {
  const { open } = await fs();
  const file = await open(path, 'r');
  let bytes: Uint8Array;
  try {
    const { size } = await file.stat();
    // The header length comes first: a file announcing an oversized header is refused before the
    // rest is read (a 100 MB hostile header costs 8 bytes of reading, not 100 MB of memory).
    const head = new Uint8Array(8);
    const { bytesRead } = await file.read(head, 0, 8, 0);
    if (bytesRead === 8) {
      const n = new DataView(head.buffer).getBigUint64(0, true);
      if (n > BigInt(MAX_HEADER_BYTES))
        throw new Error(
          `${path}: safetensors: header length ${n} exceeds the ${MAX_HEADER_BYTES}-byte limit`,
        );
    }
    bytes = new Uint8Array(size);
    let at = 0;
    while (at < size) {
      const r = await file.read(bytes, at, size - at, at);
      if (r.bytesRead === 0) break;
      at += r.bytesRead;
    }
    if (at < size) bytes = bytes.subarray(0, at);
  } finally {
    await file.close();
  }
  try {
    return loadSafetensors(bytes);
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`);
  }
}
