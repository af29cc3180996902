import { describe, expect, it } from 'vitest';
import { lineChartSvg, niceTicks } from './svg-chart';

describe('niceTicks', () => {
  it('steps by 1, 2 or 5 times a power of ten and covers the range', () => {
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0, 37)).toEqual([0, 10, 20, 30]);
    expect(niceTicks(3, 3)).toEqual([3]);
  });
});

describe('lineChartSvg', () => {
  it('draws one polyline per finite run of points, escapes text and places points inside the plot', () => {
    const svg = lineChartSvg(
      [
        {
          label: 'He <ours>',
          points: [
            [0, 0.9],
            [1, 0.5],
            [2, Number.NaN],
            [3, 0.2],
            [4, 0.1],
          ],
        },
        {
          label: 'Xavier',
          points: [
            [0, 0.9],
            [4, 0.9],
          ],
          dashed: true,
        },
      ],
      { title: 'a & b', xLabel: 'epoch', yLabel: 'error', width: 400, height: 300, yRange: [0, 1] },
    );
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" width="400" height="300"')).toBe(true);
    expect(svg.match(/<polyline/g)).toHaveLength(3); // the NaN splits the first series in two
    expect(svg).toContain('He &lt;ours&gt;');
    expect(svg).toContain('a &amp; b');
    expect(svg).toContain('stroke-dasharray');
    for (const m of svg.matchAll(/points="([^"]+)"/g)) {
      for (const p of m[1].split(' ')) {
        const [x, y] = p.split(',').map(Number);
        expect(x).toBeGreaterThanOrEqual(70);
        expect(x).toBeLessThanOrEqual(380);
        expect(y).toBeGreaterThanOrEqual(40);
        expect(y).toBeLessThanOrEqual(250);
      }
    }
  });
  it('uses decades on a log axis and drops non-positive values', () => {
    const svg = lineChartSvg(
      [
        {
          label: 'g',
          points: [
            [1, 1e-6],
            [2, 1e-2],
            [3, 0],
          ],
        },
      ],
      { title: 't', xLabel: 'x', yLabel: 'y', logY: true },
    );
    expect(svg).toContain('>1e-4<');
    expect(svg.match(/<polyline/g)).toHaveLength(1);
  });
  it('draws a band as a filled polygon under the lines, split at non-finite points, inside the y range', () => {
    const svg = lineChartSvg(
      [
        {
          label: 'mean of 3 seeds',
          points: [
            [0, 0.5],
            [1, 0.4],
            [2, 0.3],
            [3, 0.2],
          ],
          band: [
            [0, 0.45, 0.55],
            [1, 0.3, 0.5],
            [2, Number.NaN, 0.4],
            [3, 0.1, 0.3],
          ],
          color: '#d62728',
        },
        {
          label: 'no band',
          points: [
            [0, 0.35],
            [3, 0.35],
          ],
        },
      ],
      { title: 't', subtitle: 'mean of 3 seeds', xLabel: 'x', yLabel: 'y', width: 400, height: 300 },
    );
    expect(svg).toContain('fill="#555">mean of 3 seeds</text>');
    const polygons = [
      ...svg.matchAll(/<polygon class="band" fill="#d62728" fill-opacity="0.18"[^>]* points="([^"]+)"/g),
    ];
    expect(polygons).toHaveLength(2); // [0, 1] and [3]: the NaN triple splits the band
    const first = polygons[0][1].split(' ').map((p) => p.split(',').map(Number));
    expect(first).toHaveLength(4); // upper edge left to right, lower edge right to left
    expect(first[0][0]).toBe(70);
    expect(first[3][0]).toBe(70);
    expect(first[0][1]).toBeLessThan(first[3][1]); // 0.55 is above 0.45 (smaller SVG y)
    // the y axis covers the band (0.1 .. 0.55), not only the mean line (0.2 .. 0.5): every band point lies in the plot
    for (const m of polygons)
      for (const p of m[1].split(' ')) {
        const y = Number(p.split(',')[1]);
        expect(y).toBeGreaterThanOrEqual(52); // the plot starts lower with a subtitle
        expect(y).toBeLessThanOrEqual(250);
      }
    expect(svg).toMatch(/>0\.1</);
    // bands are drawn before every line; one legend swatch for the series with a band
    expect(svg.indexOf('<polygon')).toBeLessThan(svg.indexOf('<polyline'));
    expect(svg.match(/<rect x="[^"]+" y="[^"]+" width="20" height="10"/g)).toHaveLength(1);
  });
});
