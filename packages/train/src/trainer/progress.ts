import type { EpochInfo, EvalResult, StepInfo, TextSink } from './types';

/** Formats seconds as m:ss or h:mm:ss. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** Formats an error fraction as a percentage with two decimals ('18.25%'). */
export function pct(x: number): string {
  return Number.isFinite(x) ? `${(100 * x).toFixed(2)}%` : 'n/a';
}

/** A 24-character bar for a fraction in [0, 1]: `[=====>      ]`. */
export function progressBar(frac: number, width = 24): string {
  const full = Math.round(Math.min(1, Math.max(0, frac)) * width);
  return `[${'='.repeat(Math.max(0, full - 1))}${full > 0 ? '>' : ''}${' '.repeat(width - full)}]`;
}

/** Cuts a redrawn line to the terminal width (120 when unknown), so it never wraps. */
export function fitLine(line: string, columns = 120): string {
  return line.length > columns - 1 ? line.slice(0, columns - 1) : line;
}

/**
 * Console progress: on a TTY a one-line bar redrawn in place (`\r`), elsewhere (CI logs, pipes)
 * one plain line every `logEvery` steps and at each epoch end.
 */
export class ProgressReporter {
  private barOpen = false;
  private epochStartTime = 0;
  private lastDraw = 0;

  constructor(
    private readonly mode: 'bar' | 'lines' | 'none',
    private readonly out: TextSink | undefined,
    private readonly logEvery: number,
    private readonly maxEpochs: number,
  ) {}

  /** Resolves 'auto' for a sink: a bar on a TTY, lines otherwise. */
  static resolveMode(
    mode: 'auto' | 'bar' | 'lines' | 'none',
    out: TextSink | undefined,
  ): 'bar' | 'lines' | 'none' {
    if (out === undefined) return 'none';
    if (mode === 'auto') return out.isTTY ? 'bar' : 'lines';
    return mode;
  }

  epochStart(): void {
    this.epochStartTime = performance.now();
  }

  step(info: StepInfo, batchesPerEpoch: number | undefined): void {
    if (this.mode === 'none' || !this.out) return;
    const head = `epoch ${info.epoch + 1}/${this.maxEpochs}`;
    const stats = `loss ${info.loss.toFixed(4)}  err ${pct(info.top1)}  lr ${info.lr.toPrecision(3)}  ${info.samplesPerSec.toFixed(1)} img/s`;
    if (this.mode === 'lines') {
      if (info.step % this.logEvery === 0 || info.step === 1) {
        const pos = batchesPerEpoch ? `${info.batch}/${batchesPerEpoch}` : `${info.batch}`;
        this.out.write(`${head}  step ${info.step}  batch ${pos}  ${stats}\n`);
      }
      return;
    }
    const now = performance.now();
    if (now - this.lastDraw < 100 && info.batch !== batchesPerEpoch) return; // ~10 redraws/s
    this.lastDraw = now;
    const elapsed = (now - this.epochStartTime) / 1000;
    let bar = '';
    let eta = '';
    if (batchesPerEpoch) {
      const frac = Math.min(1, info.batch / batchesPerEpoch);
      bar = ` ${progressBar(frac)} ${info.batch}/${batchesPerEpoch}`;
      eta = `  eta ${formatDuration(frac > 0 ? (elapsed * (1 - frac)) / frac : Number.NaN)}`;
    } else {
      bar = ` ${info.batch} batches`;
    }
    // The ETA comes before the statistics, so a narrow terminal cuts the statistics, not the ETA.
    this.out.write(`\r${fitLine(`${head}${bar}${eta}  ${stats}`, this.out.columns)}\x1b[K`);
    this.barOpen = true;
  }

  /** Ends an open progress bar line (before the caller prints an error, and when a run stops). */
  closeLine(): void {
    this.closeBar();
  }

  private closeBar(): void {
    if (this.barOpen && this.out) this.out.write('\n');
    this.barOpen = false;
  }

  validation(r: EvalResult): void {
    if (this.mode === 'none' || !this.out) return;
    this.closeBar();
    this.out.write(
      `  validation: loss ${r.loss.toFixed(4)}  top-1 err ${pct(r.top1)}  top-5 err ${pct(r.top5)}  (${r.n} images)\n`,
    );
  }

  epochEnd(e: EpochInfo): void {
    if (this.mode === 'none' || !this.out) return;
    this.closeBar();
    this.out.write(
      `epoch ${e.epoch + 1}/${this.maxEpochs} done in ${formatDuration(e.seconds)}: train loss ${e.trainLoss.toFixed(4)}, train err ${pct(e.trainTop1)}, ${e.samplesPerSec.toFixed(1)} img/s${e.val ? `, val top-1 err ${pct(e.val.top1)}` : ''}\n`,
    );
  }

  /** A free-form line (checkpoint written, warnings), closing the bar first. */
  message(s: string): void {
    if (this.mode === 'none' || !this.out) return;
    this.closeBar();
    this.out.write(`${s}\n`);
  }
}
