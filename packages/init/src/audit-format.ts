import type { VarianceAuditResult } from './audit';

/**
 * Renders a {@link VarianceAuditResult} as a fixed-width table: one row per weight layer with the
 * measured and predicted forward std (Eq. 9) and backward std (Eq. 13), and the per-layer factors.
 *
 * @example
 * console.log(formatVarianceAudit(await varianceAudit(model, x)));
 */
export function formatVarianceAudit(audit: VarianceAuditResult): string {
  const header = [
    'layer',
    'n',
    'n^',
    'std(w)',
    'fwd std',
    'pred',
    'fwd factor',
    'bwd std',
    'pred',
    'bwd factor',
  ];
  const rows = audit.rows.map((r) => [
    r.name,
    String(r.fanIn),
    String(r.fanOut),
    fmt(r.weightStd),
    fmt(r.forwardStd),
    fmt(r.predictedForwardStd),
    fmt(r.forwardFactor),
    fmt(r.backwardStd),
    fmt(r.predictedBackwardStd),
    fmt(r.backwardFactor),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) =>
    cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  return [
    `input std ${fmt(audit.inputStd)} (rms ${fmt(audit.inputRms)}), output-gradient std ${fmt(audit.outputGradStd)}`,
    line(header),
    ...rows.map(line),
  ].join('\n');
}

function fmt(x: number): string {
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a >= 1e-3 && a < 1e5 ? x.toPrecision(4) : x.toExponential(3);
}
