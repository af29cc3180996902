import { crossEntropy, noGrad, type Tensor, tidy } from '@rectifier/tensor';
import { MeanMeter, ThroughputMeter, TopKMeter } from '../metrics/meters';
import { topKErrors } from '../metrics/topk';
import { disposeBatch, disposesByDefault, openEpoch } from './data';
import type { DataSource, EvalResult, TrainableModule } from './types';

/** The model's forward function: `call` (runs forward hooks) when the model has it, else `forward`. */
export function forwardOf(model: TrainableModule): (x: Tensor) => Tensor {
  const m = model as TrainableModule & { call?: (x: Tensor) => Tensor };
  return typeof m.call === 'function' ? (x) => (m.call as (x: Tensor) => Tensor)(x) : (x) => m.forward(x);
}

/** Options of `evaluateModel`. */
export interface EvaluateOptions {
  /** Top-k errors to measure; ks above the number of classes are skipped. Default [1, 5]. */
  topK?: number[];
  /** Default: softmax cross-entropy. */
  loss?: (output: Tensor, target: Tensor) => Tensor;
  /** Dispose each batch after use. Default true. */
  disposeBatches?: boolean;
  /** Epoch passed to a function data source. Default 0. */
  epoch?: number;
  /**
   * Called after each batch with the batches done so far and, when the source knows its length, the
   * total: for a progress display (evaluation of a large test set otherwise runs silently).
   */
  onBatch?: (progress: EvalProgress) => void;
}

/** What `onBatch` of `evaluateModel` receives after each batch. */
export interface EvalProgress {
  /** Batches evaluated so far. */
  batches: number;
  /** Batches in the source, when it has a `length`. */
  totalBatches?: number;
  /** Samples evaluated so far. */
  samples: number;
}

/**
 * Mean loss and top-k error fractions of `model` over `data`, in eval mode (dropout off) without
 * recording a graph; the model is put back in training mode afterwards.
 *
 * @example
 * const { top1, top5 } = await evaluateModel(model, testBatches);
 */
export async function evaluateModel(
  model: TrainableModule,
  data: DataSource,
  o: EvaluateOptions = {},
): Promise<EvalResult> {
  const ks = o.topK ?? [1, 5];
  const lossFn = o.loss ?? ((y: Tensor, t: Tensor) => crossEntropy(y, t));
  const forward = forwardOf(model);
  const lossMeter = new MeanMeter();
  let topk: TopKMeter | null = null;
  let usedKs: number[] = ks;
  const tp = new ThroughputMeter();
  const dispose = o.disposeBatches ?? disposesByDefault(data);
  model.eval();
  const cursor = await openEpoch(data, o.epoch ?? 0, 0, dispose);
  let batches = 0;
  try {
    for (;;) {
      const b = await cursor.next();
      if (b === null) break;
      try {
        tp.start();
        const { out, loss } = noGrad(() =>
          tidy(() => {
            const y = forward(b.input);
            return { out: y, loss: lossFn(y, b.target) };
          }),
        );
        try {
          if (topk === null) {
            usedKs = ks.filter((k) => k <= out.shape[1]);
            topk = new TopKMeter(usedKs);
          }
          lossMeter.update(await loss.item(), b.input.shape[0]);
          topk.update(await topKErrors(out, b.target, usedKs));
        } finally {
          out.dispose();
          loss.dispose();
        }
        tp.stop(b.input.shape[0]);
        batches++;
        o.onBatch?.({ batches, totalBatches: cursor.length, samples: lossMeter.n });
      } finally {
        if (dispose) disposeBatch(b);
      }
    }
  } finally {
    await cursor.close();
    model.train();
  }
  const rates = topk?.rates ?? [];
  const byK: Record<number, number> = {};
  usedKs.forEach((k, i) => {
    byK[k] = rates[i];
  });
  return {
    loss: lossMeter.mean,
    top1: byK[1] ?? Number.NaN,
    top5: byK[5] ?? Number.NaN,
    topk: byK,
    n: lossMeter.n,
    samplesPerSec: tp.rate,
  };
}
