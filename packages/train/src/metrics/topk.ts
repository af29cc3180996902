import type { Tensor } from '@rectifier/tensor';

/**
 * Counts, per k in `ks`, the rows of `logits` [N, C] whose target class is NOT among the k highest
 * scores: the top-k *error* count (the paper reports top-1 and top-5 errors, §4).
 *
 * The rank of the target is the number of classes with a strictly higher score, so ties count in
 * the target's favour. A row whose target score is NaN counts as an error for every k.
 *
 * @returns `{ n, errors }` with `errors[i]` the error count for `ks[i]`.
 * @example
 * ```ts
 * const { n, errors: [e1, e5] } = await topKErrors(logits, labels, [1, 5]);
 * ```
 */
export async function topKErrors(
  logits: Tensor,
  target: Tensor,
  ks: readonly number[] = [1, 5],
): Promise<{ n: number; errors: number[] }> {
  if (logits.ndim !== 2) throw new Error(`topKErrors: logits must be [N, C], got [${logits.shape}]`);
  const [n, c] = logits.shape;
  if (target.ndim !== 1 || target.shape[0] !== n) {
    throw new Error(`topKErrors: target must be [N] = [${n}] class indices, got [${target.shape}]`);
  }
  const [scores, labels] = await Promise.all([logits.data(), target.data()]);
  return topKErrorsFromArrays(scores, labels, n, c, ks);
}

/** `topKErrors` on host arrays: `scores` is row-major [n, c], `labels` holds class indices. */
export function topKErrorsFromArrays(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  n: number,
  c: number,
  ks: readonly number[],
): { n: number; errors: number[] } {
  const errors = ks.map(() => 0);
  for (let i = 0; i < n; i++) {
    const y = labels[i];
    if (!(Number.isInteger(y) && y >= 0 && y < c))
      throw new Error(`topKErrors: target ${y} at row ${i} is not a class index in [0, ${c})`);
    const ty = scores[i * c + y];
    let rank = 0;
    if (Number.isNaN(ty)) rank = c;
    else for (let j = 0; j < c; j++) if (scores[i * c + j] > ty) rank++;
    ks.forEach((k, ki) => {
      if (rank >= k) errors[ki]++;
    });
  }
  return { n, errors };
}
