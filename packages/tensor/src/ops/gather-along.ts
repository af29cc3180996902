/** Selecting positions along one dimension by host-computed indices: the building block of pad and interpolate. */
import { tidy } from '../memory.js';
import type { Tensor } from '../tensor.js';
import { tensor } from './creation.js';
import { gatherUnchecked } from './indexing.js';
import { contiguous, expand } from './views.js';

/**
 * out.shape[dim] = idx.length, out[..., i, ...] = x[..., idx[i], ...] (differentiable: the gradient is
 * the gather's scatter-add). The indices are built in range by the caller, so no range check runs.
 */
export function gatherAlong(x: Tensor, dim: number, idx: Int32Array): Tensor {
  return tidy(() => {
    const small = tensor(idx, {
      dtype: 'int32',
      backend: x.backend,
      shape: x.shape.map((_, i) => (i === dim ? idx.length : 1)),
    });
    const shape = x.shape.map((s, i) => (i === dim ? idx.length : s));
    return gatherUnchecked(x, dim, contiguous(expand(small, shape)));
  });
}
