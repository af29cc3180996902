import { backward as runBackward } from './autograd/backward.js';
import { isGradEnabled } from './autograd/grad-mode.js';
import { type GraphWatch, savedTensorDisposed } from './autograd/graph-finalizer.js';
import type { GradNode } from './autograd/node.js';
import type { Backend, DType, Shape, Storage, TypedArray, View } from './backend.js';
import { readWithChecks } from './deferred-checks.js';
import { isFloat } from './dtype.js';
import { DisposedError, DTypeError, fmt, ShapeError } from './errors.js';
import { StorageRef, trackTensor, untrackTensor } from './memory.js';
import * as act from './ops/activation.js';
import * as ew from './ops/elementwise.js';
import { matmul } from './ops/matmul.js';
import * as red from './ops/reduce.js';
import * as vw from './ops/views.js';
import { contiguousStrides, isContiguousLayout, shapesEqual, sizeOf, sizesArg } from './shape.js';

/** Internal constructor arguments; users create tensors with `tensor`, `zeros`, ... */
export interface TensorInit {
  readonly ref: StorageRef;
  readonly shape: Shape;
  readonly strides: readonly number[];
  readonly offset: number;
  readonly dtype: DType;
  /** false: never owned by a `tidy` scope (leaf grads, parameters) */
  readonly scoped?: boolean;
}

let nextId = 1;

/**
 * An n-dimensional strided view onto a backend storage, with reverse-mode autograd.
 * (This file is long only because every op is also a method here, each a one-line delegation to its
 * module in `ops/`; methods live on the class rather than being patched onto the prototype.)
 * Views (`reshape`, `permute`, `slice`, ...) share storage; the storage is freed when the last tensor
 * that references it is disposed.
 *
 * @example
 * const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
 * x.mul(x).sum().backward(); // x.grad = [[2, 4], [6, 8]]
 */
export class Tensor {
  /** Unique id, increasing in creation order. */
  readonly id: number = nextId++;
  readonly shape: Shape;
  readonly strides: readonly number[];
  /** Element offset of the first element in the storage. */
  readonly offset: number;
  readonly dtype: DType;
  /** Accumulated gradient of a leaf after `backward()`; null until then. */
  grad: Tensor | null = null;
  /** @internal */ _ref: StorageRef;
  /** @internal */ _node: GradNode | null = null;
  /** @internal */ _kept = false;
  /** @internal set on a tape's saved tensor: the op's finalizer registration (graph-finalizer.ts) */
  _watch: GraphWatch | null = null;
  /** @internal */ _scoped = false;
  #requiresGrad = false;
  #disposed = false;

  constructor(init: TensorInit) {
    this._ref = init.ref;
    this.shape = Object.freeze(init.shape.slice());
    this.strides = Object.freeze(init.strides.slice());
    this.offset = init.offset;
    this.dtype = init.dtype;
    init.ref.retain();
    trackTensor(this, init.scoped ?? true);
  }

  // --- properties -----------------------------------------------------------------------------
  get ndim(): number {
    return this.shape.length;
  }
  /** Number of elements (numel). */
  get size(): number {
    return sizeOf(this.shape);
  }
  get backend(): Backend {
    return this._ref.backend;
  }
  get isDisposed(): boolean {
    return this.#disposed;
  }
  /** True for tensors not produced by a recorded op (user-created tensors and parameters). */
  get isLeaf(): boolean {
    return this._node === null;
  }
  get requiresGrad(): boolean {
    return this.#requiresGrad;
  }
  set requiresGrad(flag: boolean) {
    if (!this.isLeaf) {
      throw new Error(
        `requiresGrad: can only be set on leaf tensors (this tensor was produced by ${this._node?.op})`,
      );
    }
    if (flag && !isFloat(this.dtype))
      throw new DTypeError(`requiresGrad: only float tensors can require grad, got ${this.dtype}`);
    this.#requiresGrad = flag;
  }
  /** Sets `requiresGrad` in place and returns this tensor. */
  requiresGrad_(flag = true): this {
    this.requiresGrad = flag;
    return this;
  }
  isContiguous(): boolean {
    return isContiguousLayout(this.shape, this.strides);
  }
  /** The strided view every backend kernel receives. Throws if disposed. */
  get storageView(): View {
    this.assertAlive('view');
    return {
      storage: this._ref.storage,
      dtype: this.dtype,
      shape: this.shape,
      strides: this.strides,
      offset: this.offset,
    };
  }
  /** The backend storage (shared by views). */
  get storage(): Storage {
    this.assertAlive('storage');
    return this._ref.storage;
  }
  toString(): string {
    return `Tensor(shape=${fmt(this.shape)}, dtype=${this.dtype})`;
  }

  /** @internal */
  assertAlive(op: string): void {
    if (this.#disposed)
      throw new DisposedError(
        `${op}: tensor ${this.id} (shape ${fmt(this.shape)}, ${this.dtype}) was disposed`,
      );
  }
  /** @internal attaches a tape node, making this a non-leaf that requires grad */
  _attachNode(node: GradNode): void {
    this._node = node;
    this.#requiresGrad = true;
  }
  /** @internal a detached reference sharing storage, owned by the tape */
  _savedRef(): Tensor {
    this.assertAlive('autograd');
    return new Tensor({
      ref: this._ref,
      shape: this.shape,
      strides: this.strides,
      offset: this.offset,
      dtype: this.dtype,
    });
  }
  /** @internal a new tensor object viewing this storage (no autograd) */
  _viewAs(shape: Shape, strides: readonly number[], offset: number, scoped = true): Tensor {
    this.assertAlive('view');
    return new Tensor({ ref: this._ref, shape, strides, offset, dtype: this.dtype, scoped });
  }

  // --- data access ----------------------------------------------------------------------------
  /** Contiguous host copy of the elements in row-major order. */
  async data(): Promise<TypedArray> {
    this.assertAlive('data');
    // argument checks that ran on the device (e.g. crossEntropy targets on WebGPU) report here
    return readWithChecks(this);
  }
  /** Synchronous host copy; only on backends with host memory (CPU, WASM). */
  dataSync(): TypedArray {
    this.assertAlive('dataSync');
    const b = this.backend;
    if (!b.readSync)
      throw new Error(`dataSync: backend ${b.name} cannot be read synchronously; use await t.data()`);
    return b.readSync(this.storageView);
  }
  /** Nested arrays of numbers (a number for 0-d tensors). */
  async array(): Promise<unknown> {
    return nest(await this.data(), this.shape);
  }
  /** The single value of a size-1 tensor. */
  async item(): Promise<number> {
    if (this.size !== 1)
      throw new ShapeError(`item: expected a tensor with one element, got shape ${fmt(this.shape)}`);
    return (await this.data())[0];
  }
  /** Copies this tensor to another backend (the result is a leaf without grad). */
  async to(backend: Backend): Promise<Tensor> {
    const host = await this.data();
    return fromStorage(backend, backend.fromArray(host, this.dtype), this.shape, this.dtype);
  }

  // --- memory ---------------------------------------------------------------------------------
  /** Frees this tensor (and its `.grad`); the storage is freed when no other view references it. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    untrackTensor(this);
    if (this._watch) {
      savedTensorDisposed(this._watch);
      this._watch = null;
    }
    this._ref.release();
    if (this.grad) {
      this.grad.dispose();
      this.grad = null;
    }
  }

  // --- autograd -------------------------------------------------------------------------------
  /**
   * Reverse-mode differentiation from this tensor; accumulates into the `.grad` of leaves that
   * require grad. Scalar outputs need no `gradient`. The tape's saved tensors are freed afterwards
   * unless `retainGraph` is true.
   */
  backward(gradient?: Tensor, opts: { retainGraph?: boolean } = {}): void {
    runBackward([this], gradient ? [gradient] : undefined, { retainGraph: opts.retainGraph ?? false });
  }
  /** A tensor sharing storage that is cut from the tape (a leaf, requiresGrad false). */
  detach(): Tensor {
    return this._viewAs(this.shape, this.strides, this.offset);
  }
  /** Disposes `.grad` and sets it to null. */
  zeroGrad(): void {
    if (this.grad) this.grad.dispose();
    this.grad = null;
  }
  /**
   * Copies `value` (same shape; broadcast not allowed) into this tensor's storage in place.
   * For optimizers and initializers: not allowed on tensors that are part of a recorded graph.
   */
  assign(value: Tensor): this {
    this.assertAlive('assign');
    value.assertAlive('assign');
    if (!shapesEqual(this.shape, value.shape)) {
      throw new ShapeError(
        `assign: value shape ${fmt(value.shape)} does not match target shape ${fmt(this.shape)}`,
      );
    }
    if (value.backend !== this.backend) {
      throw new Error(
        `assign: value is on backend ${value.backend.name} but target is on ${this.backend.name}`,
      );
    }
    if (!this.isLeaf || (this.requiresGrad && isGradEnabled())) {
      throw new Error('assign: target requires grad; call it inside noGrad() (optimizers, initializers)');
    }
    let src = value;
    if (value.dtype !== this.dtype) src = ew.cast(value, this.dtype);
    this.backend.assign(this.storageView, src.storageView);
    if (src !== value) src.dispose();
    return this;
  }

  // --- elementwise ----------------------------------------------------------------------------
  add(o: Tensor | number): Tensor {
    return ew.add(this, o);
  }
  sub(o: Tensor | number): Tensor {
    return ew.sub(this, o);
  }
  mul(o: Tensor | number): Tensor {
    return ew.mul(this, o);
  }
  div(o: Tensor | number, opts?: ew.DivOptions): Tensor {
    return ew.div(this, o, opts);
  }
  floorDivide(o: Tensor | number): Tensor {
    return ew.floorDivide(this, o);
  }
  pow(o: Tensor | number): Tensor {
    return ew.pow(this, o);
  }
  maximum(o: Tensor | number): Tensor {
    return ew.maximum(this, o);
  }
  minimum(o: Tensor | number): Tensor {
    return ew.minimum(this, o);
  }
  eq(o: Tensor | number): Tensor {
    return ew.eq(this, o);
  }
  ne(o: Tensor | number): Tensor {
    return ew.ne(this, o);
  }
  lt(o: Tensor | number): Tensor {
    return ew.lt(this, o);
  }
  le(o: Tensor | number): Tensor {
    return ew.le(this, o);
  }
  gt(o: Tensor | number): Tensor {
    return ew.gt(this, o);
  }
  ge(o: Tensor | number): Tensor {
    return ew.ge(this, o);
  }
  neg(): Tensor {
    return ew.neg(this);
  }
  abs(): Tensor {
    return ew.abs(this);
  }
  exp(): Tensor {
    return ew.exp(this);
  }
  log(): Tensor {
    return ew.log(this);
  }
  sqrt(): Tensor {
    return ew.sqrt(this);
  }
  sign(): Tensor {
    return ew.sign(this);
  }
  reciprocal(): Tensor {
    return ew.reciprocal(this);
  }
  square(): Tensor {
    return ew.square(this);
  }
  floor(): Tensor {
    return ew.floor(this);
  }
  ceil(): Tensor {
    return ew.ceil(this);
  }
  round(): Tensor {
    return ew.round(this);
  }
  trunc(): Tensor {
    return ew.trunc(this);
  }
  tanh(): Tensor {
    return ew.tanh(this);
  }
  sigmoid(): Tensor {
    return ew.sigmoid(this);
  }
  relu(): Tensor {
    return ew.relu(this);
  }
  isnan(): Tensor {
    return ew.isnan(this);
  }
  logicalNot(): Tensor {
    return ew.logicalNot(this);
  }
  clamp(min?: number | null, max?: number | null): Tensor {
    return ew.clamp(this, min, max);
  }
  leakyRelu(slope = 0.01): Tensor {
    return act.leakyRelu(this, slope);
  }
  cast(dtype: DType): Tensor {
    return ew.cast(this, dtype);
  }
  float(): Tensor {
    return ew.cast(this, 'float32');
  }
  int(): Tensor {
    return ew.cast(this, 'int32');
  }
  matmul(o: Tensor): Tensor {
    return matmul(this, o);
  }
  softmax(dim: number | { dim: number } = -1): Tensor {
    return act.softmax(this, dim);
  }
  logSoftmax(dim: number | { dim: number } = -1): Tensor {
    return act.logSoftmax(this, dim);
  }

  // --- views ----------------------------------------------------------------------------------
  /** `x.reshape([3, 2])` or torch's varargs form `x.reshape(3, 2)`. */
  reshape(shape: readonly number[] | number, ...sizes: number[]): Tensor {
    return vw.reshape(this, sizesArg('reshape', shape, sizes));
  }
  /** `x.view([-1])` or `x.view(-1)`. */
  view(shape: readonly number[] | number, ...sizes: number[]): Tensor {
    return vw.view(this, sizesArg('view', shape, sizes));
  }
  /** `x.permute([1, 0])` or `x.permute(1, 0)`. */
  permute(dims: readonly number[] | number, ...rest: number[]): Tensor {
    return vw.permute(this, sizesArg('permute', dims, rest, 'dims'));
  }
  transpose(d0: number, d1: number): Tensor {
    return vw.transpose(this, d0, d1);
  }
  /** Transpose of a 2-D tensor. */
  get T(): Tensor {
    if (this.ndim !== 2) throw new ShapeError(`T: expected a 2-D tensor, got shape ${fmt(this.shape)}`);
    return vw.transpose(this, 0, 1);
  }
  narrow(dim: number, start: number, length: number): Tensor {
    return vw.narrow(this, dim, start, length);
  }
  slice(dim: number, start: number, end?: number, step = 1): Tensor {
    return vw.slice(this, dim, start, end, step);
  }
  /** `x.expand([4, 3])` or `x.expand(4, 3)`. */
  expand(shape: readonly number[] | number, ...sizes: number[]): Tensor {
    return vw.expand(this, sizesArg('expand', shape, sizes));
  }
  broadcastTo(shape: readonly number[]): Tensor {
    return vw.broadcastTo(this, shape);
  }
  squeeze(dim?: number): Tensor {
    return vw.squeeze(this, dim);
  }
  unsqueeze(dim: number): Tensor {
    return vw.unsqueeze(this, dim);
  }
  flatten(startDim = 0, endDim = -1): Tensor {
    return vw.flatten(this, startDim, endDim);
  }
  /** This tensor if already contiguous, otherwise a contiguous copy. */
  contiguous(): Tensor {
    return vw.contiguous(this);
  }

  // --- reductions -----------------------------------------------------------------------------
  sum(dim?: red.Dims | red.ReduceOptions, keepdim = false): Tensor {
    return red.sum(this, dim, keepdim);
  }
  mean(dim?: red.Dims | red.ReduceOptions, keepdim = false): Tensor {
    return red.mean(this, dim, keepdim);
  }
  /** torch.Tensor.max: all elements; with a dim, `{ values, indices }`; with a tensor, `maximum`. */
  max(): Tensor;
  max(dim: number | { dim: number; keepdim?: boolean }, keepdim?: boolean): red.ValuesIndices;
  max(other: Tensor): Tensor;
  max(
    dim?: number | Tensor | { dim: number; keepdim?: boolean },
    keepdim = false,
  ): Tensor | red.ValuesIndices {
    return red.max(this, dim as number, keepdim);
  }
  /** torch.Tensor.min: all elements; with a dim, `{ values, indices }`; with a tensor, `minimum`. */
  min(): Tensor;
  min(dim: number | { dim: number; keepdim?: boolean }, keepdim?: boolean): red.ValuesIndices;
  min(other: Tensor): Tensor;
  min(
    dim?: number | Tensor | { dim: number; keepdim?: boolean },
    keepdim = false,
  ): Tensor | red.ValuesIndices {
    return red.min(this, dim as number, keepdim);
  }
  /** Maximum values over one or several dims (torch.amax). */
  amax(dim?: red.Dims | red.ReduceOptions, keepdim = false): Tensor {
    return red.amax(this, dim, keepdim);
  }
  /** Minimum values over one or several dims (torch.amin). */
  amin(dim?: red.Dims | red.ReduceOptions, keepdim = false): Tensor {
    return red.amin(this, dim, keepdim);
  }
  argmax(dim?: number | { dim?: number; keepdim?: boolean }, keepdim = false): Tensor {
    return red.argmax(this, dim, keepdim);
  }
  argmin(dim?: number | { dim?: number; keepdim?: boolean }, keepdim = false): Tensor {
    return red.argmin(this, dim, keepdim);
  }
  var(dim?: red.Dims | red.VarianceOptions, opts: red.VarianceOptions = {}): Tensor {
    return red.variance(this, dim, opts);
  }
  std(dim?: red.Dims | red.VarianceOptions, opts: red.VarianceOptions = {}): Tensor {
    return red.std(this, dim, opts);
  }
  logSumExp(dim?: red.Dims | red.ReduceOptions, keepdim = false): Tensor {
    return red.logSumExp(this, dim, keepdim);
  }
}

/** Wraps a fresh contiguous storage (owned by the new tensor). @internal */
export function fromStorage(
  backend: Backend,
  storage: Storage,
  shape: Shape,
  dtype: DType,
  scoped = true,
): Tensor {
  return fromStorageRef(new StorageRef(backend, storage), shape, dtype, scoped);
}

/** A contiguous tensor over a storage that other tensors may share (the reference is retained). @internal */
export function fromStorageRef(ref: StorageRef, shape: Shape, dtype: DType, scoped = true): Tensor {
  return new Tensor({ ref, shape, strides: contiguousStrides(shape), offset: 0, dtype, scoped });
}

function nest(data: TypedArray, shape: Shape): unknown {
  if (shape.length === 0) return data[0];
  const build = (dim: number, off: number): unknown[] => {
    const n = shape[dim];
    const stride = sizeOf(shape.slice(dim + 1));
    const out: unknown[] = new Array(n);
    for (let i = 0; i < n; i++)
      out[i] = dim === shape.length - 1 ? data[off + i] : build(dim + 1, off + i * stride);
    return out;
  };
  return build(0, 0);
}
