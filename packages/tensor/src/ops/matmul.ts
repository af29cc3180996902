/** Matrix products: `matmul` (torch.matmul semantics) and `linear`. */
import { record } from '../autograd/record.js';
import { DTypeError, fmt, ShapeError } from '../errors.js';
import { tidy } from '../memory.js';
import { broadcastShapes, sizeOf } from '../shape.js';
import { fromStorage, type Tensor } from '../tensor.js';
import { add } from './elementwise.js';
import { checkTensor, sameBackend } from './operands.js';
import { expand, reshape, squeeze, transpose, unsqueeze } from './views.js';

/**
 * Whether a [B,R,C] view stores each matrix column by column: a transposed row-major matrix, such as
 * the `weight.T` of `linear`.
 */
function columnMajor(t: Tensor): boolean {
  return t.shape[1] > 1 && t.shape[2] > 1 && t.strides[1] === 1 && t.strides[2] !== 1;
}

/**
 * The primitive: [B,M,K] x [B,K,N] -> [B,M,N] on views with any strides (no copy for transposes).
 * Each operand's gradient comes out in the operand's own layout (as PyTorch's mm backward does): for
 * a column-major operand its transpose is computed and viewed transposed, so the gradient of a
 * `linear` weight [out, in] is a contiguous [out, in] array, not a transposed view that would have to
 * be copied (a strided copy of fc1's 52M-element gradient took longer than all its GEMMs).
 */
function bmm(a: Tensor, b: Tensor): Tensor {
  const [B, M] = a.shape;
  const N = b.shape[2];
  const out = fromStorage(a.backend, a.backend.matmul(a.storageView, b.storageView), [B, M, N], a.dtype);
  return record('matmul', out, [a, b], [a, b], (dy, [as, bs]) => [
    // dA = dy B^T, or (B dy^T)^T
    () => (columnMajor(as) ? transpose(bmm(bs, transpose(dy, 1, 2)), 1, 2) : bmm(dy, transpose(bs, 1, 2))),
    // dB = A^T dy, or (dy^T A)^T
    () => (columnMajor(bs) ? transpose(bmm(transpose(dy, 1, 2), as), 1, 2) : bmm(transpose(as, 1, 2), dy)),
  ]);
}

/**
 * Matrix product with torch.matmul semantics: 1-D operands are promoted to a row (a) or column (b)
 * vector and the added dim removed afterwards; leading batch dims broadcast.
 *
 * @example
 * matmul(randn([8, 2, 3]), randn([3, 4])) // [8, 2, 4]
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  checkTensor('matmul', 'a', a);
  checkTensor('matmul', 'b', b);
  sameBackend('matmul', [a, b]);
  if (a.dtype !== b.dtype || a.dtype === 'int32') {
    throw new DTypeError(`matmul: operands must share a float dtype, got ${a.dtype} and ${b.dtype}`);
  }
  if (a.ndim === 0 || b.ndim === 0) {
    throw new ShapeError(`matmul: operands must be at least 1-D, got ${fmt(a.shape)} and ${fmt(b.shape)}`);
  }
  return tidy(() => {
    const A = a.ndim === 1 ? unsqueeze(a, 0) : a;
    const Bm = b.ndim === 1 ? unsqueeze(b, 1) : b;
    const M = A.shape[A.ndim - 2];
    const K = A.shape[A.ndim - 1];
    const N = Bm.shape[Bm.ndim - 1];
    if (Bm.shape[Bm.ndim - 2] !== K) {
      throw new ShapeError(
        `matmul: cannot multiply ${fmt(a.shape)} and ${fmt(b.shape)} (inner dims ${K} vs ${Bm.shape[Bm.ndim - 2]})`,
      );
    }
    const batch = broadcastShapes('matmul', A.shape.slice(0, -2), Bm.shape.slice(0, -2));
    const nb = sizeOf(batch);
    const a3 = reshape(expand(A, [...batch, M, K]), [nb, M, K]);
    const b3 = reshape(expand(Bm, [...batch, K, N]), [nb, K, N]);
    let out = reshape(bmm(a3, b3), [...batch, M, N]);
    if (b.ndim === 1) out = squeeze(out, -1);
    if (a.ndim === 1) out = squeeze(out, out.ndim === 1 && b.ndim === 1 ? 0 : -2);
    return out;
  });
}

/**
 * y = x W^T + b with weight [out, in] (PyTorch layout) and optional bias [out].
 *
 * @example
 * linear(randn([5, 4]), randn([3, 4]), zeros([3])) // [5, 3]
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  checkTensor('linear', 'x', x);
  checkTensor('linear', 'weight', weight);
  if (weight.ndim !== 2)
    throw new ShapeError(`linear: weight must be 2-D [out, in], got ${fmt(weight.shape)}`);
  if (x.ndim === 0) throw new ShapeError('linear: input must have at least 1 dimension, got a 0-d tensor');
  if (x.shape[x.ndim - 1] !== weight.shape[1]) {
    throw new ShapeError(
      `linear: input has ${x.shape[x.ndim - 1]} features but weight expects ${weight.shape[1]} (input ${fmt(x.shape)}, weight ${fmt(weight.shape)})`,
    );
  }
  if (bias) {
    checkTensor('linear', 'bias', bias);
    if (bias.ndim !== 1 || bias.shape[0] !== weight.shape[0])
      throw new ShapeError(`linear: bias must have shape [${weight.shape[0]}], got ${fmt(bias.shape)}`);
    // like PyTorch: no silent promotion of the output through the bias
    if (bias.dtype !== weight.dtype)
      throw new DTypeError(`linear: bias has dtype ${bias.dtype} but weight has ${weight.dtype}`);
  }
  return tidy(() => {
    const y = matmul(x, transpose(weight, 0, 1));
    return bias ? add(y, bias) : y;
  });
}
