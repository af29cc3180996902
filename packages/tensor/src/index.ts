/**
 * @rectifier/tensor: n-dimensional tensors with NumPy broadcasting, strided views, reverse-mode
 * autograd and a pluggable backend (the CPU reference backend is built in and the default).
 * See API.md for the contract.
 */
export type {
  Backend,
  DType,
  Shape,
  Storage,
  View,
  TypedArray,
  FloatArray,
  UnaryOp,
  BinaryOp,
  TernaryOp,
  ReduceOp,
  ArgReduceOp,
  Conv2dGeometry,
  PoolWindows,
  RandomRequest,
} from './backend.js';
export { Tensor } from './tensor.js';
export { Parameter } from './parameter.js';
export { ShapeError, DTypeError, DisposedError } from './errors.js';
export { getBackend, setBackend, withBackend } from './backend-state.js';
export { cpuBackend } from './backends/cpu/index.js';
export { memory, tidy, keep } from './memory.js';
export { noGrad, enableGrad, isGradEnabled } from './autograd/grad-mode.js';
export { grad } from './autograd/functional.js';
export type { GradNode } from './autograd/node.js';
export { Generator, manualSeed, defaultGenerator } from './random/generator.js';
export {
  tensor,
  zeros,
  ones,
  full,
  zerosLike,
  onesLike,
  fullLike,
  arange,
  eye,
  rand,
  randn,
  randint,
  type CreationOptions,
  type RandomOptions,
} from './ops/creation.js';
export {
  add,
  sub,
  mul,
  div,
  pow,
  maximum,
  minimum,
  eq,
  ne,
  lt,
  le,
  gt,
  ge,
  neg,
  abs,
  exp,
  log,
  sqrt,
  sign,
  reciprocal,
  square,
  floor,
  ceil,
  round,
  tanh,
  sigmoid,
  relu,
  isnan,
  logicalNot,
  clamp,
  where,
  cast,
  type TensorLike,
} from './ops/elementwise.js';
export { UNARY, BINARY, TERNARY } from './ops/elementwise-table.js';
export {
  reshape,
  view,
  permute,
  transpose,
  narrow,
  slice,
  expand,
  broadcastTo,
  squeeze,
  unsqueeze,
  flatten,
  contiguous,
} from './ops/views.js';
export { sum, mean, max, min, argmax, argmin, variance, std, logSumExp } from './ops/reduce.js';
export { matmul, linear } from './ops/matmul.js';
export { conv2d, type Conv2dOptions } from './ops/conv.js';
export { maxPool2d, avgPool2d, adaptiveMaxPool2d, adaptiveAvgPool2d, type Pool2dOptions } from './ops/pool.js';
export { leakyRelu, prelu, softmax, logSoftmax } from './ops/activation.js';
export { crossEntropy, type CrossEntropyOptions } from './ops/loss.js';
export { dropout } from './ops/dropout.js';
export { concat, stack, split } from './ops/join.js';
export { gather, indexSelect, oneHot } from './ops/indexing.js';
