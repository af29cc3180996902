/** Creation functions: from data, constant fills, ranges, identity and random draws. */
import type { Backend, DType, Shape, TypedArray } from '../backend.js';
import { getBackend } from '../backend-state.js';
import { allocArray, checkDType, dtypeOfArray } from '../dtype.js';
import { DTypeError, fmt, ShapeError } from '../errors.js';
import { defaultGenerator, Generator } from '../random/generator.js';
import { checkShape, sizeOf } from '../shape.js';
import { fromStorage, type Tensor } from '../tensor.js';
import { add, cast, floor, minimum, mul } from './elementwise.js';
import { checkOptionKeys, checkTensor } from './operands.js';

/** Options accepted by every creation function. */
export interface CreationOptions {
  dtype?: DType;
  requiresGrad?: boolean;
  backend?: Backend;
}

const CREATION_KEYS = ['dtype', 'requiresGrad', 'backend'] as const;
const RANDOM_KEYS = [...CREATION_KEYS, 'generator'] as const;

function finish(t: Tensor, opts: CreationOptions): Tensor {
  if (opts.requiresGrad) t.requiresGrad = true;
  return t;
}

function flattenNested(op: string, data: unknown, shape: number[], out: number[], depth: number): void {
  if (Array.isArray(data)) {
    if (depth === shape.length) shape.push(data.length);
    else if (shape[depth] !== data.length) {
      throw new ShapeError(
        `${op}: nested arrays are ragged (dim ${depth} has lengths ${shape[depth]} and ${data.length})`,
      );
    }
    for (const d of data) flattenNested(op, d, shape, out, depth + 1);
    return;
  }
  if (typeof data !== 'number' && typeof data !== 'boolean') {
    throw new TypeError(`${op}: expected numbers in the data, got ${typeof data}`);
  }
  if (depth !== shape.length)
    throw new ShapeError(`${op}: nested arrays are ragged (a number at depth ${depth})`);
  out.push(Number(data));
}

/**
 * A tensor from a number, nested number arrays or a typed array (copied). The dtype defaults to the
 * typed array's dtype, else float32; `shape` reshapes flat data.
 *
 * @example
 * tensor([[1, 2], [3, 4]]); tensor(new Int32Array([1, 2, 3]), { dtype: 'int32' });
 */
export function tensor(
  data: number | readonly unknown[] | TypedArray,
  opts: CreationOptions & { shape?: Shape } = {},
): Tensor {
  checkOptionKeys('tensor', opts, [...CREATION_KEYS, 'shape']);
  const backend = opts.backend ?? getBackend();
  let flat: ArrayLike<number>;
  let shape: number[];
  let dtype: DType;
  if (ArrayBuffer.isView(data)) {
    if (!(data instanceof Float32Array || data instanceof Float64Array || data instanceof Int32Array)) {
      throw new DTypeError(
        `tensor: unsupported typed array ${(data as ArrayBufferView).constructor.name} (use Float32Array, Float64Array or Int32Array)`,
      );
    }
    flat = data;
    shape = [data.length];
    dtype = opts.dtype ?? dtypeOfArray(data);
  } else if (typeof data === 'number') {
    flat = [data];
    shape = [];
    dtype = opts.dtype ?? 'float32';
  } else {
    const values: number[] = [];
    shape = [];
    flattenNested('tensor', data, shape, values, 0);
    flat = values;
    dtype = opts.dtype ?? 'float32';
  }
  checkDType('tensor', dtype);
  if (opts.shape) {
    const s = checkShape('tensor', opts.shape);
    if (sizeOf(s) !== flat.length) {
      throw new ShapeError(
        `tensor: shape ${fmt(s)} needs ${sizeOf(s)} elements but the data has ${flat.length}`,
      );
    }
    shape = s;
  }
  // A typed array of the tensor's dtype goes to the backend as is: `fromArray` copies (for WebGPU
  // straight into the upload), so a second host copy of a large batch would only cost time.
  const exact =
    (dtype === 'float32' && data instanceof Float32Array) ||
    (dtype === 'float64' && data instanceof Float64Array) ||
    (dtype === 'int32' && data instanceof Int32Array);
  if (exact)
    return finish(fromStorage(backend, backend.fromArray(data as TypedArray, dtype), shape, dtype), opts);
  const arr = allocArray(dtype, flat.length);
  if (dtype === 'int32') for (let i = 0; i < flat.length; i++) arr[i] = Math.trunc(flat[i]);
  else arr.set(flat as ArrayLike<number>);
  return finish(fromStorage(backend, backend.fromArray(arr, dtype), shape, dtype), opts);
}

/** A tensor of `shape` filled with `value`. @example full([2, 3], 7) */
export function full(shape: Shape, value: number, opts: CreationOptions = {}): Tensor {
  checkOptionKeys('full', opts, CREATION_KEYS);
  const s = checkShape('full', shape);
  const dtype = checkDType('full', opts.dtype ?? 'float32');
  if (typeof value !== 'number') throw new TypeError(`full: value must be a number, got ${typeof value}`);
  const backend = opts.backend ?? getBackend();
  return finish(fromStorage(backend, backend.fill(sizeOf(s), dtype, value), s, dtype), opts);
}

/** Zeros of `shape` (float32 by default). @example zeros([2, 3]) */
export const zeros = (shape: Shape, opts: CreationOptions = {}): Tensor => full(shape, 0, opts);
/** Ones of `shape`. @example ones([3]) */
export const ones = (shape: Shape, opts: CreationOptions = {}): Tensor => full(shape, 1, opts);

function likeOpts(op: string, t: Tensor, opts: CreationOptions): CreationOptions {
  checkTensor(op, 't', t);
  checkOptionKeys(op, opts, CREATION_KEYS);
  return {
    dtype: opts.dtype ?? t.dtype,
    backend: opts.backend ?? t.backend,
    requiresGrad: opts.requiresGrad,
  };
}
/** Zeros with t's shape, dtype and backend. @example zerosLike(x) */
export const zerosLike = (t: Tensor, opts: CreationOptions = {}): Tensor =>
  full(t.shape, 0, likeOpts('zerosLike', t, opts));
/** Ones with t's shape, dtype and backend. @example onesLike(x) */
export const onesLike = (t: Tensor, opts: CreationOptions = {}): Tensor =>
  full(t.shape, 1, likeOpts('onesLike', t, opts));
/** `value` with t's shape, dtype and backend. @example fullLike(x, 2) */
export const fullLike = (t: Tensor, v: number, opts: CreationOptions = {}): Tensor =>
  full(t.shape, v, likeOpts('fullLike', t, opts));

/**
 * Values start, start+step, ... below end (float32 unless dtype is given). `arange(end)` starts at 0.
 *
 * @example
 * arange(5); arange(1, 2, 0.25);
 */
export function arange(startOrEnd: number, end?: number, step = 1, opts: CreationOptions = {}): Tensor {
  checkOptionKeys('arange', opts, CREATION_KEYS);
  const start = end === undefined ? 0 : startOrEnd;
  const stop = end === undefined ? startOrEnd : end;
  if (!Number.isFinite(start) || !Number.isFinite(stop) || !Number.isFinite(step) || step === 0) {
    throw new RangeError(
      `arange: start ${start}, end ${stop} and step ${step} must be finite and step nonzero`,
    );
  }
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const dtype = checkDType('arange', opts.dtype ?? 'float32');
  const arr = allocArray(dtype, n);
  for (let i = 0; i < n; i++) arr[i] = start + i * step;
  const backend = opts.backend ?? getBackend();
  return finish(fromStorage(backend, backend.fromArray(arr, dtype), [n], dtype), opts);
}

/** n x m identity matrix. @example eye(3) */
export function eye(n: number, m = n, opts: CreationOptions = {}): Tensor {
  checkOptionKeys('eye', opts, CREATION_KEYS);
  checkShape('eye', [n, m], 'size');
  const dtype = checkDType('eye', opts.dtype ?? 'float32');
  const arr = allocArray(dtype, n * m);
  for (let i = 0; i < Math.min(n, m); i++) arr[i * m + i] = 1;
  const backend = opts.backend ?? getBackend();
  return finish(fromStorage(backend, backend.fromArray(arr, dtype), [n, m], dtype), opts);
}

/** Options of the random creation functions. */
export interface RandomOptions extends CreationOptions {
  generator?: Generator;
}

/** A `generator` option must be a Generator (or absent): anything else would fail deep in the draw. */
export function checkGenerator(op: string, g: unknown): void {
  if (g !== undefined && !(g instanceof Generator)) {
    throw new TypeError(`${op}: generator must be a Generator, got ${g === null ? 'null' : typeof g}`);
  }
}

function draw(op: string, distribution: 'uniform' | 'normal', shape: Shape, opts: RandomOptions): Tensor {
  checkOptionKeys(op, opts, RANDOM_KEYS);
  const s = checkShape(op, shape);
  const dtype = checkDType(op, opts.dtype ?? 'float32');
  if (dtype === 'int32') throw new DTypeError(`${op}: dtype must be float32 or float64, got int32`);
  const backend = opts.backend ?? getBackend();
  checkGenerator(op, opts.generator);
  const req = (opts.generator ?? defaultGenerator()).request(distribution, sizeOf(s), dtype);
  return finish(fromStorage(backend, backend.random(req), s, dtype), opts);
}

/** Uniform U[0, 1) from the Philox stream (24-bit resolution). @example rand([2, 2], { generator: g }) */
export const rand = (shape: Shape, opts: RandomOptions = {}): Tensor => draw('rand', 'uniform', shape, opts);
/** Standard normal N(0, 1) (plain, not truncated), Box-Muller on the Philox stream. @example randn([3]) */
export const randn = (shape: Shape, opts: RandomOptions = {}): Tensor => draw('randn', 'normal', shape, opts);

/**
 * Uniform integers in [low, high) as int32: low + min(floor(u * (high - low)), high - low - 1) with u
 * from `rand` in float32 (exact for ranges up to 2^24).
 *
 * @example
 * randint(0, 10, [4]);
 */
export function randint(low: number, high: number, shape: Shape, opts: RandomOptions = {}): Tensor {
  checkOptionKeys('randint', opts, RANDOM_KEYS);
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low || high - low > 2 ** 24) {
    throw new RangeError(
      `randint: need integers low < high with high - low <= 2^24, got low ${low}, high ${high}`,
    );
  }
  const u = draw('randint', 'uniform', shape, {
    generator: opts.generator,
    backend: opts.backend,
    dtype: 'float32',
  });
  const scaled = mul(u, high - low);
  const f = floor(scaled);
  const c = minimum(f, high - low - 1);
  const i = cast(c, 'int32');
  const out = add(i, low);
  for (const t of [u, scaled, f, c, i]) t.dispose();
  return out;
}
