import { totalmem } from 'node:os';
import { type ModelSpec, summary } from '@rectifier/nn';
import type { BackendSelection } from '@rectifier/tensor';

/** The paper's mini-batch (P §3: 128, kept at 128 on several GPUs "because the accuracy may be decreased"). */
export const PAPER_BATCH = 128;

/** A batch size and the sentence that explains it. */
export interface BatchChoice {
  batchSize: number;
  why: string;
}

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const bytes = (n: number) => (n >= GiB ? `${(n / GiB).toFixed(1)} GiB` : `${(n / MiB).toFixed(0)} MiB`);

/**
 * What one training step needs, from the model's layer shapes (nn's `summary`, nothing allocated):
 * the largest single tensor per sample (it must fit one WebGPU storage binding) and an estimate of
 * the memory: weights, gradients, momentum and one update temporary (4 x parameters) plus, per
 * sample, every layer output kept for the backward pass, its gradient and a temporary (3 x).
 */
export function stepFootprint(spec: ModelSpec): {
  parameterBytes: number;
  largestParameterBytes: number;
  activationBytesPerSample: number;
  largest: { name: string; bytesPerSample: number };
} {
  const s = summary(spec, [1, ...spec.inputShape]);
  let sum = spec.inputShape.reduce((a, d) => a * d, 1);
  let largest = { name: 'the input', bytesPerSample: 4 * sum };
  for (const r of s.rows) {
    if (r.type === 'flatten') continue; // a view of its input
    const n = r.outputShape.slice(1).reduce((a, d) => a * d, 1);
    sum += n;
    if (4 * n > largest.bytesPerSample) largest = { name: `${r.name}'s output`, bytesPerSample: 4 * n };
  }
  let largestParameter = 0;
  for (const l of spec.layers) {
    if (l.spec.type === 'linear')
      largestParameter = Math.max(largestParameter, l.spec.inFeatures * l.spec.outFeatures);
    if (l.spec.type === 'conv2d') {
      const [kh, kw] = l.spec.kernelSize;
      largestParameter = Math.max(
        largestParameter,
        (l.spec.outChannels * l.spec.inChannels * kh * kw) / l.spec.groups,
      );
    }
  }
  return {
    parameterBytes: 4 * s.totalParameters,
    largestParameterBytes: 4 * largestParameter,
    activationBytesPerSample: 3 * 4 * sum,
    largest,
  };
}

/**
 * The batch for a paper-scale model on the selected device: the paper's 128 when it fits, else the
 * largest power of two below it that does. On WebGPU "fits" means every tensor of the step fits the
 * adapter's `maxStorageBufferBindingSize` (a kernel cannot bind a larger buffer; WebGPU does not tell
 * how much memory the GPU has, so the total is only reported); on the CPU backends the estimated
 * step memory must fit in half of the host memory.
 */
export function chooseBatchSize(
  spec: ModelSpec,
  selection: BackendSelection,
  opts: { hostBytes?: number; trainImages?: number } = {},
): BatchChoice {
  const hostBytes = opts.hostBytes ?? totalmem();
  const images = opts.trainImages ?? Number.POSITIVE_INFINITY;
  const f = stepFootprint(spec);
  const total = (b: number) => 4 * f.parameterBytes + b * f.activationBytesPerSample;
  const gpu = selection.name === 'webgpu';
  const binding = selection.adapter?.limits.maxStorageBufferBindingSize ?? Number.POSITIVE_INFINITY;
  const limit = gpu
    ? {
        fits: (b: number) => b * f.largest.bytesPerSample <= binding,
        at: (b: number) =>
          `${f.largest.name} would take ${bytes(b * f.largest.bytesPerSample)}, above the adapter's maxStorageBufferBindingSize of ${bytes(binding)}`,
      }
    : {
        fits: (b: number) => total(b) <= hostBytes / 2,
        at: (b: number) =>
          `the step would need about ${bytes(total(b))}, above half of this machine's ${bytes(hostBytes)} of memory`,
      };
  if (gpu && f.largestParameterBytes > binding) {
    return {
      batchSize: 1,
      why: `a weight of this model takes ${bytes(f.largestParameterBytes)}, above the adapter's maxStorageBufferBindingSize of ${bytes(binding)}: it cannot run on this device at this width (try --width or another --backend)`,
    };
  }
  let b = PAPER_BATCH;
  while (b > 1 && !limit.fits(b)) b /= 2;
  const estimate = `estimated step memory ${bytes(total(b))}`;
  const hint = (n: number) => `The paper's lr 0.01 is for batch 128: consider --lr scaled by ${n}/128`;
  if (b > images) {
    // a batch larger than the training set would give epochs without a step (the last batch is dropped)
    let n = 1;
    while (n * 2 <= images) n *= 2;
    return {
      batchSize: n,
      why: `${n}: the training set has only ${images} images (the device would take ${b}). ${hint(n)}`,
    };
  }
  if (b === PAPER_BATCH) {
    const fitsWhat = gpu
      ? `its largest tensor (${f.largest.name}, ${bytes(b * f.largest.bytesPerSample)}) fits the adapter's maxStorageBufferBindingSize (${bytes(binding)})`
      : `it fits in half of this machine's ${bytes(hostBytes)} of memory`;
    return { batchSize: b, why: `the paper's ${PAPER_BATCH}: ${fitsWhat}; ${estimate}` };
  }
  return {
    batchSize: b,
    why: `${b}, not the paper's ${PAPER_BATCH}: at ${PAPER_BATCH} ${limit.at(PAPER_BATCH)}; ${estimate}${limit.fits(b) ? '' : ' (even batch 1 does not fit)'}. ${hint(b)}`,
  };
}
