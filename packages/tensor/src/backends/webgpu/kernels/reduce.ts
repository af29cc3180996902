/**
 * Reductions (sum, prod, max, min) over any set of axes of a strided view, argmax/argmin along one
 * axis, and row-wise log-softmax. One workgroup (256 threads) per output element walks its slice
 * with a stride of 256 and combines partial results in a shared-memory tree (sums: with subgroupAdd
 * where the device offers subgroups), which keeps float32 sums accurate (pairwise-like) and
 * deterministic.
 */
import type { ArgReduceOp, ReduceOp } from '../../../backend.js';
import { type GpuContext, grid, WGSL_FLAT_GROUP } from '../context.js';
import { Params, paramsWgsl } from '../params.js';
import { coalesce, type GView, numel, WebGPUStorage } from '../storage.js';
import { MAX_RANK } from './elementwise.js';
import { WGSL_INF, WGSL_ISNAN } from './wgsl-util.js';

const WG = 256;

export interface ReduceOptions {
  readonly kernel: 'reduce';
  readonly op: ReduceOp | ArgReduceOp;
  readonly type: 'f32' | 'i32';
  /** one thread (not one workgroup) per output: for short reduced extents */
  readonly perThread: boolean;
  /** combine a workgroup's partial sums with subgroupAdd (one barrier) instead of a shared-memory tree */
  readonly subgroups: boolean;
}

/** Reduced extents up to this length use one thread per output. */
const PER_THREAD_MAX = 32;

function identity(op: ReduceOp | ArgReduceOp, t: 'f32' | 'i32'): string {
  const big = t === 'f32' ? 'posInf()' : 'i32(2147483647)';
  const small = t === 'f32' ? 'negInf()' : 'i32(-2147483647 - 1)';
  switch (op) {
    case 'sum':
      return `${t}(0)`;
    case 'prod':
      return `${t}(1)`;
    case 'max':
    case 'argmax':
      return small;
    case 'min':
    case 'argmin':
      return big;
  }
}

function combine(op: ReduceOp, t: 'f32' | 'i32'): string {
  const nan = t === 'f32';
  switch (op) {
    case 'sum':
      return 'return x + y;';
    case 'prod':
      return 'return x * y;';
    case 'max':
      return `${nan ? 'if (isNaN32(x)) { return x; } if (isNaN32(y)) { return y; }' : ''} return max(x, y);`;
    case 'min':
      return `${nan ? 'if (isNaN32(x)) { return x; } if (isNaN32(y)) { return y; }' : ''} return min(x, y);`;
  }
}

/**
 * Whether candidate (v, i) beats the current (bv, bi): first occurrence wins; a NaN counts as the
 * extremum for both argmax and argmin (like PyTorch and the CPU backend).
 */
function better(op: ArgReduceOp, t: 'f32' | 'i32'): string {
  const nan = t === 'f32';
  const n = nan ? 'let vn = isNaN32(v); let bn = isNaN32(bv);' : 'let vn = false; let bn = false;';
  const cmp = op === 'argmax' ? 'v > bv' : 'v < bv';
  return `${n} if (vn || bn) { return vn && (!bn || i < bi); } if (v == bv) { return i < bi; } return ${cmp};`;
}

// Params: 0 nOut, 1 R, 2 keptRank, 3 redRank, 4 offset, 5 slices per output, 6 slice length,
// 8.. keptShape, 16.. keptStrides, 24.. redShape, 32.. redStrides
const WORDS = 40;

function source(o: ReduceOptions): string {
  const t = o.type;
  const arg = o.op === 'argmax' || o.op === 'argmin';
  const common = /* wgsl */ `
@group(0) @binding(0) var<storage, read_write> out: array<${arg ? 'i32' : t}>;
@group(0) @binding(1) var<storage, read> x: array<${t}>;
${paramsWgsl(2, WORDS)}
${WGSL_ISNAN}
${WGSL_INF}
${WGSL_FLAT_GROUP}
fn baseOffset(g: u32) -> u32 {
  var rem = g; var off = p(4u);
  for (var d = p(2u); d > 0u; d--) { let s = p(8u + d - 1u); off += (rem % s) * p(16u + d - 1u); rem /= s; }
  return off;
}
fn redOffset(r: u32) -> u32 {
  var rem = r; var off = 0u;
  for (var d = p(3u); d > 0u; d--) { let s = p(24u + d - 1u); off += (rem % s) * p(32u + d - 1u); rem /= s; }
  return off;
}`;
  if (o.perThread) {
    // sequential over a short extent; the first occurrence wins ties for argmax/argmin
    const body = arg
      ? `var bv = x[base]; var bi = 0u;
  for (var r = 1u; r < p(1u); r++) { let v = x[base + redOffset(r)]; if (better(v, r, bv, bi)) { bv = v; bi = r; } }
  out[g] = i32(bi);`
      : `var acc = ${identity(o.op, t)};
  for (var r = 0u; r < p(1u); r++) { acc = comb(acc, x[base + redOffset(r)]); }
  out[g] = acc;`;
    return /* wgsl */ `${common}
${arg ? `fn better(v: ${t}, i: u32, bv: ${t}, bi: u32) -> bool { ${better(o.op as ArgReduceOp, t)} }` : `fn comb(x: ${t}, y: ${t}) -> ${t} { ${combine(o.op as ReduceOp, t)} }`}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let g = gid.x + gid.y * nwg.x * ${WG}u;
  if (g >= p(0u)) { return; }
  let base = baseOffset(g);
  ${body}
}`;
  }
  if (!arg && o.subgroups) {
    // Each subgroup adds its lanes' partials in registers; subgroup leaders park the results by
    // subgroup_id (dense, unlike lane layouts, which WGSL leaves unspecified), and after one barrier
    // every subgroup re-reduces the parked values the same way; subgroup 0's result is stored. The
    // order of additions is fixed for a given device, so results stay deterministic.
    return /* wgsl */ `enable subgroups;
${common}
var<workgroup> sh: array<${t}, ${WG}>;
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32, @builtin(subgroup_id) sg: u32,
        @builtin(num_subgroups) ns: u32, @builtin(subgroup_invocation_id) sid: u32,
        @builtin(subgroup_size) ssz: u32) {
  let flat = flatGroup(wid, nwg);
  let g = flat / p(5u);
  let valid = g < p(0u);
  let rBegin = (flat % p(5u)) * p(6u);
  let rEnd = min(p(1u), rBegin + p(6u));
  var acc = ${t}(0);
  if (valid) {
    let base = baseOffset(g);
    for (var r = rBegin + lid; r < rEnd; r += ${WG}u) { acc += x[base + redOffset(r)]; }
  }
  let part = subgroupAdd(acc);
  if (sid == 0u) { sh[sg] = part; }
  workgroupBarrier();
  var acc2 = ${t}(0);
  for (var i = sid; i < ns; i += ssz) { acc2 += sh[i]; }
  let total = subgroupAdd(acc2);
  if (valid && sg == 0u && sid == 0u) { out[flat] = total; }
}`;
  }
  if (!arg) {
    return /* wgsl */ `${common}
fn comb(x: ${t}, y: ${t}) -> ${t} { ${combine(o.op as ReduceOp, t)} }
var<workgroup> sh: array<${t}, ${WG}>;
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  // workgroup = (output g, slice s); slices of one output are combined by a second pass
  let flat = flatGroup(wid, nwg);
  let g = flat / p(5u);
  let valid = g < p(0u);
  let rBegin = (flat % p(5u)) * p(6u);
  let rEnd = min(p(1u), rBegin + p(6u));
  var acc = ${identity(o.op, t)};
  if (valid) {
    let base = baseOffset(g);
    for (var r = rBegin + lid; r < rEnd; r += ${WG}u) { acc = comb(acc, x[base + redOffset(r)]); }
  }
  sh[lid] = acc;
  workgroupBarrier();
  for (var s = ${WG / 2}u; s > 0u; s >>= 1u) {
    if (lid < s) { sh[lid] = comb(sh[lid], sh[lid + s]); }
    workgroupBarrier();
  }
  if (valid && lid == 0u) { out[flat] = sh[0]; }
}`;
  }
  return /* wgsl */ `${common}
fn better(v: ${t}, i: u32, bv: ${t}, bi: u32) -> bool { ${better(o.op as ArgReduceOp, t)} }
var<workgroup> shv: array<${t}, ${WG}>;
var<workgroup> shi: array<u32, ${WG}>;
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let g = flatGroup(wid, nwg);
  let valid = g < p(0u);
  var bv = ${identity(o.op, t)};
  var bi = 0xffffffffu;
  if (valid) {
    let base = baseOffset(g);
    for (var r = lid; r < p(1u); r += ${WG}u) {
      let v = x[base + redOffset(r)];
      if (bi == 0xffffffffu || better(v, r, bv, bi)) { bv = v; bi = r; }
    }
  }
  shv[lid] = bv; shi[lid] = bi;
  workgroupBarrier();
  for (var s = ${WG / 2}u; s > 0u; s >>= 1u) {
    if (lid < s) {
      let ov = shv[lid + s]; let oi = shi[lid + s];
      if (oi != 0xffffffffu && (shi[lid] == 0xffffffffu || better(ov, oi, shv[lid], shi[lid]))) { shv[lid] = ov; shi[lid] = oi; }
    }
    workgroupBarrier();
  }
  if (valid && lid == 0u) { out[g] = i32(shi[0]); }
}`;
}

/** Reduces `x` over `axes` (or returns argmax/argmin along the single axis) into `out` (contiguous). */
export function runReduce(
  ctx: GpuContext,
  op: ReduceOp | ArgReduceOp,
  x: GView,
  axes: readonly number[],
  out: WebGPUStorage,
  software = true,
  forceSplit?: number,
): void {
  const kept: number[] = [];
  const red: number[] = [];
  for (let d = 0; d < x.shape.length; d++) (axes.includes(d) ? red : kept).push(d);
  const k = coalesce(
    kept.map((d) => x.shape[d] as number),
    [kept.map((d) => x.strides[d] as number)],
  );
  const r = coalesce(
    red.map((d) => x.shape[d] as number),
    [red.map((d) => x.strides[d] as number)],
  );
  if (k.shape.length > MAX_RANK || r.shape.length > MAX_RANK) {
    throw new Error(`webgpu.reduce: too many axes (shape [${x.shape.join(',')}])`);
  }
  const nOut = numel(k.shape);
  const R = numel(red.map((d) => x.shape[d] as number));
  if (nOut === 0) return;

  // Few outputs over a long extent (bias and PReLU-slope gradients: C outputs, N*H*W each) would leave
  // a real GPU mostly idle: split each output's extent over several workgroups, then reduce the slices.
  const arg = op === 'argmax' || op === 'argmin';
  let S = 1;
  if (!arg && forceSplit !== undefined) S = forceSplit;
  else if (!arg && !software && nOut < 264 && R >= 16384)
    S = Math.min(64, Math.ceil(264 / nOut), Math.ceil(R / 4096));
  const chunk = Math.max(1, Math.ceil(R / Math.max(1, S)));
  S = Math.max(1, Math.ceil(R / chunk));
  const perThread = S === 1 && R <= PER_THREAD_MAX && R > 0;
  const subgroups = ctx.subgroups && op === 'sum' && !perThread;
  const type = x.dtype === 'int32' ? 'i32' : 'f32';
  const opts: ReduceOptions = { kernel: 'reduce', op, type, perThread, subgroups };
  let target = out;
  if (S > 1) target = new WebGPUStorage(x.dtype, nOut * S, ctx.storageBuffer(nOut * S * 4));
  const prm = new Params()
    .u(nOut, R, k.shape.length, r.shape.length, x.offset, S, chunk, 0)
    .padded(k.shape, 8, 1)
    .padded(k.strides[0] as number[], 8)
    .padded(r.shape, 8, 1)
    .padded(r.strides[0] as number[], 8);
  ctx.dispatch(
    `reduce ${op}`,
    ctx.pipeline(opts, () => source(opts)),
    [target.buffer, x.storage.buffer],
    prm.build(),
    grid(perThread ? Math.ceil(nOut / WG) : nOut * S),
  );
  if (S > 1) {
    const parts: GView = { storage: target, dtype: x.dtype, shape: [nOut, S], strides: [S, 1], offset: 0 };
    runReduce(ctx, op, parts, [1], out, software, 1);
    ctx.release(target.buffer);
  }
}

export interface LogSoftmaxOptions {
  readonly kernel: 'logSoftmax';
}

function logSoftmaxSource(): string {
  return /* wgsl */ `
@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
${paramsWgsl(2, 4)}
${WGSL_FLAT_GROUP}
${WGSL_INF}
${WGSL_ISNAN}
var<workgroup> sh: array<f32, ${WG}>;
fn fmax(a: f32, b: f32) -> f32 { if (isNaN32(a)) { return a; } if (isNaN32(b)) { return b; } return max(a, b); }
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = flatGroup(wid, nwg);
  let rows = p(0u); let cols = p(1u);
  let valid = row < rows;
  let base = p(2u) + row * cols;
  var m = negInf();
  if (valid) { for (var j = lid; j < cols; j += ${WG}u) { m = fmax(m, x[base + j]); } }
  sh[lid] = m;
  workgroupBarrier();
  for (var s = ${WG / 2}u; s > 0u; s >>= 1u) { if (lid < s) { sh[lid] = fmax(sh[lid], sh[lid + s]); } workgroupBarrier(); }
  let rowMax = sh[0];
  workgroupBarrier();
  // An all -inf row would give -inf - -inf = NaN; shifting by 0 then yields log(0) = -inf, like PyTorch.
  let shift = select(rowMax, 0.0, rowMax == negInf());
  var acc = 0.0;
  if (valid) { for (var j = lid; j < cols; j += ${WG}u) { acc += exp(x[base + j] - shift); } }
  sh[lid] = acc;
  workgroupBarrier();
  for (var s = ${WG / 2}u; s > 0u; s >>= 1u) { if (lid < s) { sh[lid] = sh[lid] + sh[lid + s]; } workgroupBarrier(); }
  let lse = shift + log(sh[0]);
  if (valid) { for (var j = lid; j < cols; j += ${WG}u) { out[row * cols + j] = x[base + j] - lse; } }
}`;
}

/** Row-wise log-softmax of a contiguous [rows, cols] float32 view. */
export function runLogSoftmax(
  ctx: GpuContext,
  x: GView,
  rows: number,
  cols: number,
  out: WebGPUStorage,
): void {
  if (rows === 0 || cols === 0) return;
  const opts: LogSoftmaxOptions = { kernel: 'logSoftmax' };
  const prm = new Params().u(rows, cols, x.offset, 0);
  ctx.dispatch(
    'logSoftmax',
    ctx.pipeline(opts, logSoftmaxSource),
    [out.buffer, x.storage.buffer],
    prm.build(),
    grid(rows),
  );
}
