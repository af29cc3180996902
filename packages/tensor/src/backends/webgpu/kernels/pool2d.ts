/**
 * Max and average pooling over PoolWindows, forward and backward. The window tables (and their
 * inverse: which outputs cover each input row/column) live in one small int32 buffer cached by
 * content. Backward kernels gather instead of scatter: each input element sums the gradients of the
 * outputs whose window covers it (and, for max pooling, chose it), so no atomics are needed and the
 * result is deterministic.
 */
import type { PoolWindows } from '../../../backend.js';
import { type GpuContext, grid } from '../context.js';
import { Params, paramsWgsl } from '../params.js';
import type { GView, WebGPUStorage } from '../storage.js';
import { WGSL_ISNAN } from './wgsl-util.js';

const WG = 256;

export type PoolKind = 'maxForward' | 'maxBackward' | 'avgForward' | 'avgBackward';

export interface PoolOptions {
  readonly kernel: 'pool2d';
  readonly kind: PoolKind;
}

/**
 * Table layout (int32): hStart, hEnd, hCount [OH each] | wStart, wEnd, wCount [OW each] |
 * ohLo, ohHi [H each] | owLo, owHi [W each]. Offsets are recomputed in WGSL from OH, OW, H.
 */
export function windowTable(p: PoolWindows): Int32Array {
  const { H, W, OH, OW } = p;
  const t = new Int32Array(3 * OH + 3 * OW + 2 * H + 2 * W);
  t.set(p.hStart, 0);
  t.set(p.hEnd, OH);
  t.set(p.hCount, 2 * OH);
  const w0 = 3 * OH;
  t.set(p.wStart, w0);
  t.set(p.wEnd, w0 + OW);
  t.set(p.wCount, w0 + 2 * OW);
  const inv = (start: Int32Array, end: Int32Array, n: number, size: number, at: number) => {
    for (let i = 0; i < size; i++) {
      let lo = -1;
      let hi = -1;
      for (let o = 0; o < n; o++) {
        if ((start[o] as number) <= i && i < (end[o] as number)) {
          if (lo < 0) lo = o;
          hi = o + 1;
        }
      }
      t[at + i] = Math.max(lo, 0);
      t[at + size + i] = lo < 0 ? 0 : hi;
    }
  };
  inv(p.hStart, p.hEnd, OH, H, w0 + 3 * OW);
  inv(p.wStart, p.wEnd, OW, W, w0 + 3 * OW + 2 * H);
  return t;
}

const HEAD = /* wgsl */ `
@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read> T: array<i32>;`;

// Params: 0 total threads, 1 H, 2 W, 3 OH, 4 OW, 5 srcOffset, 6 argOffset
const TABLE = /* wgsl */ `
fn hS(o: u32) -> u32 { return u32(T[o]); }
fn hE(o: u32) -> u32 { return u32(T[p(3u) + o]); }
fn hC(o: u32) -> f32 { return f32(T[2u * p(3u) + o]); }
fn w0() -> u32 { return 3u * p(3u); }
fn wS(o: u32) -> u32 { return u32(T[w0() + o]); }
fn wE(o: u32) -> u32 { return u32(T[w0() + p(4u) + o]); }
fn wC(o: u32) -> f32 { return f32(T[w0() + 2u * p(4u) + o]); }
fn i0() -> u32 { return w0() + 3u * p(4u); }
fn ohLo(h: u32) -> u32 { return u32(T[i0() + h]); }
fn ohHi(h: u32) -> u32 { return u32(T[i0() + p(1u) + h]); }
fn owLo(w: u32) -> u32 { return u32(T[i0() + 2u * p(1u) + w]); }
fn owHi(w: u32) -> u32 { return u32(T[i0() + 2u * p(1u) + p(2u) + w]); }`;

function source(kind: PoolKind): string {
  const index = /* wgsl */ `
  let i = gid.x + gid.y * nwg.x * ${WG}u;
  if (i >= p(0u)) { return; }`;
  const main = `@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {`;
  if (kind === 'maxForward') {
    return /* wgsl */ `${HEAD}
@group(0) @binding(3) var<storage, read_write> arg: array<i32>;
${paramsWgsl(4, 8)}
${TABLE}
${WGSL_ISNAN}
${main}${index}
  let H = p(1u); let W = p(2u); let OH = p(3u); let OW = p(4u);
  let plane = i / (OH * OW); let r = i % (OH * OW); let oh = r / OW; let ow = r % OW;
  let base = p(5u) + plane * H * W;
  var best = 0.0; var bi = -1;
  for (var h = hS(oh); h < hE(oh); h++) {
    for (var w = wS(ow); w < wE(ow); w++) {
      let v = src[base + h * W + w];
      if (bi < 0 || (!isNaN32(best) && (v > best || isNaN32(v)))) { best = v; bi = i32(h * W + w); }
    }
  }
  out[i] = best; arg[i] = bi;
}`;
  }
  if (kind === 'avgForward') {
    return /* wgsl */ `${HEAD}
${paramsWgsl(3, 8)}
${TABLE}
${main}${index}
  let H = p(1u); let W = p(2u); let OH = p(3u); let OW = p(4u);
  let plane = i / (OH * OW); let r = i % (OH * OW); let oh = r / OW; let ow = r % OW;
  let base = p(5u) + plane * H * W;
  var acc = 0.0;
  for (var h = hS(oh); h < hE(oh); h++) {
    for (var w = wS(ow); w < wE(ow); w++) { acc += src[base + h * W + w]; }
  }
  out[i] = acc / (hC(oh) * wC(ow));
}`;
  }
  const isMax = kind === 'maxBackward';
  return /* wgsl */ `${HEAD}
${isMax ? '@group(0) @binding(3) var<storage, read> arg: array<i32>;' : ''}
${paramsWgsl(isMax ? 4 : 3, 8)}
${TABLE}
${main}${index}
  let H = p(1u); let W = p(2u); let OH = p(3u); let OW = p(4u);
  let plane = i / (H * W); let r = i % (H * W); let h = r / W; let w = r % W;
  let ob = plane * OH * OW;
  var acc = 0.0;
  for (var oh = ohLo(h); oh < ohHi(h); oh++) {
    if (h < hS(oh) || h >= hE(oh)) { continue; }
    for (var ow = owLo(w); ow < owHi(w); ow++) {
      if (w < wS(ow) || w >= wE(ow)) { continue; }
      let o = ob + oh * OW + ow;
      ${
        isMax
          ? 'if (arg[p(6u) + o] == i32(r)) { acc += src[p(5u) + o]; }'
          : 'acc += src[p(5u) + o] / (hC(oh) * wC(ow));'
      }
    }
  }
  out[i] = acc;
}`;
}

/** Runs one pooling kernel; `table` is the buffer made from {@link windowTable}. */
export function runPool(
  ctx: GpuContext,
  kind: PoolKind,
  p: PoolWindows,
  table: GPUBuffer,
  src: GView,
  out: WebGPUStorage,
  arg?: { buffer: GPUBuffer; offset: number },
): void {
  const planes = p.N * p.C;
  const total = kind === 'maxForward' || kind === 'avgForward' ? planes * p.OH * p.OW : planes * p.H * p.W;
  if (total === 0) return;
  const opts: PoolOptions = { kernel: 'pool2d', kind };
  const prm = new Params().u(total, p.H, p.W, p.OH, p.OW, src.offset, arg?.offset ?? 0, 0);
  const buffers = [out.buffer, src.storage.buffer, table];
  if (arg) buffers.push(arg.buffer);
  ctx.dispatch(
    `pool2d ${kind}`,
    ctx.pipeline(opts, () => source(kind)),
    buffers,
    prm.build(),
    grid(Math.ceil(total / WG)),
  );
}
