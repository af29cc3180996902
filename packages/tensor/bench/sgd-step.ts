/**
 * The part every training-step benchmark shares: the forward pass under `tidy` (which keeps the
 * returned loss and the tape behind it), backward, reading the loss, and the fused in-place SGD update
 * that @rectifier/train's SGD runs (as PyTorch's optimizer updates in place), timed by `measure`.
 */
import type * as RT from '@rectifier/tensor';
import { measure, type Sample } from './timing.js';

/** What a training-step benchmark reports. */
export type StepSample = Sample & { batch: number; finalLoss: number };

/**
 * Runs `body` with `backend` as the default backend, then disposes the parameters it pushed into
 * `params` and restores the previous backend.
 */
export async function onBackend<T>(
  rt: typeof RT,
  backend: RT.Backend,
  body: (params: RT.Parameter[]) => Promise<T>,
): Promise<T> {
  const previous = rt.getBackend();
  rt.setBackend(backend);
  const params: RT.Parameter[] = [];
  try {
    return await body(params);
  } finally {
    for (const p of params) p.dispose();
    rt.setBackend(previous);
  }
}

export async function measureSgdSteps(
  rt: typeof RT,
  params: readonly RT.Parameter[],
  lossOf: () => RT.Tensor,
  opts: { warmup: number; runs: number; lr: number; batch: number; label: string },
): Promise<StepSample> {
  const hyper = { lr: opts.lr, momentum: 0, weightDecay: 0, nesterov: false };
  let finalLoss = Number.NaN;
  const step = async () => {
    const loss = rt.tidy(lossOf);
    loss.backward();
    finalLoss = await loss.item();
    loss.dispose();
    rt.sgdStep(
      params,
      params.map((p) => p.grad as RT.Tensor),
      params.map(() => null),
      params.map(() => hyper),
    );
    for (const p of params) p.zeroGrad();
  };
  const s = await measure(step, { ...opts, work: opts.batch, unit: 'images/s' });
  return { ...s, batch: opts.batch, finalLoss: Math.round(finalLoss * 1e4) / 1e4 };
}
