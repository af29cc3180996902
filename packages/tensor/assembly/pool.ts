// Max and average 2-D pooling over N*C independent planes, windows given by the host (PoolWindows:
// hStart, hEnd, wStart, wEnd, hCount, wCount as consecutive i32 arrays at `win`). Threads split planes,
// so the scatter of the backward passes never races.

import { splitAt } from './gemm';

function ld(p: usize, i: i32): i32 {
  return load<i32>(p + ((<usize>i) << 2));
}

/** y = max over each window, argmax = h*W + w of the first maximum (a NaN wins and stays). */
export function maxPool2dForward(
  x: usize,
  y: usize,
  argmax: usize,
  win: usize,
  planes: i32,
  H: i32,
  W: i32,
  OH: i32,
  OW: i32,
  queue: usize,
  tid: i32,
  nt: i32,
): void {
  const hS = win,
    hE = hS + ((<usize>OH) << 2),
    wS = hE + ((<usize>OH) << 2),
    wE = wS + ((<usize>OW) << 2);
  // Blocks of planes from the atomic counter (zeroed by the host per call).
  const units = min(planes, 4 * nt);
  for (let u = atomic.add<i32>(queue, 1); u < units; u = atomic.add<i32>(queue, 1)) {
    const p0 = splitAt(planes, units, u, 1),
      p1 = splitAt(planes, units, u + 1, 1);
    for (let pl = p0; pl < p1; pl++) {
      const xp = x + ((<usize>pl * <usize>H * <usize>W) << 2);
      const o = (<usize>pl * <usize>OH * <usize>OW) << 2;
      for (let oh = 0; oh < OH; oh++) {
        const h0 = ld(hS, oh),
          h1 = ld(hE, oh);
        for (let ow = 0; ow < OW; ow++) {
          const w0 = ld(wS, ow),
            w1 = ld(wE, ow);
          let bi = h0 * W + w0;
          let best = load<f32>(xp + ((<usize>bi) << 2));
          if (!F32.isNaN(best)) {
            for (let h = h0; h < h1; h++) {
              const row = xp + ((<usize>h * <usize>W) << 2);
              for (let w = w0; w < w1; w++) {
                const v = load<f32>(row + ((<usize>w) << 2));
                if (v > best || F32.isNaN(v)) {
                  best = v;
                  bi = h * W + w;
                  if (F32.isNaN(v)) break;
                }
              }
              if (F32.isNaN(best)) break;
            }
          }
          const q = o + ((<usize>(oh * OW + ow)) << 2);
          store<f32>(y + q, best);
          store<i32>(argmax + q, bi);
        }
      }
    }
  }
}

/** dx = 0, then dx[argmax] += dy per plane. */
export function maxPool2dBackward(
  dy: usize,
  argmax: usize,
  dx: usize,
  planes: i32,
  H: i32,
  W: i32,
  OH: i32,
  OW: i32,
  queue: usize,
  tid: i32,
  nt: i32,
): void {
  // Blocks of planes from the atomic counter (zeroed by the host per call).
  const units = min(planes, 4 * nt);
  for (let u = atomic.add<i32>(queue, 1); u < units; u = atomic.add<i32>(queue, 1)) {
    const p0 = splitAt(planes, units, u, 1),
      p1 = splitAt(planes, units, u + 1, 1);
    const HW = H * W,
      OHW = OH * OW;
    if (p1 > p0) memory.fill(dx + ((<usize>p0 * <usize>HW) << 2), 0, (<usize>(p1 - p0) * <usize>HW) << 2);
    for (let pl = p0; pl < p1; pl++) {
      const dxp = dx + ((<usize>pl * <usize>HW) << 2);
      const o = (<usize>pl * <usize>OHW) << 2;
      for (let i = 0; i < OHW; i++) {
        const q = o + ((<usize>i) << 2);
        const t = dxp + ((<usize>load<i32>(argmax + q)) << 2);
        store<f32>(t, load<f32>(t) + load<f32>(dy + q));
      }
    }
  }
}

/** y = window sum / (hCount[oh] * wCount[ow]). */
export function avgPool2dForward(
  x: usize,
  y: usize,
  win: usize,
  planes: i32,
  H: i32,
  W: i32,
  OH: i32,
  OW: i32,
  queue: usize,
  tid: i32,
  nt: i32,
): void {
  const hS = win,
    hE = hS + ((<usize>OH) << 2),
    wS = hE + ((<usize>OH) << 2),
    wE = wS + ((<usize>OW) << 2);
  const hC = wE + ((<usize>OW) << 2),
    wC = hC + ((<usize>OH) << 2);
  // Blocks of planes from the atomic counter (zeroed by the host per call).
  const units = min(planes, 4 * nt);
  for (let u = atomic.add<i32>(queue, 1); u < units; u = atomic.add<i32>(queue, 1)) {
    const p0 = splitAt(planes, units, u, 1),
      p1 = splitAt(planes, units, u + 1, 1);
    for (let pl = p0; pl < p1; pl++) {
      const xp = x + ((<usize>pl * <usize>H * <usize>W) << 2);
      const o = y + ((<usize>pl * <usize>OH * <usize>OW) << 2);
      for (let oh = 0; oh < OH; oh++) {
        const h0 = ld(hS, oh),
          h1 = ld(hE, oh),
          hc = ld(hC, oh);
        for (let ow = 0; ow < OW; ow++) {
          const w0 = ld(wS, ow),
            w1 = ld(wE, ow);
          let sum: f32 = 0;
          for (let h = h0; h < h1; h++) {
            const row = xp + ((<usize>h * <usize>W) << 2);
            for (let w = w0; w < w1; w++) sum += load<f32>(row + ((<usize>w) << 2));
          }
          store<f32>(o + ((<usize>(oh * OW + ow)) << 2), sum / <f32>(hc * ld(wC, ow)));
        }
      }
    }
  }
}

/** dx = 0, then each window gets dy / count added to every input it covers. */
export function avgPool2dBackward(
  dy: usize,
  dx: usize,
  win: usize,
  planes: i32,
  H: i32,
  W: i32,
  OH: i32,
  OW: i32,
  queue: usize,
  tid: i32,
  nt: i32,
): void {
  const hS = win,
    hE = hS + ((<usize>OH) << 2),
    wS = hE + ((<usize>OH) << 2),
    wE = wS + ((<usize>OW) << 2);
  const hC = wE + ((<usize>OW) << 2),
    wC = hC + ((<usize>OH) << 2);
  // Blocks of planes from the atomic counter (zeroed by the host per call).
  const units = min(planes, 4 * nt);
  for (let u = atomic.add<i32>(queue, 1); u < units; u = atomic.add<i32>(queue, 1)) {
    const p0 = splitAt(planes, units, u, 1),
      p1 = splitAt(planes, units, u + 1, 1);
    const HW = H * W;
    if (p1 > p0) memory.fill(dx + ((<usize>p0 * <usize>HW) << 2), 0, (<usize>(p1 - p0) * <usize>HW) << 2);
    for (let pl = p0; pl < p1; pl++) {
      const dxp = dx + ((<usize>pl * <usize>HW) << 2);
      const gp = dy + ((<usize>pl * <usize>OH * <usize>OW) << 2);
      for (let oh = 0; oh < OH; oh++) {
        const h0 = ld(hS, oh),
          h1 = ld(hE, oh),
          hc = ld(hC, oh);
        for (let ow = 0; ow < OW; ow++) {
          const w0 = ld(wS, ow),
            w1 = ld(wE, ow);
          const v = load<f32>(gp + ((<usize>(oh * OW + ow)) << 2)) / <f32>(hc * ld(wC, ow));
          for (let h = h0; h < h1; h++) {
            const row = dxp + ((<usize>h * <usize>W) << 2);
            for (let w = w0; w < w1; w++) {
              const t = row + ((<usize>w) << 2);
              store<f32>(t, load<f32>(t) + v);
            }
          }
        }
      }
    }
  }
}
