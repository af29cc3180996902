/** Inverted dropout (like torch.nn.functional.dropout). */
import { tidy } from '../memory.js';
import type { Generator } from '../random/generator.js';
import type { Tensor } from '../tensor.js';
import { checkGenerator, rand } from './creation.js';
import { ge, mul } from './elementwise.js';
import { checkTensor } from './operands.js';

/**
 * Zeroes each element with probability p and scales survivors by 1 / (1 - p) when training;
 * returns x unchanged otherwise. The mask comes from `rand` (kept where u >= p).
 *
 * @example
 * dropout(x, 0.5, true, new Generator(0))
 */
export function dropout(x: Tensor, p = 0.5, training = true, generator?: Generator): Tensor {
  checkTensor('dropout', 'x', x);
  if (!(p >= 0 && p <= 1)) throw new RangeError(`dropout: p must be in [0, 1], got ${p}`);
  checkGenerator('dropout', generator);
  if (!training || p === 0) return x;
  return tidy(() => {
    if (p === 1) return mul(x, 0);
    const u = rand(x.shape, {
      generator,
      dtype: x.dtype === 'float64' ? 'float64' : 'float32',
      backend: x.backend,
    });
    return mul(x, mul(ge(u, p), 1 / (1 - p)));
  });
}
