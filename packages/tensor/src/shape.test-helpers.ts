// Re-exports for shape.test.ts plus a check of the CPU loops' dim collapsing.
export { broadcastShapes, inferShape, normalizeAxes, normalizeAxis, viewStrides } from './shape.js';

import { collapse } from './backends/cpu/strided.js';

export function collapseCheck(): boolean {
  // [N,C,H,W] + [1,C,1,1]: H and W merge; the broadcast operand keeps stride 0 on N and H*W
  const c = collapse(
    [2, 3, 4, 5],
    [
      [60, 20, 5, 1],
      [0, 1, 0, 0],
    ],
  );
  return (
    JSON.stringify(c) ===
    JSON.stringify({
      shape: [2, 3, 20],
      strides: [
        [60, 20, 1],
        [0, 1, 0],
      ],
    })
  );
}
