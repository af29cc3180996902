/**
 * The CPU reference backend: plain TypeScript over typed arrays. Elementwise ops run the shared
 * table (`elementwise-semantics.ts`) in generic strided loops; matmul, conv2d and pooling call the
 * blocked kernels in ./kernels. Memory is host memory, so `readSync` is available.
 */
import type { Backend, DType, RandomRequest, Shape, TypedArray, View } from '../../backend.js';
import { allocArray } from '../../dtype.js';
import { philoxFill } from '../../random/philox.js';
import { assign, binary, copyAs, readView, ternary, unary } from './elementwise.js';
import { gather, scatterAdd } from './gather.js';
import {
  avgPool,
  avgPoolBackward,
  conv2d,
  conv2dBackInput,
  conv2dBackWeight,
  matmul,
  maxPool,
  maxPoolBackward,
} from './heavy.js';
import { sgdStep, sumSquares } from './multi-tensor.js';
import { argReduce, logSoftmax, reduce } from './reduce.js';
import { alloc, type CpuStorage, cpuStats, release, wrap } from './storage.js';

export { CpuStorage } from './storage.js';

function readSync(v: View<CpuStorage>): TypedArray {
  return readView(v);
}

function fromArray(data: TypedArray, dtype: DType): CpuStorage {
  const a = allocArray(dtype, data.length);
  a.set(data);
  return wrap(dtype, a);
}

function random(req: RandomRequest): CpuStorage {
  const out = alloc(req.distribution === 'bits' ? 'int32' : req.dtype, req.size);
  philoxFill(req.distribution, out.data, req.key, req.counter);
  return out;
}

/**
 * The default backend.
 *
 * @example
 * import { cpuBackend, withBackend, ones } from '@rectifier/tensor';
 * withBackend(cpuBackend, () => ones([2]));
 */
export const cpuBackend = {
  specificationVersion: 'v1',
  name: 'cpu',
  fill: (size: number, dtype: DType, value: number) => {
    const s = alloc(dtype, size);
    s.data.fill(value);
    return s;
  },
  fromArray,
  read: async (v: View<CpuStorage>) => readSync(v),
  readSync,
  dispose: (s: CpuStorage) => release(s),
  memory: () => ({ storages: cpuStats.storages, bytes: cpuStats.bytes }),
  copy: (x: View<CpuStorage>) => copyAs(x, x.dtype),
  assign,
  cast: (x: View<CpuStorage>, dtype: DType) => copyAs(x, dtype),
  unary,
  binary,
  ternary,
  reduce,
  argReduce,
  logSoftmax,
  matmul,
  conv2d,
  conv2dBackwardInput: conv2dBackInput,
  conv2dBackwardWeight: conv2dBackWeight,
  maxPool2d: maxPool,
  maxPool2dBackward: maxPoolBackward,
  avgPool2d: avgPool,
  avgPool2dBackward: avgPoolBackward,
  gather,
  scatterAdd: (shape: Shape, axis: number, index: View<CpuStorage>, src: View<CpuStorage>) =>
    scatterAdd(shape, axis, index, src),
  random,
  sgdStep,
  sumSquares,
} satisfies Backend<CpuStorage> as Backend;
