import { type Parameter, type Tensor, noGrad, stack, tidy, zeros } from '@rectifier/tensor';

/**
 * Thrown by `Trainer.fit` when the loss or a gradient is NaN or infinite. The run stops before
 * the optimizer applies the bad step, so the last checkpoint on disk is the last good state.
 */
export class NonFiniteError extends Error {
  override readonly name = 'NonFiniteError';
  constructor(
    message: string,
    /** Global step (1-based) whose loss or gradient was not finite. */
    readonly step: number,
    /** Name of the first parameter (in model order) whose gradient or value was not finite, if any. */
    readonly parameter: string | null,
    /** Path of the last good checkpoint, if one was written. */
    readonly lastCheckpoint: string | null,
  ) {
    super(message);
  }
}

/**
 * L2 norm of each tensor (null entries give 0), read back with one transfer. Float32 sums of
 * squares overflow above ~1.8e19; such entries are recomputed scaled by their max |x|, so an
 * Infinity here means a non-finite element, not an overflow.
 */
export async function l2Norms(tensors: Array<Tensor | null>): Promise<number[]> {
  if (tensors.length === 0) return [];
  const sq = noGrad(() => tidy(() => stack(tensors.map((t) => (t === null ? zeros([]) : t.square().sum().cast('float32'))))));
  const values = Array.from(await sq.data());
  sq.dispose();
  for (let i = 0; i < values.length; i++) {
    const t = tensors[i];
    if (t !== null && values[i] === Number.POSITIVE_INFINITY) {
      const m = noGrad(() => tidy(() => t.abs().max()));
      const maxAbs = await m.item();
      m.dispose();
      if (Number.isFinite(maxAbs) && maxAbs > 0) {
        const s = noGrad(() => tidy(() => t.div(maxAbs).square().sum()));
        values[i] = maxAbs * Math.sqrt(await s.item());
        s.dispose();
        continue;
      }
    }
    values[i] = Math.sqrt(values[i]);
  }
  return values;
}

/** Index of the first parameter (in order) with a non-finite value, or -1. */
export async function firstNonFiniteParam(params: Parameter[]): Promise<number> {
  const norms = await l2Norms(params);
  return norms.findIndex((v) => !Number.isFinite(v));
}
