import type { Tensor } from '@rectifier/tensor';

/** Sample mean and (population) std of a tensor's elements, in float64. */
export async function sampleMoments(
  t: Tensor,
): Promise<{ n: number; mean: number; std: number; min: number; max: number }> {
  const d = await t.data();
  const n = d.length;
  let s = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    s += d[i];
    if (d[i] < min) min = d[i];
    if (d[i] > max) max = d[i];
  }
  const mean = s / n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (d[i] - mean) ** 2;
  return { n, mean, std: Math.sqrt(v / n), min, max };
}

/**
 * Standard errors of the sample mean and sample std for n i.i.d. draws with std sigma and excess kurtosis
 * k (0 for a Gaussian, -1.2 for a uniform): se(mean) = sigma/sqrt(n), se(std) ≈ sigma sqrt((2 + k)/(4n)).
 */
export function standardErrors(
  sigma: number,
  n: number,
  excessKurtosis: number,
): { mean: number; std: number } {
  return { mean: sigma / Math.sqrt(n), std: sigma * Math.sqrt((2 + excessKurtosis) / (4 * n)) };
}
