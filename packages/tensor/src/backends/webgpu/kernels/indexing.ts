/**
 * fill, gather and scatterAdd. scatterAdd is written as a gather over the index tensor (each output
 * element sums the sources whose index points at it), so it needs no float atomics and is
 * deterministic; its cost is output size x index extent along the axis.
 */
import { type GpuContext, grid } from '../context.js';
import { Params, paramsWgsl } from '../params.js';
import { type GView, numel, type WebGPUStorage } from '../storage.js';
import { MAX_RANK } from './elementwise.js';

const WG = 256;

export interface IndexingOptions {
  readonly kernel: 'fill' | 'gather' | 'scatterAdd';
  readonly type: 'f32' | 'i32';
}

const INDEX = /* wgsl */ `
  let i = gid.x + gid.y * nwg.x * ${WG}u;
  if (i >= p(0u)) { return; }`;
const MAIN = `@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {`;

function fillSource(): string {
  return /* wgsl */ `
@group(0) @binding(0) var<storage, read_write> out: array<u32>;
${paramsWgsl(1, 4)}
${MAIN}${INDEX}
  out[i] = p(1u);
}`;
}

/** Fills `out` with the 32-bit pattern `bits` (a float32 or int32 value). */
export function runFill(ctx: GpuContext, out: WebGPUStorage, bits: number): void {
  if (out.size === 0) return;
  const opts: IndexingOptions = { kernel: 'fill', type: 'i32' };
  const prm = new Params().u(out.size, bits, 0, 0);
  ctx.dispatch(
    'fill',
    ctx.pipeline(opts, fillSource),
    [out.buffer],
    prm.build(),
    grid(Math.ceil(out.size / WG)),
  );
}

// gather params: 0 n, 1 rank, 2 axis, 3 axisSize(x), 4 xOffset, 5 idxOffset, 8.. shape (of index/out),
// 16.. x strides, 24.. index strides
function gatherSource(t: string): string {
  return /* wgsl */ `
@group(0) @binding(0) var<storage, read_write> out: array<${t}>;
@group(0) @binding(1) var<storage, read> x: array<${t}>;
@group(0) @binding(2) var<storage, read> idx: array<i32>;
${paramsWgsl(3, 32)}
${MAIN}${INDEX}
  let rank = p(1u); let axis = p(2u);
  var rem = i; var xo = p(4u); var io = p(5u); var ca = 0u;
  for (var d = rank; d > 0u; d--) {
    let k = d - 1u; let s = p(8u + k); let c = rem % s; rem /= s;
    io += c * p(24u + k);
    if (k != axis) { xo += c * p(16u + k); }
  }
  var j = idx[io];
  if (j < 0) { j += i32(p(3u)); }
  out[i] = x[xo + u32(j) * p(16u + axis)];
}`;
}

/** out (contiguous, index.shape) = x gathered along `axis` at `index`. */
export function runGather(ctx: GpuContext, x: GView, axis: number, index: GView, out: WebGPUStorage): void {
  const n = numel(index.shape);
  if (n === 0) return;
  if (index.shape.length > MAX_RANK)
    throw new Error(`webgpu.gather: rank ${index.shape.length} exceeds ${MAX_RANK}`);
  const t = x.dtype === 'int32' ? 'i32' : 'f32';
  const opts: IndexingOptions = { kernel: 'gather', type: t };
  const prm = new Params()
    .u(n, index.shape.length, axis, x.shape[axis] as number, x.offset, index.offset, 0, 0)
    .padded(index.shape, 8, 1)
    .padded(x.strides, 8)
    .padded(index.strides, 8);
  ctx.dispatch(
    'gather',
    ctx.pipeline(opts, () => gatherSource(t)),
    [out.buffer, x.storage.buffer, index.storage.buffer],
    prm.build(),
    grid(Math.ceil(n / WG)),
  );
}

// scatterAdd params: 0 n, 1 rank, 2 axis, 3 idxOffset, 4 srcOffset, 8.. out shape, 16.. index shape,
// 24.. index strides, 32.. src strides
function scatterSource(t: string): string {
  return /* wgsl */ `
@group(0) @binding(0) var<storage, read_write> out: array<${t}>;
@group(0) @binding(1) var<storage, read> idx: array<i32>;
@group(0) @binding(2) var<storage, read> src: array<${t}>;
${paramsWgsl(3, 40)}
${MAIN}${INDEX}
  let rank = p(1u); let axis = p(2u);
  var rem = i; var io = p(3u); var so = p(4u); var tgt = 0u; var inside = true;
  for (var d = rank; d > 0u; d--) {
    let k = d - 1u; let s = p(8u + k); let c = rem % s; rem /= s;
    if (k == axis) { tgt = c; continue; }
    if (c >= p(16u + k)) { inside = false; }
    io += c * p(24u + k); so += c * p(32u + k);
  }
  var acc = ${t}(0);
  if (inside) {
    let size = i32(p(8u + axis));
    for (var j = 0u; j < p(16u + axis); j++) {
      var v = idx[io + j * p(24u + axis)];
      if (v < 0) { v += size; }
      if (u32(v) == tgt) { acc += src[so + j * p(32u + axis)]; }
    }
  }
  out[i] = acc;
}`;
}

/** out (contiguous, `shape`) = zeros with src added at the positions `index` names along `axis`. */
export function runScatterAdd(
  ctx: GpuContext,
  shape: readonly number[],
  axis: number,
  index: GView,
  src: GView,
  out: WebGPUStorage,
): void {
  const n = numel(shape);
  if (n === 0) return;
  if (shape.length > MAX_RANK) throw new Error(`webgpu.scatterAdd: rank ${shape.length} exceeds ${MAX_RANK}`);
  const t = src.dtype === 'int32' ? 'i32' : 'f32';
  const opts: IndexingOptions = { kernel: 'scatterAdd', type: t };
  const prm = new Params()
    .u(n, shape.length, axis, index.offset, src.offset, 0, 0, 0)
    .padded(shape, 8, 1)
    .padded(index.shape, 8, 1)
    .padded(index.strides, 8)
    .padded(src.strides, 8);
  ctx.dispatch(
    'scatterAdd',
    ctx.pipeline(opts, () => scatterSource(t)),
    [out.buffer, index.storage.buffer, src.storage.buffer],
    prm.build(),
    grid(Math.ceil(n / WG)),
  );
}
