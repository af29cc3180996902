/**
 * Node-only helpers (`@rectifier/onnx/node`): write an exported model to a file.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Module } from '@rectifier/nn';
import { exportOnnxAsync } from './export';
import type { ExportOptions } from './export-spec';

/**
 * Exports `model` and writes it to `path` (parent directories are created). Nothing is written when
 * the export fails. Returns the number of bytes written.
 * @example
 * import { exportOnnxFile } from '@rectifier/onnx/node';
 * await exportOnnxFile(model, 'model.onnx', { inputShape: [1, 3, 224, 224], dynamicBatch: true });
 */
export async function exportOnnxFile(
  model: Module<any, any>,
  path: string,
  options: ExportOptions,
): Promise<number> {
  const bytes = await exportOnnxAsync(model, options);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, bytes);
  return bytes.length;
}
