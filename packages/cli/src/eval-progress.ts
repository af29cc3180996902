import { fitLine, formatDuration, progressBar } from '@rectifier/train';

/** A stream progress can be written to (stdout or stderr of the command). */
export interface ProgressStream {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/**
 * Progress of a long evaluation (`eval` over 10,000 images takes tens of seconds on a CPU): on a
 * terminal a bar redrawn in place with images done and the ETA; in logs and pipes one line per tenth
 * of the work (or every 50 batches when the total is unknown), so CI logs stay short.
 */
export class EvalProgressLine {
  private readonly start = performance.now();
  private lastDraw = 0;
  private lastLoggedTenth = 0;
  private open = false;

  constructor(
    private readonly stream: ProgressStream,
    private readonly label: string,
  ) {}

  /** `done` of `total` units (batches or images) finished, `images` of them counted. */
  update(done: number, total: number | undefined, images: number): void {
    const elapsed = (performance.now() - this.start) / 1000;
    const rate = elapsed > 0 ? images / elapsed : 0;
    const frac = total ? Math.min(1, done / total) : undefined;
    const eta = frac ? `  eta ${formatDuration((elapsed * (1 - frac)) / frac)}` : '';
    const where = total ? `${done}/${total}` : `${done}`;
    const count = `${images} image${images === 1 ? '' : 's'}`;
    if (this.stream.isTTY) {
      const now = performance.now();
      if (now - this.lastDraw < 100 && done !== total) return; // ~10 redraws a second
      this.lastDraw = now;
      const bar = frac === undefined ? '' : ` ${progressBar(frac)}`;
      const line = `${this.label}${bar} ${where}${eta}  ${count}  ${rate.toFixed(1)} img/s`;
      this.stream.write(`\r${fitLine(line, this.stream.columns)}\x1b[K`);
      this.open = true;
      return;
    }
    const tenth = frac === undefined ? Math.floor(done / 50) : Math.floor(frac * 10);
    if (tenth <= this.lastLoggedTenth && done !== 1) return;
    this.lastLoggedTenth = Math.max(this.lastLoggedTenth, tenth);
    this.stream.write(`${this.label} ${where}${eta}  ${count}  ${rate.toFixed(1)} img/s\n`);
  }

  /** Ends the bar's line so the result printed next starts on its own line. */
  close(): void {
    if (this.open) this.stream.write('\n');
    this.open = false;
  }
}
