/**
 * Multi-tensor kernels for the training step: fused SGD over many parameters, and sums of squares
 * with non-finite flags over many gradients (the guard's norms). One dispatch covers as many tensors
 * as the device's storage-buffer bindings allow (each tensor is its own GPUBuffer; WGSL has no
 * arrays of buffers), so model A's 56 parameters take a few dispatches instead of ~10 per tensor.
 * Hyper-parameters are uniform words (no scalar tensors filled per step).
 *
 * Work split: every workgroup owns one chunk of one tensor; the uniform block lists each tensor's
 * first workgroup, so a workgroup finds its tensor by a short scan. Sums are deterministic: partial
 * sums per chunk, then one workgroup adds each tensor's partials in a fixed order.
 */
import { type GpuContext, grid, WGSL_FLAT_GROUP } from '../context.js';
import { Params, paramsWgsl } from '../params.js';
import type { GView, WebGPUStorage } from '../storage.js';

const WG = 256;
/** Elements per thread of one SGD workgroup, and of one sum-of-squares workgroup. */
const SGD_PER_THREAD = 4;
const SQ_PER_THREAD = 8;
const SGD_CHUNK = WG * SGD_PER_THREAD;
const SQ_CHUNK = WG * SQ_PER_THREAD;
/** Words of one tensor's entry in the SGD uniform block (3 vec4). */
const SGD_WORDS = 12;

/** Largest number of storage buffers one dispatch may bind on this device. */
export function storageBindings(ctx: GpuContext): number {
  return Math.min(64, Math.max(4, ctx.device.limits.maxStorageBuffersPerShaderStage));
}

const MAIN = `@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {`;

/** WGSL: index of the tensor whose workgroup range [start_j, start_{j+1}) holds workgroup `w`. */
function findTensor(count: number, startWord: (j: string) => string): string {
  return /* wgsl */ `
  var t = 0u;
  for (var j = 1u; j < ${count}u; j++) { if (w >= ${startWord('j')}) { t = j; } }`;
}

/** A bit-exact test for NaN and +-infinity (WGSL leaves isNan-style comparisons on NaN indeterminate). */
const NON_FINITE = /* wgsl */ `
fn nonFinite(x: f32) -> bool { return (bitcast<u32>(x) & 0x7f800000u) == 0x7f800000u; }`;

// --- SGD -------------------------------------------------------------------------------------

export interface SgdOptions {
  readonly kernel: 'sgdMulti';
  /** Per tensor: whether it has a momentum buffer. */
  readonly momentum: readonly boolean[];
  readonly guarded: boolean;
}

/** One tensor of a fused SGD call. */
export interface SgdTensor {
  readonly p: GView;
  readonly g: GView;
  readonly v: GView | null;
  readonly lr: number;
  readonly momentum: number;
  readonly weightDecay: number;
  readonly nesterov: boolean;
}

function sgdSource(o: SgdOptions): string {
  const T = o.momentum.length;
  const decl: string[] = [];
  let b = 0;
  const branches: string[] = [];
  for (let j = 0; j < T; j++) {
    decl.push(`@group(0) @binding(${b++}) var<storage, read_write> p${j}: array<f32>;`);
    decl.push(`@group(0) @binding(${b++}) var<storage, read> g${j}: array<f32>;`);
    if (o.momentum[j]) decl.push(`@group(0) @binding(${b++}) var<storage, read_write> v${j}: array<f32>;`);
    const vLoad = o.momentum[j] ? `v${j}[vo + i]` : '0.0';
    const vStore = o.momentum[j] ? `v${j}[vo + i] = r.y;` : '';
    branches.push(/* wgsl */ `
  if (t == ${j}u) {
    for (var k = 0u; k < ${SGD_PER_THREAD}u; k++) {
      let i = base + k * ${WG}u;
      if (i < n) {
        let r = update(p${j}[po + i], g${j}[go + i], ${vLoad}, e, ${o.momentum[j]});
        p${j}[po + i] = r.x;
        ${vStore}
      }
    }
  }`);
  }
  if (o.guarded) decl.push(`@group(0) @binding(${b++}) var<storage, read> skip: array<f32>;`);
  return /* wgsl */ `
${decl.join('\n')}
${paramsWgsl(b, 4 + SGD_WORDS * T)}
${WGSL_FLAT_GROUP}
// Caffe-form SGD, each product and sum rounded to f32 in the order of the elementwise ops:
// d = g + p*wd; v' = v*mu - d*lr; p' = p + v' (nesterov: (p + v'*mu) - d*lr); no momentum: p - d*lr
fn update(pv: f32, gv: f32, vv: f32, e: u32, hasV: bool) -> vec2<f32> {
  let flags = p(e + 5u);
  var d = gv;
  if ((flags & 2u) != 0u) { d = gv + pv * pf(e + 10u); }
  let step = d * pf(e + 8u);
  if (!hasV) { return vec2<f32>(pv - step, 0.0); }
  let vn = vv * pf(e + 9u) - step;
  if ((flags & 1u) != 0u) { return vec2<f32>((pv + vn * pf(e + 9u)) - step, vn); }
  return vec2<f32>(pv + vn, vn);
}
${MAIN}
  let w = flatGroup(wid, nwg);
  if (w >= p(0u)) { return; }
  ${o.guarded ? 'if (skip[p(1u)] != 0.0) { return; }' : ''}
  ${findTensor(T, (j) => `p(4u + ${SGD_WORDS}u * ${j} + 4u)`)}
  let e = 4u + ${SGD_WORDS}u * t;
  let po = p(e); let go = p(e + 1u); let vo = p(e + 2u); let n = p(e + 3u);
  let base = (w - p(e + 4u)) * ${SGD_CHUNK}u + lid;
${branches.join('')}
}`;
}

/**
 * Fused SGD over `tensors` (contiguous float32 views), in as few dispatches as the device's storage
 * bindings allow. `skip`: a float32 element that, when non-zero, turns every update into a no-op.
 */
export function runSgd(
  ctx: GpuContext,
  tensors: readonly SgdTensor[],
  skip: { buffer: GPUBuffer; offset: number } | null,
): void {
  const limit = storageBindings(ctx) - (skip ? 1 : 0);
  let i = 0;
  while (i < tensors.length) {
    const group: SgdTensor[] = [];
    let used = 0;
    while (i < tensors.length) {
      const t = tensors[i] as SgdTensor;
      const need = t.v ? 3 : 2;
      if (used + need > limit && group.length > 0) break;
      group.push(t);
      used += need;
      i++;
    }
    const opts: SgdOptions = {
      kernel: 'sgdMulti',
      momentum: group.map((t) => t.v !== null),
      guarded: !!skip,
    };
    const prm = new Params();
    const entries: Params[] = [];
    let groups = 0;
    for (const t of group) {
      const n = t.p.shape.reduce((a, d) => a * d, 1);
      const e = new Params()
        .u(t.p.offset, t.g.offset, t.v ? t.v.offset : 0, n)
        .u(groups, (t.nesterov ? 1 : 0) | (t.weightDecay !== 0 ? 2 : 0), 0, 0)
        .f(t.lr)
        .f(t.momentum)
        .f(t.weightDecay)
        .u(0);
      entries.push(e);
      groups += Math.ceil(n / SGD_CHUNK);
    }
    if (groups === 0) continue;
    prm.u(groups, skip ? skip.offset : 0, 0, 0);
    for (const e of entries) prm.padded(Array.from(e.build()), SGD_WORDS);
    const buffers: GPUBuffer[] = [];
    for (const t of group) {
      buffers.push(t.p.storage.buffer, t.g.storage.buffer);
      if (t.v) buffers.push(t.v.storage.buffer);
    }
    if (skip) buffers.push(skip.buffer);
    ctx.dispatch(
      'sgd',
      ctx.pipeline(opts, () => sgdSource(opts)),
      buffers,
      prm.build(),
      grid(groups),
    );
  }
}

// --- sums of squares --------------------------------------------------------------------------

export interface SumSquaresOptions {
  readonly kernel: 'sumSquaresChunks' | 'sumSquaresFinish';
  /** Tensors bound by one chunk dispatch. */
  readonly count: number;
}

function chunksSource(o: SumSquaresOptions): string {
  const T = o.count;
  const decl = ['@group(0) @binding(0) var<storage, read_write> part: array<f32>;'];
  const branches: string[] = [];
  for (let j = 0; j < T; j++) {
    decl.push(`@group(0) @binding(${j + 1}) var<storage, read> x${j}: array<f32>;`);
    branches.push(/* wgsl */ `
  if (t == ${j}u) {
    for (var k = 0u; k < ${SQ_PER_THREAD}u; k++) {
      let i = base + k * ${WG}u;
      if (i < n) { let v = x${j}[off + i]; acc += v * v; if (nonFinite(v)) { bad = 1.0; } }
    }
  }`);
  }
  // params: 0 workgroups, 1 first partial slot of this dispatch, 2 total partial slots;
  // then per tensor (4 words): offset, n, first workgroup, 0
  return /* wgsl */ `
${decl.join('\n')}
${paramsWgsl(T + 1, 4 + 4 * T)}
${WGSL_FLAT_GROUP}
${NON_FINITE}
var<workgroup> sums: array<f32, ${WG}>;
var<workgroup> flags: array<f32, ${WG}>;
${MAIN}
  let w = flatGroup(wid, nwg);
  if (w >= p(0u)) { return; }
  ${findTensor(T, (j) => `p(4u + 4u * ${j} + 2u)`)}
  let off = p(4u + 4u * t); let n = p(5u + 4u * t);
  let base = (w - p(6u + 4u * t)) * ${SQ_CHUNK}u + lid;
  var acc = 0.0;
  var bad = 0.0;
${branches.join('')}
  sums[lid] = acc;
  flags[lid] = bad;
  workgroupBarrier();
  for (var s = ${WG / 2}u; s > 0u; s >>= 1u) {
    if (lid < s) { sums[lid] += sums[lid + s]; flags[lid] = max(flags[lid], flags[lid + s]); }
    workgroupBarrier();
  }
  if (lid == 0u) { part[p(1u) + w] = sums[0]; part[p(2u) + p(1u) + w] = flags[0]; }
}`;
}

function finishSource(cap: number): string {
  // params: 0 tensors n, 1 total partial slots; then n + 1 words (up to cap): each tensor's first
  // partial slot and the end
  return /* wgsl */ `
@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> part: array<f32>;
${paramsWgsl(2, 4 + cap)}
var<workgroup> sums: array<f32, ${WG}>;
var<workgroup> flags: array<f32, ${WG}>;
@compute @workgroup_size(${WG})
fn main(@builtin(local_invocation_index) lid: u32) {
  let n = p(0u); let total = p(1u);
  var any = 0.0;
  for (var t = 0u; t < n; t++) {
    var acc = 0.0;
    var bad = 0.0;
    for (var c = p(4u + t) + lid; c < p(5u + t); c += ${WG}u) { acc += part[c]; bad = max(bad, part[total + c]); }
    sums[lid] = acc;
    flags[lid] = bad;
    workgroupBarrier();
    for (var s = ${WG / 2}u; s > 0u; s >>= 1u) {
      if (lid < s) { sums[lid] += sums[lid + s]; flags[lid] = max(flags[lid], flags[lid + s]); }
      workgroupBarrier();
    }
    if (lid == 0u) { out[t] = sums[0]; out[n + t] = flags[0]; }
    any = max(any, flags[0]);
    workgroupBarrier();
  }
  if (lid == 0u) { out[2u * n] = any; }
}`;
}

/** Largest tensor count of one sumSquares call (the finishing kernel's uniform block holds a word each). */
export const MAX_SUM_SQUARES_TENSORS = 16000;

/**
 * Sums of squares and non-finite flags of `xs` (contiguous float32 views) into `out` (2n + 1
 * elements, see `Backend.sumSquares`): chunk partials, as many tensors per dispatch as the bindings
 * allow, then one workgroup adds each tensor's partials in order.
 */
export function runSumSquares(ctx: GpuContext, xs: readonly GView[], out: WebGPUStorage): void {
  const n = xs.length;
  const perDispatch = storageBindings(ctx) - 1;
  const sizes = xs.map((x) => x.shape.reduce((a, d) => a * d, 1));
  const chunks = sizes.map((s) => Math.ceil(s / SQ_CHUNK));
  const firstSlot: number[] = [];
  let total = 0;
  for (const c of chunks) {
    firstSlot.push(total);
    total += c;
  }
  firstSlot.push(total);
  const part = ctx.storageBuffer(Math.max(1, 2 * total) * 4);
  for (let i = 0; i < n; i += perDispatch) {
    const group = xs.slice(i, i + perDispatch);
    const opts: SumSquaresOptions = { kernel: 'sumSquaresChunks', count: group.length };
    const prm = new Params().u(0, firstSlot[i] as number, total, 0);
    let groups = 0;
    group.forEach((x, j) => {
      prm.u(x.offset, sizes[i + j] as number, groups, 0);
      groups += chunks[i + j] as number;
    });
    if (groups === 0) continue;
    const words = prm.build();
    words[0] = groups;
    ctx.dispatch(
      'sumSquares',
      ctx.pipeline(opts, () => chunksSource(opts)),
      [part, ...group.map((x) => x.storage.buffer)],
      words,
      grid(groups),
    );
  }
  // the finishing kernel's uniform block is sized to a power of two: one pipeline for many lists
  const cap = 2 ** Math.ceil(Math.log2(n + 1));
  const fin: SumSquaresOptions = { kernel: 'sumSquaresFinish', count: cap };
  const prm = new Params().u(n, total, 0, 0).padded(firstSlot, cap);
  ctx.dispatch(
    'sumSquares finish',
    ctx.pipeline(fin, () => finishSource(cap)),
    [out.buffer, part],
    prm.build(),
    [1, 1, 1],
  );
  ctx.release(part);
}
