/**
 * The backend contract. A backend owns memory (`Storage`) and runs kernels on strided `View`s of it.
 * It knows nothing about autograd, broadcasting rules or user-facing errors: the front end
 * (`Tensor` and the ops in `ops/`) validates arguments, computes output shapes and records the tape,
 * then calls exactly one of these methods per primitive.
 *
 * Conventions every backend follows:
 * - Every method that returns a `Storage` returns a fresh, contiguous (row-major) storage that the
 *   caller owns and must `dispose`.
 * - Inputs are `View`s: arbitrary strides (0 for broadcast axes, any sign-free permutation), an
 *   element offset, and the storage's dtype. Heavy kernels (matmul excepted) receive contiguous views;
 *   the front end calls `copy` first when needed.
 * - Reading data back is asynchronous (`read`), because a GPU can only read back asynchronously.
 *   `readSync` exists only where the memory is host memory (CPU, WASM).
 * - Scalar semantics of elementwise ops live in one table (`elementwise-semantics.ts`): each entry has
 *   the JavaScript function and the WGSL expression, so every backend computes the same thing.
 *   Backends import that table only, never the front end (`ops/`).
 */

export type DType = 'float32' | 'float64' | 'int32';
export type Shape = readonly number[];
export type FloatArray = Float32Array | Float64Array;
export type TypedArray = Float32Array | Float64Array | Int32Array;

/** Opaque memory owned by one backend. `size` counts elements, not bytes. */
export interface Storage {
  readonly backend: string;
  readonly dtype: DType;
  readonly size: number;
}

/** A strided window onto a storage: what every kernel receives. */
export interface View<S extends Storage = Storage> {
  readonly storage: S;
  readonly dtype: DType;
  readonly shape: Shape;
  readonly strides: readonly number[];
  readonly offset: number;
}

export type UnaryOp =
  | 'neg'
  | 'abs'
  | 'exp'
  | 'log'
  | 'sqrt'
  | 'sign'
  | 'reciprocal'
  | 'floor'
  | 'ceil'
  | 'round'
  /** round toward zero */
  | 'trunc'
  | 'tanh'
  | 'sigmoid'
  | 'relu'
  | 'square'
  | 'isnan'
  | 'logicalNot';

export type BinaryOp =
  | 'add'
  | 'sub'
  | 'mul'
  /** a / b; on int32 storage it truncates toward zero (the front end promotes ints for true division) */
  | 'div'
  /** floor(a / b) computed exactly (Python's //, torch.floor_divide) */
  | 'floorDivide'
  | 'pow'
  | 'maximum'
  | 'minimum'
  | 'eq'
  | 'ne'
  | 'lt'
  | 'le'
  | 'gt'
  | 'ge'
  /** x > 0 ? x : a * x  (the paper's Eq. 1; a(rg) is broadcast, e.g. [1,C,1,1]) */
  | 'prelu'
  /** y = x > 0 ? 0 : dy * x: the per-element term of dE/da (Eq. 2-3) before the sum over positions (NaN at x = NaN) */
  | 'preluSlopeGrad'
  /** x <= 0 ? 0 : dy, the relu gradient; 0 at exactly 0 and dy at NaN (PyTorch's threshold_backward) */
  | 'reluGrad';

export type TernaryOp =
  /** cond != 0 ? a : b */
  | 'where'
  /** dx = x > 0 ? dy : a * dy  (PReLU input gradient; at exactly 0 it is a * dy, as in Caffe and PyTorch) */
  | 'preluInputGrad'
  /** min(max(x, lo), hi); NaN stays NaN */
  | 'clamp';

export type ReduceOp = 'sum' | 'max' | 'min' | 'prod';
export type ArgReduceOp = 'argmax' | 'argmin';

/** Geometry of a 2-D convolution, NCHW input, OIHW weight, everything contiguous. */
export interface Conv2dGeometry {
  readonly N: number;
  readonly C: number;
  readonly H: number;
  readonly W: number;
  /** output channels */
  readonly O: number;
  readonly KH: number;
  readonly KW: number;
  readonly OH: number;
  readonly OW: number;
  readonly strideH: number;
  readonly strideW: number;
  readonly padH: number;
  readonly padW: number;
  readonly dilationH: number;
  readonly dilationW: number;
  readonly groups: number;
}

/**
 * The geometry as the 16 numbers compiled kernels take (the WASM kernels and tensor-native's addon
 * read them in this order: N, C, H, W, O, KH, KW, OH, OW, strides, paddings, dilations, groups).
 */
export function conv2dGeometryFields(g: Conv2dGeometry): number[] {
  return [
    g.N,
    g.C,
    g.H,
    g.W,
    g.O,
    g.KH,
    g.KW,
    g.OH,
    g.OW,
    g.strideH,
    g.strideW,
    g.padH,
    g.padW,
    g.dilationH,
    g.dilationW,
    g.groups,
  ];
}

/**
 * Pooling windows, one description for max, average and adaptive pooling. For output row `oh`,
 * the window covers input rows [hStart[oh], hEnd[oh]) (already clipped to [0, H)); likewise columns.
 * For average pooling the divisor of output (oh, ow) is hCount[oh] * wCount[ow], which lets
 * `countIncludePad` and adaptive pooling share one kernel. A window may be empty (start == end) only
 * when the front end has ruled it impossible; backends may assume start < end.
 */
export interface PoolWindows {
  readonly N: number;
  /** channels; the kernel treats N*C independent planes */
  readonly C: number;
  readonly H: number;
  readonly W: number;
  readonly OH: number;
  readonly OW: number;
  readonly hStart: Int32Array;
  readonly hEnd: Int32Array;
  readonly wStart: Int32Array;
  readonly wEnd: Int32Array;
  readonly hCount: Int32Array;
  readonly wCount: Int32Array;
}

/** Counter-based RNG request (Philox-4x32-10); the stream depends only on (key, counter), never on the backend. */
export interface RandomRequest {
  readonly distribution: 'uniform' | 'normal' | 'bits';
  /** number of elements */
  readonly size: number;
  readonly dtype: DType;
  /** Philox key, two uint32 words derived from the seed */
  readonly key: readonly [number, number];
  /** Philox counter of the first block, as two uint32 words (low, high); each block yields 4 uint32 */
  readonly counter: readonly [number, number];
}

/**
 * Hyper-parameters of one tensor in {@link Backend.sgdStep}: SGD with momentum in the Caffe form
 * (the learning rate multiplies the gradient before it enters the velocity).
 */
export interface SgdHyper {
  readonly lr: number;
  readonly momentum: number;
  /** L2 weight decay (0 for exempt parameters such as PReLU slopes). */
  readonly weightDecay: number;
  readonly nesterov: boolean;
}

export interface Backend<S extends Storage = Storage> {
  readonly specificationVersion: 'v1';
  readonly name: string;

  // --- storage -------------------------------------------------------------------------------
  /** A storage of `size` elements filled with `value`. */
  fill(size: number, dtype: DType, value: number): S;
  /** Upload host data (copied). */
  fromArray(data: TypedArray, dtype: DType): S;
  /** Contiguous host copy of the view's elements, in row-major order of the view's shape. */
  read(view: View<S>): Promise<TypedArray>;
  /**
   * Several views in one device-to-host read (one copy each into a single staging buffer, one map),
   * for a caller that needs them together: a training loop's statistics and the device-side argument
   * checks pending beside them. Optional; without it callers read the views one by one.
   */
  readMany?(views: readonly View<S>[]): Promise<TypedArray[]>;
  /** Synchronous read: only for backends whose memory is host memory. */
  readSync?(view: View<S>): TypedArray;
  dispose(storage: S): void;
  /** Bytes currently held by live storages of this backend. */
  memory(): { readonly storages: number; readonly bytes: number };

  // --- tier 1: elementwise (output shape = the views' common shape; inputs broadcast by strides) --
  copy(x: View<S>): S;
  /** Write src (shape == dst.shape) into the strided region `dst` of an existing storage, in place. */
  assign(dst: View<S>, src: View<S>): void;
  cast(x: View<S>, dtype: DType): S;
  unary(op: UnaryOp, x: View<S>, alpha?: number): S;
  binary(op: BinaryOp, a: View<S>, b: View<S>, outDtype: DType): S;
  ternary(op: TernaryOp, a: View<S>, b: View<S>, c: View<S>, outDtype: DType): S;

  // --- reductions ------------------------------------------------------------------------------
  /** Reduce over `axes`; the result has x's rank with those axes set to 1. */
  reduce(op: ReduceOp, x: View<S>, axes: readonly number[]): S;
  /** Index (int32) of the max/min along `axis`; first occurrence wins; NaN counts as the maximum. */
  argReduce(op: ArgReduceOp, x: View<S>, axis: number): S;
  /** Row-wise log-softmax of a contiguous [rows, cols] view. */
  logSoftmax(x: View<S>): S;

  // --- tier 2: heavy kernels -------------------------------------------------------------------
  /** Batched matmul of 3-D views a [B,M,K] and b [B,K,N] (any strides, 0 for broadcast batch). Output [B,M,N]. */
  matmul(a: View<S>, b: View<S>): S;
  conv2d(x: View<S>, w: View<S>, g: Conv2dGeometry): S;
  /**
   * Optional fused forward: conv2d plus bias [O] added in the kernel's epilogue (saves a pass over the
   * output). Backends without it get conv2d followed by an add.
   */
  conv2dBias?(x: View<S>, w: View<S>, bias: View<S>, g: Conv2dGeometry): S;
  conv2dBackwardInput(dy: View<S>, w: View<S>, g: Conv2dGeometry): S;
  conv2dBackwardWeight(x: View<S>, dy: View<S>, g: Conv2dGeometry): S;
  /** Returns the pooled values and, per output, the flat index (h * W + w) of the chosen input in its plane. */
  maxPool2d(x: View<S>, p: PoolWindows): { values: S; argmax: S };
  maxPool2dBackward(dy: View<S>, argmax: View<S>, p: PoolWindows): S;
  avgPool2d(x: View<S>, p: PoolWindows): S;
  avgPool2dBackward(dy: View<S>, p: PoolWindows): S;
  /** torch.gather: out[i][j][k] = x[i][index[i][j][k]][k] for axis 1, etc. index is int32, same rank as x. */
  gather(x: View<S>, axis: number, index: View<S>): S;
  /** The adjoint of gather: a zero storage of `shape` with src added at the gathered positions. */
  scatterAdd(shape: Shape, axis: number, index: View<S>, src: View<S>): S;
  random(request: RandomRequest): S;

  // --- optional fused multi-tensor kernels (optimizers and the training guard) ----------------
  /**
   * Fused SGD over many tensors, in place. For every i, with d = g + wd * p (d = g when wd = 0):
   * without a momentum buffer (`momenta[i] === null`) p <- p - lr * d; with one
   * v <- mu * v - lr * d, then p <- p + v (nesterov: p <- (p + mu * v) - lr * d). Every product
   * and sum is rounded to the parameter's dtype in this order, so the result equals those
   * elementwise ops (bit for bit on the CPU). Views are contiguous, with equal shapes per i.
   * `skipIf`: a float32 view of one element; when it is non-zero at the time the update runs,
   * nothing changes (a guard evaluated on the device, so no read is needed before the step).
   */
  sgdStep?(
    params: readonly View<S>[],
    grads: readonly View<S>[],
    momenta: readonly (View<S> | null)[],
    hyper: readonly SgdHyper[],
    skipIf?: View<S>,
  ): void;
  /**
   * Fused sums of squares of n tensors (contiguous views), in one float32 storage of 2n + 1
   * elements: [i] the sum of xs[i]'s squares (each square rounded to xs[i]'s dtype), [n + i] 1 when
   * xs[i] has a NaN or an infinite element and 0 otherwise, [2n] 1 when any of them has.
   */
  sumSquares?(xs: readonly View<S>[]): S;
}
