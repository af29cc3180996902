/**
 * Philox-4x32-10 random numbers with exactly the stream layout and float mapping of
 * `src/random/philox.ts` (one thread per 4-word counter block): uniform and bits are bit-identical to
 * the CPU backend; normal (Box-Muller) agrees to float32 rounding. WGSL's built-in log/sin/cos only
 * promise absolute error ~2^-11..2^-21, so the Box-Muller step uses its own accurate f32 log and a
 * sin/cos whose range reduction is exact (the angle is a multiple of 2^-24 turns).
 */
import type { RandomRequest } from '../../../backend.js';
import { type GpuContext, grid } from '../context.js';
import { Params, paramsWgsl } from '../params.js';
import { type WebGPUStorage, wgslType } from '../storage.js';

const WG = 256;

export interface RandomOptions {
  readonly kernel: 'random';
  readonly distribution: RandomRequest['distribution'];
  readonly out: 'f32' | 'i32';
}

const PHILOX = /* wgsl */ `
fn mulhi(a: u32, b: u32) -> u32 {
  let aLo = a & 0xffffu; let aHi = a >> 16u; let bLo = b & 0xffffu; let bHi = b >> 16u;
  let lolo = aLo * bLo; let mid1 = aHi * bLo; let mid2 = aLo * bHi;
  let carry = ((lolo >> 16u) + (mid1 & 0xffffu) + (mid2 & 0xffffu)) >> 16u;
  return aHi * bHi + (mid1 >> 16u) + (mid2 >> 16u) + carry;
}
fn philox(c: vec4<u32>, k: vec2<u32>) -> vec4<u32> {
  var x = c; var key = k;
  for (var r = 0u; r < 10u; r++) {
    let hi0 = mulhi(0xD2511F53u, x.x); let lo0 = 0xD2511F53u * x.x;
    let hi1 = mulhi(0xCD9E8D57u, x.z); let lo1 = 0xCD9E8D57u * x.z;
    x = vec4<u32>(hi1 ^ x.y ^ key.x, lo1, hi0 ^ x.w ^ key.y, lo0);
    key = key + vec2<u32>(0x9E3779B9u, 0xBB67AE85u);
  }
  return x;
}
const TWO_M24: f32 = 5.9604644775390625e-8;
// ln(x) for x > 0 (normal numbers): x = 2^e * f, f in [sqrt(1/2), sqrt(2)), atanh series in s = (f-1)/(f+1)
fn accLog(x: f32) -> f32 {
  let bits = bitcast<u32>(x);
  var e = i32((bits >> 23u) & 0xffu) - 127;
  var f = bitcast<f32>((bits & 0x007fffffu) | 0x3f800000u);
  if (f > 1.41421356) { f = f * 0.5; e = e + 1; }
  let s = (f - 1.0) / (f + 1.0);
  let s2 = s * s;
  let poly = 1.0 + s2 * (1.0 / 3.0 + s2 * (1.0 / 5.0 + s2 * (1.0 / 7.0 + s2 * (1.0 / 9.0 + s2 * (1.0 / 11.0)))));
  return 2.0 * s * poly + f32(e) * 0.693147180559945;
}
// (sin, cos) of 2 pi u for u in [0, 1): exact quadrant reduction, Taylor polynomials on [-pi/4, pi/4]
fn sinCosTurns(u: f32) -> vec2<f32> {
  let q4 = u * 4.0;
  var k = floor(q4);
  var f = q4 - k;
  if (f >= 0.5) { f = f - 1.0; k = k + 1.0; }
  let x = f * 1.57079632679489662;
  let x2 = x * x;
  let s = x * (1.0 + x2 * (-1.0 / 6.0 + x2 * (1.0 / 120.0 + x2 * (-1.0 / 5040.0 + x2 * (1.0 / 362880.0)))));
  let c = 1.0 + x2 * (-0.5 + x2 * (1.0 / 24.0 + x2 * (-1.0 / 720.0 + x2 * (1.0 / 40320.0 + x2 * (-1.0 / 3628800.0)))));
  let q = u32(k) % 4u;
  if (q == 0u) { return vec2<f32>(s, c); }
  if (q == 1u) { return vec2<f32>(c, -s); }
  if (q == 2u) { return vec2<f32>(-s, -c); }
  return vec2<f32>(-c, s);
}
fn boxMuller(wa: u32, wb: u32) -> vec2<f32> {
  let u1 = f32((wa >> 8u) + 1u) * TWO_M24;
  let u2 = f32(wb >> 8u) * TWO_M24;
  let r = sqrt(-2.0 * accLog(u1));
  let sc = sinCosTurns(u2);
  return vec2<f32>(r * sc.y, r * sc.x);
}`;

function source(o: RandomOptions): string {
  let values: string;
  if (o.distribution === 'uniform') values = 'let v = vec4<f32>(w >> vec4<u32>(8u)) * TWO_M24;';
  else if (o.distribution === 'bits') values = 'let v = bitcast<vec4<i32>>(w);';
  else values = 'let n01 = boxMuller(w.x, w.y); let n23 = boxMuller(w.z, w.w); let v = vec4<f32>(n01, n23);';
  return /* wgsl */ `
@group(0) @binding(0) var<storage, read_write> out: array<${o.out}>;
${paramsWgsl(1, 8)}
${PHILOX}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let b = gid.x + gid.y * nwg.x * ${WG}u;
  if (b >= p(1u)) { return; }
  let lo = p(4u) + b;
  let hi = p(5u) + select(0u, 1u, lo < b);
  let w = philox(vec4<u32>(lo, hi, 0u, 0u), vec2<u32>(p(2u), p(3u)));
  ${values}
  let base = 4u * b;
  let n = min(4u, p(0u) - base);
  for (var j = 0u; j < n; j++) { out[base + j] = ${o.out}(v[j]); }
}`;
}

/** Fills `out` with `request.size` numbers of the Philox stream (see src/random/philox.ts). */
export function runRandom(ctx: GpuContext, request: RandomRequest, out: WebGPUStorage): void {
  const size = request.size;
  if (size === 0) return;
  const blocks = Math.ceil(size / 4);
  const opts: RandomOptions = {
    kernel: 'random',
    distribution: request.distribution,
    out: wgslType(request.dtype),
  };
  const prm = new Params().u(
    size,
    blocks,
    request.key[0],
    request.key[1],
    request.counter[0],
    request.counter[1],
    0,
    0,
  );
  ctx.dispatch(
    `random ${request.distribution}`,
    ctx.pipeline(opts, () => source(opts)),
    [out.buffer],
    prm.build(),
    grid(Math.ceil(blocks / WG)),
  );
}
