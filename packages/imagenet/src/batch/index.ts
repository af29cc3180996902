/**
 * @rectifier/imagenet/batch: turns loader output into `@rectifier/tensor` tensors — NCHW float32
 * inputs and int32 labels. The only part of the package that imports the tensor package.
 */
import { type Tensor, tensor } from '@rectifier/tensor';

/** The fields of a loader batch this module needs (see `Batch` in `@rectifier/imagenet/node`). */
export interface BatchLike {
  /** NCHW float32 values. */
  data: Float32Array;
  /** [N, C, H, W]. */
  shape: readonly [number, number, number, number] | readonly number[];
  /** One label per sample (N / views of them). */
  labels: Int32Array | readonly number[];
}

/** Tensors of one batch. */
export interface TensorBatch {
  /** [N, C, H, W] float32. */
  input: Tensor;
  /** [N / views] int32 class indices. */
  target: Tensor;
}

/**
 * Wraps a loader batch as tensors (the data is copied into the tensor's storage).
 * @throws when data length and shape disagree, or labels do not divide N
 * @example const { input, target } = toTensors(batch); // input [128, 3, 224, 224], target [128]
 */
export function toTensors(b: BatchLike): TensorBatch {
  const shape = [...b.shape];
  if (shape.length !== 4)
    throw new Error(`toTensors: batch shape must be [N, C, H, W], got [${shape.join(', ')}]`);
  const n = shape.reduce((a, d) => a * d, 1);
  if (b.data.length !== n)
    throw new Error(`toTensors: data has ${b.data.length} values but shape [${shape.join(', ')}] needs ${n}`);
  const labels = b.labels instanceof Int32Array ? b.labels : Int32Array.from(b.labels);
  if (labels.length === 0 || shape[0] % labels.length !== 0)
    throw new Error(`toTensors: ${labels.length} labels do not divide the batch of ${shape[0]} views`);
  return {
    input: tensor(b.data, { shape, dtype: 'float32' }),
    target: tensor(labels, { shape: [labels.length], dtype: 'int32' }),
  };
}

/**
 * Stacks per-sample CHW float32 arrays (e.g. from `applyTransform`) and labels into tensors.
 * @param chw the sample shape [C, H, W] shared by all samples
 * @example const { input, target } = stack([x0, x1], [3, 32, 32], [4, 7]);
 */
export function stack(
  samples: readonly Float32Array[],
  chw: readonly [number, number, number],
  labels: readonly number[],
): TensorBatch {
  const per = chw[0] * chw[1] * chw[2];
  if (samples.length !== labels.length)
    throw new Error(`stack: ${samples.length} samples but ${labels.length} labels`);
  const data = new Float32Array(samples.length * per);
  samples.forEach((s, i) => {
    if (s.length !== per)
      throw new Error(`stack: sample ${i} has ${s.length} values, shape [${chw.join(', ')}] needs ${per}`);
    data.set(s, i * per);
  });
  return toTensors({ data, shape: [samples.length, ...chw], labels });
}

/**
 * One full-image evaluation input (from `multiScaleInputs`) as a [1, 3, H, W] tensor.
 * @example const x = scaleInputToTensor(inputs[0]); // e.g. [1, 3, 256, 341]
 */
export function scaleInputToTensor(s: { data: Float32Array; height: number; width: number }): Tensor {
  if (s.data.length !== 3 * s.height * s.width)
    throw new Error(
      `scaleInputToTensor: data has ${s.data.length} values, expected 3x${s.height}x${s.width}`,
    );
  return tensor(s.data, { shape: [1, 3, s.height, s.width], dtype: 'float32' });
}
