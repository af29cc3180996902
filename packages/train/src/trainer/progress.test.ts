import { describe, expect, it } from 'vitest';
import { ProgressReporter } from './progress';
import type { StepInfo } from './types';

function sink(columns: number) {
  const sink = {
    text: '',
    isTTY: true,
    columns,
    write(s: string) {
      sink.text += s;
    },
  };
  return sink;
}

const info = (batch: number): StepInfo =>
  ({ epoch: 0, step: batch, batch, loss: 1.5, top1: 0.9, lr: 0.01, samplesPerSec: 1234.5 }) as StepInfo;

describe('ProgressReporter (TTY bar)', () => {
  it('keeps the whole ETA on a narrow terminal and cuts the statistics instead', () => {
    const out = sink(60);
    const p = new ProgressReporter('bar', out, 50, 3);
    p.epochStart();
    p.step(info(10), 700);
    const line = out.text.split('\r').at(-1) ?? '';
    expect(line.replace('\x1b[K', '').length).toBeLessThanOrEqual(59);
    expect(line).toMatch(/eta (\d+:)?\d+:\d\d\b/);
  });

  it('ends the open bar line when asked, once', () => {
    const out = sink(120);
    const p = new ProgressReporter('bar', out, 50, 1);
    p.epochStart();
    p.step(info(1), 10);
    p.closeLine();
    p.closeLine();
    expect(out.text.endsWith('\x1b[K\n')).toBe(true);
    expect(out.text.match(/\n/g)).toHaveLength(1);
  });
});
