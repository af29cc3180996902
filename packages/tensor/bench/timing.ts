/** Timing helpers: warm-up runs, then individually timed runs, summarised by their median. */

export interface Sample {
  /** median of the per-run rates (work / wall-clock seconds) */
  median: number;
  min: number;
  max: number;
  /** every timed run's wall-clock rate, in run order */
  runs: number[];
  /**
   * median of work / process CPU seconds (user + system, all threads of this process). On a shared,
   * oversubscribed machine the wall-clock rate drops with every other busy process, while this one
   * mostly does not, so it is the better estimate of an idle machine's single-thread speed. For a
   * multi-threaded backend it is the rate per CPU-second, not the wall-clock speed.
   */
  cpuMedian: number;
  unit: string;
}

/** The median of a list (the mean of the middle two for an even count). */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Rounded to three decimals, as every rate in the JSON is. */
export const round = (x: number) => Math.round(x * 1000) / 1000;

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

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
  const cpuRates: number[] = [];
  for (let i = 0; i < opts.runs; i++) {
    const c0 = cpuSeconds();
    const t0 = performance.now();
    await fn();
    const s = (performance.now() - t0) / 1000;
    const c = cpuSeconds() - c0;
    rates.push(opts.work / s);
    cpuRates.push(opts.work / Math.max(c, 1e-6));
  }
  const out: Sample = {
    median: round(median(rates)),
    min: round(Math.min(...rates)),
    max: round(Math.max(...rates)),
    runs: rates.map(round),
    cpuMedian: round(median(cpuRates)),
    unit: opts.unit,
  };
  console.error(
    `  ${opts.label}: ${out.median} ${opts.unit} (median of ${opts.runs}; ${out.min}-${out.max}; per CPU-second ${out.cpuMedian})`,
  );
  return out;
}
