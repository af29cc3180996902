/**
 * The served model as the HTTP layer and the batcher see it: its I/O, how it batches, its labels.
 */
import type { TensorInfo } from './onnx-info';

export interface ModelSpec {
  /** The name in URLs (`/v2/models/{name}`). */
  name: string;
  /** The one version served (a Triton repository's highest version directory; "1" for a plain file). */
  version: string;
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  /**
   * Largest batch one inference runs. 0 when the model has no dynamic first dimension: then requests
   * are run one at a time with exactly the model's shapes (Triton's `max_batch_size: 0`).
   */
  maxBatchSize: number;
  /** Class names for the classification extension and the image endpoint, when known. */
  labels?: string[];
  /** `metadata_props` of the ONNX file. */
  metadata: Record<string, string>;
}

/** True when the model's first dimension of every input and output is dynamic (the batch). */
export function hasDynamicBatch(inputs: TensorInfo[], outputs: TensorInfo[]): boolean {
  return [...inputs, ...outputs].every((t) => t.shape.length >= 1 && t.shape[0] === -1);
}
