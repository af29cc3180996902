/** Index-based ops: gather, indexSelect, oneHot. */
import { record } from '../autograd/record.js';
import { DTypeError, fmt, ShapeError } from '../errors.js';
import { tidy } from '../memory.js';
import { normalizeAxis } from '../shape.js';
import { fromStorage, type Tensor } from '../tensor.js';
import { arange } from './creation.js';
import { eq } from './elementwise.js';
import { checkTensor, sameBackend } from './operands.js';
import { checkIndices } from './range-check.js';
import { contiguous, expand, reshape, unsqueeze } from './views.js';

/**
 * Checks index values against [0, size): at once on CPU and WASM, on the device on WebGPU (reported
 * with the same error at the next read; see range-check.ts).
 */
function checkIndexRange(op: string, index: Tensor, size: number): void {
  checkIndices(
    index,
    size,
    `${op}|${size}|${fmt(index.shape)}`,
    (_n, v) => `${op}: index ${v} is out of range [0, ${size}) (index shape ${fmt(index.shape)})`,
  );
}

/**
 * torch.gather: out[i][j][k] = x[i][index[i][j][k]][k] for dim 1 (likewise for other dims). `index` is
 * int32 with x's rank and index.shape[d] <= x.shape[d] for d != dim. Differentiable in x.
 *
 * @example
 * gather(logp, 1, target.unsqueeze(1))
 */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  return gatherImpl(x, dim, index, true);
}

/** gather for indices the caller has already validated or built in range (no extra device check). @internal */
export function gatherUnchecked(x: Tensor, dim: number, index: Tensor): Tensor {
  return gatherImpl(x, dim, index, false);
}

function gatherImpl(x: Tensor, dim: number, index: Tensor, checked: boolean): Tensor {
  checkTensor('gather', 'x', x);
  checkTensor('gather', 'index', index);
  sameBackend('gather', [x, index]);
  if (index.dtype !== 'int32') throw new DTypeError(`gather: index must be int32, got ${index.dtype}`);
  const d = normalizeAxis('gather', dim, x.ndim, 'dim');
  if (index.ndim !== x.ndim || index.shape.some((s, i) => i !== d && s > x.shape[i])) {
    throw new ShapeError(
      `gather: index shape ${fmt(index.shape)} does not fit input shape ${fmt(x.shape)} (dim ${d})`,
    );
  }
  if (checked) checkIndexRange('gather', index, x.shape[d]);
  return tidy(() => {
    const xc = contiguous(x);
    const ic = contiguous(index);
    const b = x.backend;
    const out = fromStorage(b, b.gather(xc.storageView, d, ic.storageView), index.shape, x.dtype);
    const inShape = x.shape;
    return record(
      'gather',
      out,
      [xc],
      [ic],
      (dy, [is]) => [
        () =>
          fromStorage(
            b,
            b.scatterAdd(inShape, d, is.storageView, contiguous(dy).storageView),
            inShape,
            dy.dtype,
          ),
      ],
      { dim: d },
    );
  });
}

/**
 * Selects entries along `dim` by a 1-D int32 index (torch.index_select).
 *
 * @example
 * indexSelect(x, 0, tensor([2, 0], { dtype: 'int32' }))
 */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  checkTensor('indexSelect', 'x', x);
  checkTensor('indexSelect', 'index', index);
  if (index.ndim !== 1) throw new ShapeError(`indexSelect: index must be 1-D, got ${fmt(index.shape)}`);
  if (index.dtype !== 'int32') throw new DTypeError(`indexSelect: index must be int32, got ${index.dtype}`);
  const d = normalizeAxis('indexSelect', dim, x.ndim, 'dim');
  return tidy(() => {
    const shape = x.shape.map((s, i) => (i === d ? index.shape[0] : s));
    const view = reshape(
      index,
      x.shape.map((_, i) => (i === d ? index.shape[0] : 1)),
    );
    return gather(x, d, contiguous(expand(view, shape)));
  });
}

/**
 * One-hot encoding: int32 [..., numClasses] with 1 at each index.
 *
 * @example
 * oneHot(tensor([0, 2], { dtype: 'int32' }), 3) // [[1,0,0],[0,0,1]]
 */
export function oneHot(index: Tensor, numClasses: number): Tensor {
  checkTensor('oneHot', 'index', index);
  if (index.dtype !== 'int32') throw new DTypeError(`oneHot: index must be int32, got ${index.dtype}`);
  if (!Number.isInteger(numClasses) || numClasses < 1)
    throw new RangeError(`oneHot: numClasses must be a positive integer, got ${numClasses}`);
  checkIndexRange('oneHot', index, numClasses);
  return tidy(() =>
    eq(unsqueeze(index, -1), arange(numClasses, undefined, 1, { dtype: 'int32', backend: index.backend })),
  );
}
