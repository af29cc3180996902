import { type Backend, DisposedError, type DType, Tensor, tensor } from '@rectifier/tensor';
import {
  type DecodedSafetensors,
  decodeSafetensors,
  encodeSafetensors,
  type RawTensor,
  type SafetensorsDType,
} from './format';

/** A checkpoint read by {@link loadSafetensors}. */
export interface LoadedSafetensors {
  /** tensors by name, in file order */
  readonly tensors: Record<string, Tensor>;
  readonly metadata: Record<string, string>;
}

const toFileDType: Record<DType, SafetensorsDType> = { float32: 'F32', float64: 'F64', int32: 'I32' };
const fromFileDType: Record<SafetensorsDType, DType> = {
  F32: 'float32',
  F64: 'float64',
  I32: 'int32',
  F16: 'float32',
  BF16: 'float32',
  I64: 'int32',
};

function checkStateDict(fn: string, stateDict: Record<string, Tensor>): [string, Tensor][] {
  if (stateDict === null || typeof stateDict !== 'object')
    throw new TypeError(`${fn}: expected a state dict (object of tensors)`);
  const entries = Object.entries(stateDict);
  for (const [name, t] of entries) {
    if (!(t instanceof Tensor)) throw new TypeError(`${fn}: '${name}' is not a Tensor`);
    if (t.isDisposed) throw new DisposedError(`${fn}: '${name}' is disposed`);
  }
  return entries;
}

/**
 * Serialises a state dict (`model.stateDict()`) into safetensors bytes with PyTorch-compatible names
 * and layouts: dotted names (`conv2_1.weight`), OIHW conv weights, [out, in] linear weights, PReLU
 * weights [C] or [1]. float32 -> F32, float64 -> F64, int32 -> I32. `metadata` is stored in
 * `__metadata__` (strings only). Reads tensors synchronously (CPU/WASM backends); use
 * {@link saveSafetensorsAsync} for GPU-resident tensors.
 *
 * @example
 * const bytes = saveSafetensors(model.stateDict(), { format: 'pt', model: 'model-a' });
 */
export function saveSafetensors(
  stateDict: Record<string, Tensor>,
  metadata?: Record<string, string>,
): Uint8Array {
  const raw: Record<string, RawTensor> = {};
  for (const [name, t] of checkStateDict('saveSafetensors', stateDict)) {
    let data: RawTensor['data'];
    try {
      data = t.dataSync() as RawTensor['data'];
    } catch (e) {
      throw new Error(
        `saveSafetensors: cannot read '${name}' synchronously (${(e as Error).message}); use saveSafetensorsAsync`,
      );
    }
    raw[name] = { dtype: toFileDType[t.dtype], shape: [...t.shape], data };
  }
  return encodeSafetensors(raw, metadata);
}

/** {@link saveSafetensors} for any backend (reads tensors with `await t.data()`). */
export async function saveSafetensorsAsync(
  stateDict: Record<string, Tensor>,
  metadata?: Record<string, string>,
): Promise<Uint8Array> {
  const raw: Record<string, RawTensor> = {};
  for (const [name, t] of checkStateDict('saveSafetensorsAsync', stateDict)) {
    raw[name] = {
      dtype: toFileDType[t.dtype],
      shape: [...t.shape],
      data: (await t.data()) as RawTensor['data'],
    };
  }
  return encodeSafetensors(raw, metadata);
}

/**
 * Parses safetensors bytes into tensors (F32 -> float32, F64 -> float64, I32 -> int32; F16 and BF16 are
 * widened to float32; I64 is narrowed to int32, range-checked). The whole file is validated first (see `decodeSafetensors`): a malformed file
 * throws and creates no tensor. Load into a model with `model.loadStateDict(tensors)`.
 *
 * @example
 * const { tensors, metadata } = loadSafetensors(bytes);
 * model.loadStateDict(tensors);
 */
export function loadSafetensors(bytes: Uint8Array, opts: { backend?: Backend } = {}): LoadedSafetensors {
  const decoded: DecodedSafetensors = decodeSafetensors(bytes);
  const tensors: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(decoded.tensors)) {
    tensors[name] = tensor(t.data, {
      shape: t.shape,
      dtype: fromFileDType[t.dtype],
      ...(opts.backend ? { backend: opts.backend } : {}),
    });
  }
  return { tensors, metadata: decoded.metadata };
}
