import { noGrad, type Parameter, stack, sumOfSquares, type Tensor, tidy } from '@rectifier/tensor';

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
    /** Name of the first module (in execution order) whose output was not finite, if found. */
    readonly layer: string | null = null,
  ) {
    super(message);
  }
}

/**
 * L2 norm of each tensor (null entries give 0), from one fused sum-of-squares call and one
 * transfer. Float32 sums of squares overflow above ~1.8e19; such entries are recomputed scaled by
 * their max |x|, so an Infinity here means a non-finite element, not an overflow.
 */
export async function l2Norms(tensors: Array<Tensor | null>): Promise<number[]> {
  const present = tensors.filter((t): t is Tensor => t !== null);
  if (present.length === 0) return tensors.map(() => 0);
  const sq = sumOfSquares(present);
  const all = Array.from(await sq.data());
  sq.dispose();
  const m = present.length;
  const values: number[] = [];
  let k = 0;
  for (const t of tensors) {
    if (t === null) {
      values.push(0);
      continue;
    }
    const [sum, bad] = [all[k], all[m + k]];
    k++;
    if (bad === 0 && sum === Number.POSITIVE_INFINITY) {
      const mx = noGrad(() => tidy(() => t.abs().max()));
      const maxAbs = await mx.item();
      mx.dispose();
      if (Number.isFinite(maxAbs) && maxAbs > 0) {
        const s = noGrad(() => tidy(() => t.div(maxAbs).square().sum()));
        values.push(maxAbs * Math.sqrt(await s.item()));
        s.dispose();
        continue;
      }
    }
    // a NaN element gives NaN, an infinite one Infinity (as the sum of squares does)
    values.push(bad !== 0 && !Number.isNaN(sum) ? Number.POSITIVE_INFINITY : Math.sqrt(sum));
  }
  return values;
}

/** Index of the first parameter (in order) with a non-finite value, or -1. */
export async function firstNonFiniteParam(params: Parameter[]): Promise<number> {
  const norms = await l2Norms(params);
  return norms.findIndex((v) => !Number.isFinite(v));
}

interface HookableModule {
  namedModules(): Array<
    [
      string,
      { registerForwardHook(h: (m: unknown, i: readonly unknown[], o: unknown) => void): { remove(): void } },
    ]
  >;
  call?(x: Tensor): Tensor;
  forward(x: Tensor): Tensor;
}

/**
 * Re-runs the forward pass on `input` without a graph, with hooks on every module, and returns the
 * name of the first module (in execution order, leaves before their containers) whose output has a
 * NaN or infinity; null if none or the model has no hooks (not an @rectifier/nn Module).
 */
export async function firstNonFiniteLayer(model: unknown, input: Tensor): Promise<string | null> {
  const m = model as Partial<HookableModule>;
  if (typeof m.namedModules !== 'function' || input.isDisposed) return null;
  const outputs: Array<[string, Tensor]> = [];
  const handles = m
    .namedModules()
    .filter(([name]) => name !== '')
    .map(([name, mod]) =>
      mod.registerForwardHook((_m, _i, o) => {
        if (o && typeof o === 'object' && 'shape' in (o as object)) outputs.push([name, o as Tensor]);
      }),
    );
  try {
    const done = noGrad(() =>
      tidy(() => {
        const y = m.call ? m.call(input) : (m.forward as (x: Tensor) => Tensor)(input);
        // one 0/1 flag per recorded output: 1 when it contains a NaN or an infinity
        return stack([
          ...outputs.map(([, t]) => t.float().sub(t.float()).isnan().max().cast('float32')),
          y.float().sub(y.float()).isnan().max().cast('float32'),
        ]);
      }),
    );
    const flags = await done.data();
    done.dispose();
    const i = Array.from(flags).findIndex((f, k) => k < outputs.length && f > 0);
    return i >= 0 ? outputs[i][0] : null;
  } catch {
    return null;
  } finally {
    for (const h of handles) h.remove();
  }
}
