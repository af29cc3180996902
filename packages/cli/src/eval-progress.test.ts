import { describe, expect, it } from 'vitest';
import { EvalProgressLine } from './eval-progress';

function sink(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, columns: 200, write: (s: string) => writes.push(s) } };
}

describe('EvalProgressLine', () => {
  it('logs one line per tenth of the batches in a pipe, plus the first batch', () => {
    const { writes, stream } = sink(false);
    const p = new EvalProgressLine(stream, 'eval');
    for (let b = 1; b <= 40; b++) p.update(b, 40, b * 250);
    p.close();
    expect(writes.length).toBe(11); // batch 1, then 4, 8, ..., 40
    expect(writes[0]).toMatch(/^eval 1\/40 .* 250 images/);
    expect(writes[10]).toMatch(/^eval 40\/40 {2}eta 0:00 {2}10000 images/);
    expect(writes.every((w) => w.endsWith('\n') && !w.includes('\r'))).toBe(true);
  });

  it('logs every 50 batches when the total is unknown', () => {
    const { writes, stream } = sink(false);
    const p = new EvalProgressLine(stream, 'eval');
    for (let b = 1; b <= 120; b++) p.update(b, undefined, b);
    expect(writes.map((w) => w.split(' ')[1])).toEqual(['1', '50', '100']);
  });

  it('redraws a bar in place on a terminal and ends its line on close', () => {
    const { writes, stream } = sink(true);
    const p = new EvalProgressLine(stream, 'eval');
    p.update(1, 4, 10);
    p.update(4, 4, 40); // the last batch is always drawn
    p.close();
    expect(writes[0]).toMatch(/^\reval \[=*>? *\] 1\/4/);
    expect(writes[1]).toMatch(/^\reval \[=======================>\] 4\/4 {2}eta 0:00 {2}40 images/);
    expect(writes.at(-1)).toBe('\n');
    p.close();
    expect(writes.at(-1)).toBe('\n');
    expect(writes.filter((w) => w === '\n').length).toBe(1); // a second close writes nothing
  });
});
