// A small dependency-free SVG line chart for the plots generated at build time (variance audit,
// ONNX demo training curve). Series are [x, y] points; log-scale y for quantities spanning decades.

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function niceTicks(lo, hi, count) {
  const span = hi - lo || 1;
  const step0 = span / count;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => span / s <= count) ?? 10 * mag;
  const ticks = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step)
    ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

/**
 * @param {{ label: string, points: [number, number][], color?: string, dashed?: boolean }[]} series
 * @param {{ title: string, subtitle?: string, xLabel: string, yLabel: string, logY?: boolean, width?: number, height?: number }} opts
 * @returns {string} a standalone SVG document
 */
export function lineChart(series, opts) {
  const W = opts.width ?? 720;
  const H = opts.height ?? 400;
  const m = { l: 70, r: 210, t: opts.subtitle ? 52 : 36, b: 48 };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const fy = opts.logY ? (v) => Math.log10(v) : (v) => v;
  const pts = series.flatMap((s) => s.points).filter(([, y]) => Number.isFinite(y) && (!opts.logY || y > 0));
  if (pts.length === 0) throw new Error(`lineChart '${opts.title}': no finite points`);
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => fy(p[1]));
  let [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  if (opts.logY) [y0, y1] = [Math.floor(y0), Math.ceil(y1)];
  if (x0 === x1) x1 = x0 + 1;
  if (y0 === y1) y1 = y0 + 1;
  const px = (x) => m.l + ((x - x0) / (x1 - x0)) * pw;
  const py = (y) => m.t + ph - ((fy(y) - y0) / (y1 - y0)) * ph;
  const out = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="system-ui, sans-serif" font-size="12">`,
  );
  out.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  out.push(`<text x="${m.l}" y="20" font-size="14" font-weight="600">${esc(opts.title)}</text>`);
  if (opts.subtitle) out.push(`<text x="${m.l}" y="38" fill="#555">${esc(opts.subtitle)}</text>`);
  const yTicks = opts.logY ? Array.from({ length: y1 - y0 + 1 }, (_, i) => y0 + i) : niceTicks(y0, y1, 6);
  for (const t of yTicks) {
    const y = m.t + ph - ((t - y0) / (y1 - y0)) * ph;
    out.push(`<line x1="${m.l}" x2="${m.l + pw}" y1="${y}" y2="${y}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${m.l - 6}" y="${y + 4}" text-anchor="end">${opts.logY ? `1e${t}` : t}</text>`);
  }
  for (const t of niceTicks(x0, x1, 8)) {
    const x = px(t);
    out.push(`<line x1="${x}" x2="${x}" y1="${m.t}" y2="${m.t + ph}" stroke="#f0f0f0"/>`);
    out.push(`<text x="${x}" y="${m.t + ph + 16}" text-anchor="middle">${t}</text>`);
  }
  out.push(`<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="none" stroke="#888"/>`);
  out.push(`<text x="${m.l + pw / 2}" y="${H - 10}" text-anchor="middle">${esc(opts.xLabel)}</text>`);
  out.push(
    `<text transform="translate(16 ${m.t + ph / 2}) rotate(-90)" text-anchor="middle">${esc(opts.yLabel)}</text>`,
  );
  const palette = ['#d62728', '#1f77b4', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];
  series.forEach((s, i) => {
    const color = s.color ?? palette[i % palette.length];
    const good = s.points.filter(([, y]) => Number.isFinite(y) && (!opts.logY || y > 0));
    const d = good.map(([x, y], k) => `${k ? 'L' : 'M'}${px(x).toFixed(1)},${py(y).toFixed(1)}`).join('');
    out.push(
      `<path d="${d}" fill="none" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
    );
    const ly = m.t + 8 + i * 20;
    out.push(
      `<line x1="${m.l + pw + 12}" x2="${m.l + pw + 36}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
    );
    out.push(`<text x="${m.l + pw + 42}" y="${ly + 4}">${esc(s.label)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
