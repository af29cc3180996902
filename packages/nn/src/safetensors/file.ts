import type { Tensor } from '@rectifier/tensor';
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
  const { readFile } = await fs();
  const buf = await readFile(path);
  try {
    return loadSafetensors(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`);
  }
}
