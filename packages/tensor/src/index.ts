/**
 * @rectifier/tensor: n-dimensional tensors with NumPy broadcasting, strided views, reverse-mode
 * autograd and a pluggable backend (the CPU reference backend is built in and the default).
 * See API.md for the contract.
 */

export { grad } from './autograd/functional.js';
export { enableGrad, isGradEnabled, noGrad } from './autograd/grad-mode.js';
export type { GradNode } from './autograd/node.js';
export type {
  ArgReduceOp,
  Backend,
  BinaryOp,
  Conv2dGeometry,
  DType,
  FloatArray,
  PoolWindows,
  RandomRequest,
  ReduceOp,
  SgdHyper,
  Shape,
  Storage,
  TernaryOp,
  TypedArray,
  UnaryOp,
  View,
} from './backend.js';
export { conv2dGeometryFields } from './backend.js';
export { getBackend, setBackend, withBackend } from './backend-state.js';
export { type EwLayout, elementwiseLayout } from './backends/cpu/elementwise-layout.js';
export { cpuBackend } from './backends/cpu/index.js';
export { foldRowSums, planRowSums, type RowSumPlan } from './backends/cpu/row-sum-plan.js';
// For backends that keep the CPU backend's host storages and replace some of its kernels (as the
// WASM backend does inside this package, and @rectifier/tensor-native outside it).
export {
  alloc as allocCpuStorage,
  arr as cpuStorageData,
  CpuStorage,
  type DeferredLayout,
} from './backends/cpu/storage.js';
export { BINARY, TERNARY, UNARY } from './elementwise-semantics.js';
export {
  checkOptionKeys,
  DisposedError,
  DTypeError,
  fmt as formatShape,
  ShapeError,
} from './errors.js';
export { configureMemory, keep, liveTensorSites, type MemoryOptions, memory, tidy } from './memory.js';
export { leakyRelu, logSoftmax, prelu, softmax } from './ops/activation.js';
export { type Conv2dOptions, conv2d } from './ops/conv.js';
export {
  arange,
  type CreationOptions,
  eye,
  full,
  fullLike,
  ones,
  onesLike,
  type RandomOptions,
  rand,
  randint,
  randn,
  tensor,
  zeros,
  zerosLike,
} from './ops/creation.js';
export { dropout } from './ops/dropout.js';
export {
  abs,
  add,
  cast,
  ceil,
  clamp,
  type DivOptions,
  div,
  eq,
  exp,
  floor,
  floorDivide,
  ge,
  gt,
  isnan,
  le,
  log,
  logicalNot,
  lt,
  maximum,
  minimum,
  mul,
  ne,
  neg,
  pow,
  reciprocal,
  relu,
  round,
  sigmoid,
  sign,
  sqrt,
  square,
  sub,
  type TensorLike,
  tanh,
  trunc,
  where,
} from './ops/elementwise.js';
export { BINARY_GRADS, TERNARY_GRADS, UNARY_GRADS } from './ops/elementwise-grads.js';
export { gather, indexSelect, oneHot } from './ops/indexing.js';
export {
  type InterpolateMode,
  type InterpolateOptions,
  interpolate,
} from './ops/interpolate.js';
export { cat, concat, split, stack } from './ops/join.js';
export {
  type BinaryCrossEntropyWithLogitsOptions,
  binaryCrossEntropyWithLogits,
  type CrossEntropyOptions,
  crossEntropy,
  l1Loss,
  mseLoss,
  type NllLossOptions,
  nllLoss,
  type Reduction,
  type RegressionLossOptions,
} from './ops/loss.js';
export { linear, matmul } from './ops/matmul.js';
export { sgdStep, sumOfSquares } from './ops/multi-tensor.js';
export { type BatchNormOptions, batchNorm } from './ops/normalization.js';
export { type PadMode, pad } from './ops/pad.js';
export {
  adaptiveAvgPool2d,
  adaptiveMaxPool2d,
  avgPool2d,
  maxPool2d,
  type Pool2dOptions,
} from './ops/pool.js';
export {
  amax,
  amin,
  argmax,
  argmin,
  type Dims,
  logSumExp,
  max,
  mean,
  min,
  type ReduceOptions,
  std,
  sum,
  type ValuesIndices,
  type VarianceOptions,
  variance,
} from './ops/reduce.js';
export {
  broadcastTo,
  contiguous,
  expand,
  flatten,
  narrow,
  permute,
  reshape,
  slice,
  squeeze,
  transpose,
  unsqueeze,
  view,
} from './ops/views.js';
export { Parameter } from './parameter.js';
export { defaultGenerator, Generator, manualSeed } from './random/generator.js';
export {
  type AdapterSummary,
  type BackendPreference,
  type BackendSelection,
  type GpuAdapterLike,
  type GpuLike,
  isSoftwareAdapter,
  type SelectBackendOptions,
  selectBackend,
} from './select-backend.js';
export { checkShape, contiguousStrides, normalizeAxis as normalizeDim } from './shape.js';
export { Tensor } from './tensor.js';
