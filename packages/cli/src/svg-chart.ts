/** One line of a chart: its label, colour and points. */
export interface Series {
  label: string;
  points: Array<[number, number]>;
  color?: string;
  /** Dashed stroke (e.g. for a reference line). */
  dashed?: boolean;
  /**
   * A shaded band around the line, as [x, low, high] triples (e.g. the range over seeds), drawn in
   * the series' colour under every line. Non-finite triples split it, like the line.
   */
  band?: Array<[number, number, number]>;
}

/** Options of `lineChartSvg`. */
export interface LineChartOptions {
  title: string;
  /** A second, smaller line under the title (e.g. "mean of 3 seeds, band min..max over seeds"). */
  subtitle?: string;
  xLabel: string;
  yLabel: string;
  width?: number;
  height?: number;
  /** Fixed y range; default: the data's range padded by 5%. */
  yRange?: [number, number];
  /** Logarithmic y axis (values <= 0 are dropped). */
  logY?: boolean;
}

const PALETTE = ['#d62728', '#1f77b4', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** "Nice" tick positions (1, 2, 5 x 10^k steps) covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, target = 6): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step)
    out.push(Number(v.toPrecision(12)));
  return out;
}

function fmt(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(0);
  return String(Number(v.toPrecision(4)));
}

/**
 * A self-contained SVG line chart (axes, ticks, grid, legend), no dependencies. Non-finite points
 * are skipped, which breaks the line there. A series may carry a shaded band (e.g. min..max over seeds).
 *
 * @example
 * lineChartSvg([{ label: 'He', points: [[0, 0.9], [1, 0.5]] }], { title: 'err', xLabel: 'epoch', yLabel: 'top-1 error' })
 */
export function lineChartSvg(series: Series[], o: LineChartOptions): string {
  const W = o.width ?? 720;
  const H = o.height ?? 420;
  const m = { l: 70, r: 20, t: o.subtitle ? 52 : 40, b: 50 };
  const tf = (y: number) => (o.logY ? Math.log10(y) : y);
  const ok = (p: [number, number]) => Number.isFinite(p[0]) && Number.isFinite(p[1]) && (!o.logY || p[1] > 0);
  const bandOk = (b: [number, number, number]) => ok([b[0], b[1]]) && ok([b[0], b[2]]) && b[1] <= b[2];
  const pts = series.flatMap((s) => [
    ...s.points.filter(ok),
    ...(s.band ?? [])
      .filter(bandOk)
      .flatMap((b) => [[b[0], b[1]] as [number, number], [b[0], b[2]] as [number, number]]),
  ]);
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => tf(p[1]));
  let [x0, x1] = xs.length ? [Math.min(...xs), Math.max(...xs)] : [0, 1];
  if (x1 === x0) x1 = x0 + 1;
  let [y0, y1] = o.yRange
    ? [tf(o.yRange[0]), tf(o.yRange[1])]
    : ys.length
      ? [Math.min(...ys), Math.max(...ys)]
      : [0, 1];
  if (!o.yRange) {
    const pad = (y1 - y0) * 0.05 || Math.abs(y0) * 0.05 || 1;
    y0 -= pad;
    y1 += pad;
  }
  if (y1 === y0) y1 = y0 + 1;
  const px = (x: number) => m.l + ((x - x0) / (x1 - x0)) * (W - m.l - m.r);
  const py = (y: number) => H - m.b - ((tf(y) - y0) / (y1 - y0)) * (H - m.t - m.b);
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
  );
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${esc(o.title)}</text>`);
  if (o.subtitle)
    out.push(
      `<text x="${W / 2}" y="40" text-anchor="middle" font-size="12" fill="#555">${esc(o.subtitle)}</text>`,
    );
  for (const t of niceTicks(x0, x1)) {
    const x = px(t).toFixed(1);
    out.push(`<line x1="${x}" y1="${m.t}" x2="${x}" y2="${H - m.b}" stroke="#eee"/>`);
    out.push(`<text x="${x}" y="${H - m.b + 16}" text-anchor="middle">${fmt(t)}</text>`);
  }
  const yt = o.logY
    ? niceTicks(Math.floor(y0), Math.ceil(y1)).filter((v) => Number.isInteger(v) && v >= y0 && v <= y1)
    : niceTicks(y0, y1);
  for (const t of yt) {
    const y = (H - m.b - ((t - y0) / (y1 - y0)) * (H - m.t - m.b)).toFixed(1);
    out.push(`<line x1="${m.l}" y1="${y}" x2="${W - m.r}" y2="${y}" stroke="#eee"/>`);
    out.push(
      `<text x="${m.l - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${o.logY ? `1e${t}` : fmt(t)}</text>`,
    );
  }
  out.push(
    `<rect x="${m.l}" y="${m.t}" width="${W - m.l - m.r}" height="${H - m.t - m.b}" fill="none" stroke="#333"/>`,
  );
  out.push(`<text x="${(m.l + W - m.r) / 2}" y="${H - 12}" text-anchor="middle">${esc(o.xLabel)}</text>`);
  out.push(
    `<text transform="translate(16 ${(m.t + H - m.b) / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`,
  );
  // legend box sized to the longest label (about 6.5 px per character at 12 px)
  const legendW = 35 + Math.max(0, ...series.map((s) => s.label.length)) * 6.5;
  const lx = W - m.r - 8 - legendW;
  if (series.length > 0) {
    out.push(
      `<rect x="${lx - 6}" y="${m.t + 4}" width="${legendW + 8}" height="${series.length * 16 + 6}" fill="white" fill-opacity="0.85" stroke="#ccc"/>`,
    );
  }
  // bands first, so that every line stays visible on top of every band
  series.forEach((s, i) => {
    if (!s.band) return;
    const color = s.color ?? PALETTE[i % PALETTE.length];
    const runs: Array<Array<[number, number, number]>> = [[]];
    for (const b of s.band) {
      if (!bandOk(b)) {
        if (runs[runs.length - 1].length) runs.push([]);
        continue;
      }
      runs[runs.length - 1].push(b);
    }
    for (const run of runs.filter((r) => r.length > 0)) {
      const upper = run.map((b) => `${px(b[0]).toFixed(1)},${py(b[2]).toFixed(1)}`);
      const lower = run.map((b) => `${px(b[0]).toFixed(1)},${py(b[1]).toFixed(1)}`).reverse();
      out.push(
        `<polygon class="band" fill="${color}" fill-opacity="0.18" stroke="none" points="${[...upper, ...lower].join(' ')}"/>`,
      );
    }
  });
  series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length];
    const segs: string[][] = [[]];
    for (const p of s.points) {
      if (!ok(p)) {
        if (segs[segs.length - 1].length) segs.push([]);
        continue;
      }
      segs[segs.length - 1].push(`${px(p[0]).toFixed(1)},${py(p[1]).toFixed(1)}`);
    }
    for (const seg of segs.filter((g) => g.length > 0)) {
      const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
      out.push(`<polyline fill="none" stroke="${color}" stroke-width="2"${dash} points="${seg.join(' ')}"/>`);
    }
    const ly = m.t + 14 + i * 16;
    if (s.band)
      out.push(`<rect x="${lx}" y="${ly - 5}" width="20" height="10" fill="${color}" fill-opacity="0.18"/>`);
    out.push(
      `<line x1="${lx}" y1="${ly}" x2="${lx + 20}" y2="${ly}" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
    );
    out.push(`<text x="${lx + 25}" y="${ly}" dominant-baseline="middle">${esc(s.label)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
