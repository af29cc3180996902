/** Timing helpers: warm-up runs, then individually timed runs, summarised by their median. */

export interface Sample {
  /** median of the per-run rates */
  median: number;
  min: number;
  max: number;
  /** every timed run's rate, in run order */
  runs: number[];
  unit: string;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const round = (x: number) => Math.round(x * 1000) / 1000;

/**
 * Runs `fn` `warmup` times untimed, then `runs` times timed; each run's rate is `work / seconds`
 * (e.g. FLOP / 1e9 for GFLOP/s, images for images/s).
 */
export async function measure(
  fn: () => unknown | Promise<unknown>,
  opts: { warmup: number; runs: number; work: number; unit: string; label: string },
): Promise<Sample> {
  for (let i = 0; i < opts.warmup; i++) await fn();
  const rates: number[] = [];
  for (let i = 0; i < opts.runs; i++) {
    const t0 = performance.now();
    await fn();
    const s = (performance.now() - t0) / 1000;
    rates.push(opts.work / s);
  }
  const out = {
    median: round(median(rates)),
    min: round(Math.min(...rates)),
    max: round(Math.max(...rates)),
    runs: rates.map(round),
    unit: opts.unit,
  };
  console.error(
    `  ${opts.label}: ${out.median} ${opts.unit} (median of ${opts.runs}; ${out.min}-${out.max})`,
  );
  return out;
}
