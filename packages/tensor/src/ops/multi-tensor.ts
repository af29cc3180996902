/**
 * Multi-tensor ops for optimizers and training guards: one backend call for a whole list of tensors
 * instead of several elementwise ops per tensor (on a GPU: a handful of dispatches per step instead
 * of hundreds, and no scalar tensors filled per step). Backends without the fused kernels
 * (`Backend.sgdStep`, `Backend.sumSquares`) get the same results from elementwise ops.
 */
import { noGrad } from '../autograd/grad-mode.js';
import type { SgdHyper } from '../backend.js';
import { DTypeError, fmt, ShapeError } from '../errors.js';
import { tidy } from '../memory.js';
import { fromStorage, type Tensor } from '../tensor.js';
import { where } from './elementwise.js';
import { stack } from './join.js';
import { checkTensor, sameBackend } from './operands.js';
import { contiguous } from './views.js';

/**
 * Sums of squares of `tensors` and their finiteness, as one float32 tensor of 2n + 1 elements:
 * [i] = sum of tensors[i]'s squares, [n + i] = 1 when tensors[i] has a NaN or an infinite element
 * (else 0), [2n] = 1 when any of them has. One fused kernel where the backend has `sumSquares`.
 * No graph is recorded.
 *
 * @example
 * const s = sumOfSquares(params.map((p) => p.grad!)); // norms: sqrt of s[0..n)
 */
export function sumOfSquares(tensors: readonly Tensor[]): Tensor {
  if (tensors.length === 0) throw new ShapeError('sumOfSquares: got an empty list of tensors');
  tensors.forEach((t, i) => {
    checkTensor('sumOfSquares', `tensor ${i}`, t);
    if (t.dtype === 'int32')
      throw new DTypeError(`sumOfSquares: tensor ${i} is int32; expected a float dtype`);
  });
  const backend = sameBackend('sumOfSquares', tensors);
  return noGrad(() =>
    tidy(() => {
      if (backend.sumSquares) {
        const views = tensors.map((t) => (t.isContiguous() ? t : contiguous(t)).storageView);
        return fromStorage(backend, backend.sumSquares(views), [2 * tensors.length + 1], 'float32');
      }
      const sums = tensors.map((t) => t.square().sum().cast('float32'));
      const flags = tensors.map((t) => t.sub(t).isnan().max().cast('float32'));
      return stack([...sums, ...flags, stack(flags).max()]);
    }),
  );
}

/**
 * SGD with momentum in the Caffe form over many tensors, in place (see `Backend.sgdStep` for the
 * exact arithmetic): with d = g + wd * p, v <- mu * v - lr * d and p <- p + v (nesterov:
 * p <- p + mu * v - lr * d); without a momentum buffer p <- p - lr * d. Hyper-parameters travel as
 * kernel parameters (no scalar tensors). `skipIf` (one float32 element): when non-zero at the time
 * the update runs, nothing changes, so a guard computed on the device needs no read before the step.
 * Called inside or outside `noGrad`; records no graph.
 */
export function sgdStep(
  params: readonly Tensor[],
  grads: readonly Tensor[],
  momenta: readonly (Tensor | null)[],
  hyper: readonly SgdHyper[],
  opts: { skipIf?: Tensor } = {},
): void {
  const n = params.length;
  if (grads.length !== n || momenta.length !== n || hyper.length !== n) {
    throw new ShapeError(
      `sgdStep: got ${n} parameters, ${grads.length} gradients, ${momenta.length} momentum buffers and ${hyper.length} hyper-parameter sets; they must match`,
    );
  }
  if (n === 0) return;
  const all: Tensor[] = [];
  for (let i = 0; i < n; i++) {
    const p = checkTensor('sgdStep', `parameter ${i}`, params[i]);
    const g = checkTensor('sgdStep', `gradient ${i}`, grads[i]);
    const m = momenta[i];
    for (const [what, t] of [
      ['gradient', g],
      ['momentum buffer', m],
    ] as const) {
      if (t === null) continue;
      checkTensor('sgdStep', `${what} ${i}`, t);
      if (fmt(t.shape) !== fmt(p.shape) || t.dtype !== p.dtype) {
        throw new ShapeError(
          `sgdStep: ${what} ${i} is ${fmt(t.shape)} ${t.dtype} but parameter ${i} is ${fmt(p.shape)} ${p.dtype}`,
        );
      }
    }
    if (p.dtype === 'int32') throw new DTypeError(`sgdStep: parameter ${i} is int32; expected a float dtype`);
    all.push(p, g);
    if (m) all.push(m);
  }
  const skip = opts.skipIf;
  if (skip) {
    checkTensor('sgdStep', 'skipIf', skip);
    if (skip.size !== 1 || skip.dtype !== 'float32')
      throw new ShapeError(
        `sgdStep: skipIf must be one float32 element, got ${fmt(skip.shape)} ${skip.dtype}`,
      );
    all.push(skip);
  }
  const backend = sameBackend('sgdStep', all);
  const inPlace = (t: Tensor | null) => t === null || t.isContiguous();
  const fused = backend.sgdStep !== undefined && params.every(inPlace) && momenta.every(inPlace);
  noGrad(() =>
    tidy(() => {
      if (fused) {
        (backend.sgdStep as NonNullable<typeof backend.sgdStep>)(
          params.map((p) => p.storageView),
          grads.map((g) => (g.isContiguous() ? g : contiguous(g)).storageView),
          momenta.map((m) => (m ? m.storageView : null)),
          hyper,
          skip ? (skip.isContiguous() ? skip : contiguous(skip)).storageView : undefined,
        );
        return;
      }
      // elementwise ops, the same arithmetic in the same order
      const keep = skip ? skip.reshape([]).ne(0) : null;
      const guarded = (old: Tensor, next: Tensor) => (keep ? where(keep, old, next) : next);
      params.forEach((p, i) => {
        const g = grads[i];
        const { lr, momentum: mu, weightDecay: wd, nesterov } = hyper[i];
        const d = wd === 0 ? g : g.add(p.mul(wd));
        const v = momenta[i];
        if (v === null) {
          p.assign(guarded(p, p.sub(d.mul(lr))));
          return;
        }
        const vNew = v.mul(mu).sub(d.mul(lr));
        const pNew = nesterov ? p.add(vNew.mul(mu)).sub(d.mul(lr)) : p.add(vNew);
        v.assign(guarded(v, vNew));
        p.assign(guarded(p, pNew));
      });
    }),
  );
}
