// Aggregation over seeds for `rectifier reproduce --seeds N`: each figure's mean, sample standard
// deviation and range, the mean curve with its band, and whether the gap between two arms stands out
// from the seed-to-seed spread.

/** A figure over seeds: mean, sample standard deviation (n - 1), range and each seed's value. */
export interface SeedStats {
  n: number;
  mean: number;
  /** sample standard deviation (divides by n - 1); 0 for a single seed */
  sd: number;
  min: number;
  max: number;
  /** one value per seed, in the order of `settings.seeds` */
  values: number[];
}

/** Mean, sample sd and range of `values` (finite numbers, at least one). */
export function seedStats(values: number[]): SeedStats {
  if (values.length === 0) throw new Error('seedStats: no values');
  if (values.some((v) => !Number.isFinite(v)))
    throw new Error(`seedStats: non-finite value in [${values.join(', ')}]`);
  const n = values.length;
  const min = Math.min(...values);
  const max = Math.max(...values);
  // identical values: exactly that value and no spread (a sum of three 0.2s is not 0.6 in binary)
  const mean = min === max ? min : values.reduce((s, v) => s + v, 0) / n;
  const ss = values.reduce((s, v) => s + (v - mean) ** 2, 0);
  return {
    n,
    mean,
    sd: n > 1 ? Math.sqrt(ss / (n - 1)) : 0,
    min,
    max,
    values: [...values],
  };
}

/** `seedStats` of the values present, or null when a value is missing (e.g. a layer without a PReLU). */
export function seedStatsOrNull(values: Array<number | null | undefined>): SeedStats | null {
  if (values.length === 0 || values.some((v) => typeof v !== 'number' || !Number.isFinite(v))) return null;
  return seedStats(values as number[]);
}

/** One x position of a curve averaged over seeds. */
export interface BandPoint {
  x: number;
  mean: number;
  sd: number;
  min: number;
  max: number;
}

/**
 * The mean of several runs' curves point by point, with sd and range. The runs evaluate at the same
 * steps (same settings); a curve cut short (a run that stopped early) shortens the result to the
 * shortest curve rather than averaging different numbers of seeds at the end.
 */
export function curveBand(curves: Array<Array<[number, number]>>): BandPoint[] {
  if (curves.length === 0) return [];
  const len = Math.min(...curves.map((c) => c.length));
  const out: BandPoint[] = [];
  for (let i = 0; i < len; i++) {
    const x = curves[0][i][0];
    const ys = curves.map((c) => c[i][1]);
    if (ys.some((y) => !Number.isFinite(y))) {
      out.push({ x, mean: Number.NaN, sd: Number.NaN, min: Number.NaN, max: Number.NaN });
      continue;
    }
    const s = seedStats(ys);
    out.push({ x, mean: s.mean, sd: s.sd, min: s.min, max: s.max });
  }
  return out;
}

/**
 * The rule for "holds beyond the spread": the gap between the two arms' means is at least this many
 * pooled standard deviations (with 3 seeds per arm that is Student's t >= 2.45 on 4 degrees of freedom).
 */
export const GAP_IN_SD_THRESHOLD = 2;

/** Whether arm `lower` has a lower figure (e.g. error) than arm `higher`, measured against the spread. */
export interface Comparison {
  /** the arm expected to be lower (e.g. the paper's better model) */
  lower: string;
  higher: string;
  /** mean(higher) - mean(lower); positive when the expected order holds */
  gap: number;
  /** sqrt(((n1 - 1) sd1² + (n2 - 1) sd2²) / (n1 + n2 - 2)); NaN with one seed per arm */
  pooledSd: number;
  /** gap / pooledSd (null when the pooled sd is 0 or undefined) */
  gapInSd: number | null;
  /** Student's two-sample t = gap / (pooledSd sqrt(1/n1 + 1/n2)) (null when undefined) */
  t: number | null;
  /** seeds (paired by position: same seed, same data order) in which `lower` is below `higher` */
  seedsAgreeing: number;
  seeds: number;
  /** gap >= GAP_IN_SD_THRESHOLD pooled sds and every seed agrees: the order is not seed noise */
  holds: boolean;
}

/** Compares the figures of two arms over the same seeds (see {@link Comparison}). */
export function compareArms(
  lowerName: string,
  lower: number[],
  higherName: string,
  higher: number[],
): Comparison {
  const a = seedStats(lower);
  const b = seedStats(higher);
  const gap = b.mean - a.mean;
  const dof = a.n + b.n - 2;
  const pooledSd = dof > 0 ? Math.sqrt(((a.n - 1) * a.sd ** 2 + (b.n - 1) * b.sd ** 2) / dof) : Number.NaN;
  const defined = Number.isFinite(pooledSd) && pooledSd > 0;
  const gapInSd = defined ? gap / pooledSd : null;
  const t = defined ? gap / (pooledSd * Math.sqrt(1 / a.n + 1 / b.n)) : null;
  const paired = Math.min(a.n, b.n);
  let seedsAgreeing = 0;
  for (let i = 0; i < paired; i++) if (lower[i] < higher[i]) seedsAgreeing++;
  // a zero spread (identical figures in every seed) with a positive gap is an order beyond the noise
  const beyond = gapInSd !== null ? gapInSd >= GAP_IN_SD_THRESHOLD : pooledSd === 0 && gap > 0;
  return {
    lower: lowerName,
    higher: higherName,
    gap,
    pooledSd,
    gapInSd,
    t,
    seedsAgreeing,
    seeds: paired,
    holds: dof > 0 && beyond && seedsAgreeing === paired,
  };
}

/** One sentence on a comparison, e.g. "relu - prelu: 2.30 points = 4.1 pooled sd, lower in 3/3 seeds: holds beyond the spread". */
export function describeComparison(c: Comparison, unit: (v: number) => string): string {
  const sd =
    c.gapInSd !== null
      ? `${c.gapInSd.toFixed(1)} pooled sd (pooled sd ${unit(c.pooledSd)})`
      : Number.isNaN(c.pooledSd)
        ? 'no spread with one seed'
        : 'zero spread';
  const verdict = c.holds
    ? 'holds beyond the spread'
    : c.gap < 0
      ? 'reversed'
      : c.gap === 0
        ? 'no difference'
        : Number.isNaN(c.pooledSd)
          ? 'not established (one seed)'
          : 'within the spread (not established)';
  return `${c.higher} - ${c.lower}: ${unit(c.gap)} = ${sd}; ${c.lower} lower in ${c.seedsAgreeing}/${c.seeds} seeds: ${verdict}`;
}

/** What the shaded band of the `--seeds` plots shows. */
export const BAND_NOTE = 'min..max over seeds';
