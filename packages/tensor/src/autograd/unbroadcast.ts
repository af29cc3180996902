import type { Shape } from '../backend.js';
import { sum } from '../ops/reduce.js';
import { reshape } from '../ops/views.js';
import { shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';

/**
 * Reduces a gradient computed in an op's broadcast output shape back to an input's shape: sums the
 * leading dims the input lacked and the dims where the input had size 1. This is the only place where
 * broadcasting is undone; gradient rules never do it themselves. Returns g itself when shapes match.
 */
export function unbroadcast(g: Tensor, shape: Shape): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const lead = g.ndim - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.ndim; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  const s = sum(g, axes, true);
  const out = reshape(s, shape);
  if (out !== s) s.dispose();
  return out;
}
