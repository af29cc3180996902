// Procedurally drawn 16x16 grey images of four classes for the live training page. Each image has a
// random position, size, stroke intensity and pixel noise, so the task needs the conv layers, yet a
// small PReLU net learns it in a few dozen steps (SwiftShader's software WebGPU included).

import { seededUniform } from '@rectifier/tensor/testing';

export const SHAPE_CLASSES = ['ring', 'plus', 'horizontal bars', 'diagonal'] as const;
export const SIDE = 16;

function draw(label: number, r: () => number, out: Float32Array, offset: number): void {
  const cx = 5.5 + r() * 5;
  const cy = 5.5 + r() * 5;
  const s = 3 + r() * 2.5; // half size
  const ink = 0.7 + r() * 0.3;
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      const dx = x - cx;
      const dy = y - cy;
      let on = false;
      if (label === 0) on = Math.abs(Math.hypot(dx, dy) - s) < 0.9;
      else if (label === 1)
        on = (Math.abs(dx) < 0.8 && Math.abs(dy) <= s) || (Math.abs(dy) < 0.8 && Math.abs(dx) <= s);
      else if (label === 2)
        on = Math.abs(dx) <= s && (Math.abs(dy - s / 2) < 0.8 || Math.abs(dy + s / 2) < 0.8);
      else on = Math.abs(dx - dy) < 0.9 && Math.abs(dx) <= s;
      out[offset + y * SIDE + x] = (on ? ink : 0) + (r() - 0.5) * 0.8;
    }
  }
}

/** `n` images [n, 1, 16, 16] (pixels about in [-0.4, 1.4]) with balanced int labels. */
export function makeShapes(n: number, seed: number): { images: Float32Array; labels: Int32Array } {
  // mulberry32, seeded: every visitor trains on the same data
  const r = seededUniform(seed);
  const images = new Float32Array(n * SIDE * SIDE);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % SHAPE_CLASSES.length;
    draw(labels[i], r, images, i * SIDE * SIDE);
  }
  return { images, labels };
}
