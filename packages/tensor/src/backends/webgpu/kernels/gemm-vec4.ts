/**
 * The register-blocked GEMM generator for tiles whose per-thread block sides are multiples of 4
 * (64x64 with 4x4 per thread, 128x128 with 8x8): each thread owns TM contiguous rows and TN/4 runs of
 * 4 columns of C, reads its slices of the staged A and B from shared memory as vec4 (a quarter of the
 * shared-memory instructions per FMA) and accumulates in vec4 registers. Shared rows are padded by 4
 * floats so that staging stores of consecutive k do not all hit one bank.
 *
 * Options ({@link GemmCoreOptions}): 16-byte global loads of A and/or B and 16-byte stores of C where
 * the front end says the operand allows them, and software pipelining: with 'prefetch' the global
 * loads of slice k+1 are issued into registers before slice k is multiplied, so their latency overlaps
 * the FMAs; 'double' also alternates between two shared-memory buffers, leaving one barrier per slice.
 */
import {
  aIndex,
  bIndex,
  colOf,
  type GemmCoreOptions,
  gemmEntry,
  rowOf,
  type Staging,
  walkInit,
} from './gemm-layout.js';
import type { Tile } from './gemm-plan.js';

/** Bytes of workgroup memory the kernel for (t, pipeline) declares; the planner checks the device limit. */
export function vec4SharedBytes(t: Tile, pipeline: GemmCoreOptions['pipeline']): number {
  const buffers = pipeline === 'double' ? 2 : 1;
  return buffers * t.BK * (t.BM + 4 + t.BN + 4) * 4;
}

export function gemmSourceVec4(t: Tile, prelude: string, layout: Staging, core: GemmCoreOptions): string {
  const RX = t.BN / t.TN;
  const RY = t.BM / t.TM;
  if (RX * RY !== 256) throw new Error(`gemm tile ${JSON.stringify(t)} needs 256 threads, has ${RX * RY}`);
  if (core.vecA && layout.a !== 'k') throw new Error('gemm: vectorised A loads need A staged along k');
  if (core.vecB && layout.b !== 'n') throw new Error('gemm: vectorised B loads need B staged along n');
  const aLoads = (t.BM * t.BK) / 256;
  const bLoads = (t.BK * t.BN) / 256;
  // with vector loads each thread stages a quarter as many (4-wide) elements
  const PA = core.vecA ? aLoads / 4 : aLoads;
  const PB = core.vecB ? bLoads / 4 : bLoads;
  if (!Number.isInteger(PA) || !Number.isInteger(PB))
    throw new Error(`gemm tile ${JSON.stringify(t)}: odd vec4 split`);
  const SA = t.BM + 4;
  const SB = t.BN + 4;
  const QM = t.TM / 4;
  const QN = t.TN / 4;
  // A thread's TN columns are QN runs of 4, CS = 4 * RX apart (tx*4 + q*CS), not one contiguous run:
  // the RX threads of a row then read one contiguous span of B per run (no shared-memory bank
  // conflicts in 16-byte reads) and store contiguous 16-byte chunks of C (coalesced)
  const CS = 4 * RX;
  const A4 = t.BK / 4; // 4-wide groups per A row slice
  const B4 = t.BN / 4; // 4-wide groups per B row slice
  const bufA = (t.BK * SA) / 4; // vec4s per shared buffer
  const bufB = (t.BK * SB) / 4;
  const buffers = core.pipeline === 'double' ? 2 : 1;

  const rowA = core.vecA ? `(li + l * 256u) / ${A4}u` : rowOf(t, layout);
  const colB = core.vecB ? `((li + l * 256u) % ${B4}u) * 4u` : colOf(t, layout);
  const idxA = core.vecA ? `let mm = e / ${A4}u; let kk = (e % ${A4}u) * 4u;` : aIndex(t, layout);
  const idxB = core.vecB ? `let kk = e / ${B4}u; let nn = (e % ${B4}u) * 4u;` : bIndex(t, layout);
  const regA = core.vecA ? 'vec4<f32>' : 'f32';
  const regB = core.vecB ? 'vec4<f32>' : 'f32';

  // global -> registers for the slice starting at k
  const fetch = (k: string) => /* wgsl */ `
    for (var l = 0u; l < ${PA}u; l++) {
      let e = li + l * 256u;
      ${idxA}
      let gm = m0 + mm; let gk = ${k} + kk;
      var v = ${regA}(0.0);
      if (gm < M && gk < K) { v = ${core.vecA ? 'loadA4' : 'loadA'}(z, gk, preA[l]${layout.walkA ? ', ksA[l]' : ''}); }
      ra[l] = v;${layout.walkA ? '\n      ksA[l] = walkNextA(ksA[l]);' : ''}
    }
    for (var l = 0u; l < ${PB}u; l++) {
      let e = li + l * 256u;
      ${idxB}
      let gn = n0 + nn; let gk = ${k} + kk;
      var v = ${regB}(0.0);
      if (gn < N && gk < K) { v = ${core.vecB ? 'loadB4' : 'loadB'}(z, gk, preB[l]${layout.walkB ? ', ksB[l]' : ''}); }
      rb[l] = v;${layout.walkB ? '\n      ksB[l] = walkNextB(ksB[l]);' : ''}
    }`;
  // registers -> shared buffer `buf` (A transposed to k-major so the compute loop reads rows of m)
  const stashA = core.vecA
    ? `for (var c = 0u; c < 4u; c++) { let at = (kk + c) * ${SA}u + mm; As[baseA + at / 4u][at % 4u] = ra[l][c]; }`
    : `let at = kk * ${SA}u + mm; As[baseA + at / 4u][at % 4u] = ra[l];`;
  const stashB = core.vecB
    ? `Bs[baseB + (kk * ${SB}u + nn) / 4u] = rb[l];`
    : `let at = kk * ${SB}u + nn; Bs[baseB + at / 4u][at % 4u] = rb[l];`;
  const stash = (buf: string) => /* wgsl */ `
    {
      let baseA = ${buf} * ${bufA}u; let baseB = ${buf} * ${bufB}u;
      for (var l = 0u; l < ${PA}u; l++) { let e = li + l * 256u; ${idxA} ${stashA} }
      for (var l = 0u; l < ${PB}u; l++) { let e = li + l * 256u; ${idxB} ${stashB} }
    }`;
  const compute = (buf: string) => /* wgsl */ `
    {
      let baseA = ${buf} * ${bufA}u; let baseB = ${buf} * ${bufB}u;
      for (var kk = 0u; kk < ${t.BK}u; kk++) {
        for (var q = 0u; q < ${QM}u; q++) { av[q] = As[baseA + (kk * ${SA}u + ty * ${t.TM}u) / 4u + q]; }
        for (var q = 0u; q < ${QN}u; q++) { bv[q] = Bs[baseB + (kk * ${SB}u + q * ${CS}u + tx * 4u) / 4u]; }
        for (var i = 0u; i < ${t.TM}u; i++) {
          let ai = vec4<f32>(av[i / 4u][i % 4u]);
          for (var q = 0u; q < ${QN}u; q++) { acc[i * ${QN}u + q] = fma(ai, bv[q], acc[i * ${QN}u + q]); }
        }
      }
    }`;

  let loop: string;
  if (core.pipeline === 'none') {
    loop = /* wgsl */ `
  for (var k0 = kBegin; k0 < K; k0 += ${t.BK}u) {
    ${fetch('k0')}
    ${stash('0u')}
    workgroupBarrier();
    ${compute('0u')}
    workgroupBarrier();
  }`;
  } else if (core.pipeline === 'prefetch') {
    // one shared buffer: overwrite it only after everyone has finished reading it
    loop = /* wgsl */ `
  ${fetch('kBegin')}
  ${stash('0u')}
  workgroupBarrier();
  for (var k0 = kBegin; k0 < K; k0 += ${t.BK}u) {
    let more = k0 + ${t.BK}u < K;
    if (more) { ${fetch(`(k0 + ${t.BK}u)`)} }
    ${compute('0u')}
    workgroupBarrier();
    if (more) { ${stash('0u')} }
    workgroupBarrier();
  }`;
  } else {
    // two shared buffers: slice s+1 is written into the buffer nobody reads during slice s; the
    // barrier at the end of slice s-1 guarantees that buffer's previous readers are done
    loop = /* wgsl */ `
  ${fetch('kBegin')}
  ${stash('0u')}
  workgroupBarrier();
  var buf = 0u;
  for (var k0 = kBegin; k0 < K; k0 += ${t.BK}u) {
    let more = k0 + ${t.BK}u < K;
    if (more) { ${fetch(`(k0 + ${t.BK}u)`)} }
    ${compute('buf')}
    if (more) { ${stash('(1u - buf)')} }
    buf = 1u - buf;
    workgroupBarrier();
  }`;
  }

  const store = core.vecC
    ? /* wgsl */ `
    for (var q = 0u; q < ${QN}u; q++) {
      let gn = n0 + q * ${CS}u + tx * 4u;
      if (gn < N) { storeC4(z, gm, gn, acc[i * ${QN}u + q]); }
    }`
    : /* wgsl */ `
    for (var q = 0u; q < ${QN}u; q++) {
      let v = acc[i * ${QN}u + q];
      for (var c = 0u; c < 4u; c++) {
        let gn = n0 + q * ${CS}u + tx * 4u + c;
        if (gn < N) { storeC(z, gm, gn, v[c]); }
      }
    }`;

  return /* wgsl */ `
var<private> gPart: u32;
${prelude}
var<workgroup> As: array<vec4<f32>, ${buffers * bufA}>;
var<workgroup> Bs: array<vec4<f32>, ${buffers * bufB}>;
${gemmEntry(t, RX, RY)}
  ${walkInit(layout, PA, PB, idxA, idxB)}
  var acc: array<vec4<f32>, ${t.TM * QN}>;
  for (var i = 0u; i < ${t.TM * QN}u; i++) { acc[i] = vec4<f32>(0.0); }
  var av: array<vec4<f32>, ${QM}>;
  var bv: array<vec4<f32>, ${QN}>;
  // per-thread staging rows/columns are fixed: precompute their addressing once (prepA/prepB)
  var preA: array<vec4<u32>, ${PA}>;
  var preB: array<vec4<u32>, ${PB}>;
  for (var l = 0u; l < ${PA}u; l++) {
    let gm = m0 + ${rowA};
    if (gm < M) { preA[l] = prepA(z, gm); }
  }
  for (var l = 0u; l < ${PB}u; l++) {
    let gn = n0 + ${colB};
    if (gn < N) { preB[l] = prepB(z, gn); }
  }
  var ra: array<${regA}, ${PA}>;
  var rb: array<${regB}, ${PB}>;
${loop}
  for (var i = 0u; i < ${t.TM}u; i++) {
    let gm = m0 + ty * ${t.TM}u + i;
    if (gm >= M) { continue; }
${store}
  }
}`;
}
