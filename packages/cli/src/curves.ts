import { readJsonl } from '@rectifier/train';
import { lineChartSvg, type Series } from './svg-chart';

/** Moving average over `w` points (to draw noisy per-step losses). */
export function smooth(points: Array<[number, number]>, w: number): Array<[number, number]> {
  if (w <= 1) return points;
  const out: Array<[number, number]> = [];
  let s = 0;
  for (let i = 0; i < points.length; i++) {
    s += points[i][1];
    if (i >= w) s -= points[i - w][1];
    if (i >= w - 1) out.push([points[i][0], s / w]);
  }
  return out;
}

/** An SVG of the training loss and error per step (smoothed) from a run's metrics.jsonl. */
export async function trainingCurveSvg(metricsPath: string, title: string): Promise<string> {
  const steps = (
    await readJsonl<{ type: string; step: number; loss: number; top1: number }>(metricsPath)
  ).filter((r) => r.type === 'step');
  const w = Math.max(1, Math.round(steps.length / 50));
  const series: Series[] = [
    {
      label: 'train loss',
      points: smooth(
        steps.map((r) => [r.step, r.loss]),
        w,
      ),
    },
    {
      label: 'train top-1 error',
      points: smooth(
        steps.map((r) => [r.step, r.top1]),
        w,
      ),
    },
  ];
  return lineChartSvg(series, { title, xLabel: 'step', yLabel: `loss / error (moving average of ${w})` });
}
