import type { Module } from '@rectifier/nn';
import { saveSafetensorsAsync } from '@rectifier/nn';
import { writeFileAtomic } from '@rectifier/train';

/** Writes a model's weights alone (PyTorch-compatible names) as safetensors, atomically. */
export async function saveWeights(
  model: Module,
  path: string,
  metadata: Record<string, string>,
): Promise<void> {
  await writeFileAtomic(path, await saveSafetensorsAsync(model.stateDict(), { format: 'pt', ...metadata }));
}
