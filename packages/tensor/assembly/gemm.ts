// Packed, register-blocked single-precision GEMM: C[m,n] = A[m,k] * B[k,n] (+ C when beta = 1).
// Goto/BLIS loop order: B is packed per (KC x NC) block into 8-column strips, A per (MC x KC) block
// into 4-row panels; the 4x8 micro-kernel keeps 8 f32x4 accumulators in registers (a 6x8 tile spills
// on V8's 16 xmm registers, measured 2x slower). Everything is addressed in bytes (usize pointers into
// the shared linear memory); strides are in elements.

// The same sources build two flavours: with relaxed SIMD the multiply-add is one fused instruction
// (relaxed_madd may round once or twice, which every float32 tolerance allows); without it mul + add.
function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

export const MR: i32 = 4;
export const NR: i32 = 8;
/** Most k steps per packed slab: a 384 x 8 B strip (12 KiB) still sits in L1. */
export const KC: i32 = 384;
export const MC: i32 = 128;
export const NC: i32 = 512;

/** Bytes of per-thread scratch one gemmRange call needs: packed A block, packed B block, edge tile. */
export const GEMM_SCRATCH_BYTES: i32 = (MC * KC + KC * NC + MR * NR) * 4;

/** Packs rows [0, mc) x cols [0, kc) of A (at `a`) into MR-row panels, zero-padding the last panel. */
function packA(a: usize, ars: i32, acs: i32, mc: i32, kc: i32, dst: usize): void {
  const rsb = (<usize>ars) << 2;
  const csb = (<usize>acs) << 2;
  for (let i = 0; i < mc; i += MR) {
    const rows = min(MR, mc - i);
    const r0 = a + <usize>i * rsb;
    if (rows === MR) {
      const r1 = r0 + rsb;
      const r2 = r1 + rsb;
      const r3 = r2 + rsb;
      let off: usize = 0;
      let p = 0;
      if (acs === 1) {
        // Row-major A: load 4 k-steps of each row and transpose the 4x4 block in registers.
        for (; p + 4 <= kc; p += 4) {
          const a = v128.load(r0 + off);
          const b = v128.load(r1 + off);
          const c = v128.load(r2 + off);
          const d = v128.load(r3 + off);
          const t0 = i32x4.shuffle(a, b, 0, 4, 1, 5);
          const t1 = i32x4.shuffle(a, b, 2, 6, 3, 7);
          const t2 = i32x4.shuffle(c, d, 0, 4, 1, 5);
          const t3 = i32x4.shuffle(c, d, 2, 6, 3, 7);
          v128.store(dst, i32x4.shuffle(t0, t2, 0, 1, 4, 5));
          v128.store(dst, i32x4.shuffle(t0, t2, 2, 3, 6, 7), 16);
          v128.store(dst, i32x4.shuffle(t1, t3, 0, 1, 4, 5), 32);
          v128.store(dst, i32x4.shuffle(t1, t3, 2, 3, 6, 7), 48);
          dst += 64;
          off += 16;
        }
      }
      for (; p < kc; p++) {
        store<f32>(dst, load<f32>(r0 + off));
        store<f32>(dst, load<f32>(r1 + off), 4);
        store<f32>(dst, load<f32>(r2 + off), 8);
        store<f32>(dst, load<f32>(r3 + off), 12);
        dst += 16;
        off += csb;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        for (let r = 0; r < MR; r++) {
          store<f32>(dst + ((<usize>r) << 2), r < rows ? load<f32>(r0 + <usize>r * rsb + <usize>p * csb) : 0);
        }
        dst += 16;
      }
    }
  }
}

/** Packs rows [0, kc) x cols [0, nc) of B (at `b`) into NR-column strips, zero-padding the last strip. */
function packB(b: usize, brs: i32, bcs: i32, kc: i32, nc: i32, dst: usize): void {
  const rsb = (<usize>brs) << 2;
  const csb = (<usize>bcs) << 2;
  for (let j = 0; j < nc; j += NR) {
    const cols = min(NR, nc - j);
    const c0 = b + <usize>j * csb;
    if (cols === NR && bcs === 1) {
      let src = c0;
      for (let p = 0; p < kc; p++) {
        v128.store(dst, v128.load(src));
        v128.store(dst, v128.load(src, 16), 16);
        dst += 32;
        src += rsb;
      }
    } else if (cols === NR) {
      let src = c0;
      for (let p = 0; p < kc; p++) {
        let s = src;
        for (let q = 0; q < NR; q++) {
          store<f32>(dst + ((<usize>q) << 2), load<f32>(s));
          s += csb;
        }
        dst += 32;
        src += rsb;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        for (let q = 0; q < NR; q++) {
          store<f32>(dst + ((<usize>q) << 2), q < cols ? load<f32>(c0 + <usize>p * rsb + <usize>q * csb) : 0);
        }
        dst += 32;
      }
    }
  }
}

/**
 * The 4x8 micro-kernel over kc steps of packed panels. Writes the tile to `c` (row stride ldcb bytes),
 * adding to what is there when `acc`.
 */
function micro(kc: i32, pa: usize, pb: usize, c: usize, ldcb: usize, acc: bool): void {
  let c00 = f32x4.splat(0);
  let c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0);
  let c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0);
  let c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0);
  let c31 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let a = v128.load32_splat(pa);
    c00 = madd(a, b0, c00);
    c01 = madd(a, b1, c01);
    a = v128.load32_splat(pa, 4);
    c10 = madd(a, b0, c10);
    c11 = madd(a, b1, c11);
    a = v128.load32_splat(pa, 8);
    c20 = madd(a, b0, c20);
    c21 = madd(a, b1, c21);
    a = v128.load32_splat(pa, 12);
    c30 = madd(a, b0, c30);
    c31 = madd(a, b1, c31);
    pa += 16;
    pb += 32;
  }
  if (acc) {
    c00 = f32x4.add(c00, v128.load(c));
    c01 = f32x4.add(c01, v128.load(c, 16));
    c10 = f32x4.add(c10, v128.load(c + ldcb));
    c11 = f32x4.add(c11, v128.load(c + ldcb, 16));
    c20 = f32x4.add(c20, v128.load(c + 2 * ldcb));
    c21 = f32x4.add(c21, v128.load(c + 2 * ldcb, 16));
    c30 = f32x4.add(c30, v128.load(c + 3 * ldcb));
    c31 = f32x4.add(c31, v128.load(c + 3 * ldcb, 16));
  }
  v128.store(c, c00);
  v128.store(c, c01, 16);
  v128.store(c + ldcb, c10);
  v128.store(c + ldcb, c11, 16);
  v128.store(c + 2 * ldcb, c20);
  v128.store(c + 2 * ldcb, c21, 16);
  v128.store(c + 3 * ldcb, c30);
  v128.store(c + 3 * ldcb, c31, 16);
}

/** The k step of equal slabs of at most KC (k = 288 -> one slab of 288, 576 -> two of 288). */
export function slabStep(k: i32): i32 {
  // A thin remainder slab costs an extra pass over C for little work.
  const slabs = (k + KC - 1) / KC;
  return (k + slabs - 1) / slabs;
}

/** Where gemmRange packs B inside a thread's scratch (callers may pack B there themselves). */
export function packedB(scratch: usize): usize {
  return scratch + ((<usize>(MC * KC)) << 2);
}

/**
 * C[i0:i1, 0:nc] = A[i0:i1, 0:kc] * Bp (+ C when acc), Bp a kc x nc block already packed into
 * NR-column strips (at packedB(scratch) or anywhere else). `a` points at A's column 0 of this slab.
 */
export function macroKernel(
  kc: i32,
  nc: i32,
  pB: usize,
  a: usize,
  ars: i32,
  acs: i32,
  c: usize,
  ldc: i32,
  acc: bool,
  i0: i32,
  i1: i32,
  scratch: usize,
): void {
  const ldcb = (<usize>ldc) << 2;
  const pA = scratch;
  const tile = pA + ((<usize>(MC * KC + KC * NC)) << 2);
  for (let ic = i0; ic < i1; ic += MC) {
    const mc = min(MC, i1 - ic);
    packA(a + ((<usize>ic * <usize>ars) << 2), ars, acs, mc, kc, pA);
    for (let jr = 0; jr < nc; jr += NR) {
      const cols = min(NR, nc - jr);
      const pb = pB + ((<usize>(jr * kc)) << 2);
      for (let ir = 0; ir < mc; ir += MR) {
        const rows = min(MR, mc - ir);
        const pa = pA + ((<usize>(ir * kc)) << 2);
        const cp = c + <usize>(ic + ir) * ldcb + ((<usize>jr) << 2);
        // An edge tile is computed whole into scratch and its valid part copied out. One call
        // site only, so binaryen inlines the micro-kernel (a call per tile cost 15%).
        const full = rows === MR && cols === NR;
        micro(kc, pa, pb, full ? cp : tile, full ? ldcb : 32, full && acc);
        if (!full) {
          for (let r = 0; r < rows; r++) {
            const dst = cp + <usize>r * ldcb;
            const src = tile + ((<usize>r) << 5);
            for (let q = 0; q < cols; q++) {
              const v = load<f32>(src + ((<usize>q) << 2));
              const o = dst + ((<usize>q) << 2);
              store<f32>(o, acc ? load<f32>(o) + v : v);
            }
          }
        }
      }
    }
  }
}

/**
 * C[i0:i1, j0:j1] = A[i0:i1, :] * B[:, j0:j1] (+ C when beta = 1), single thread.
 * `scratch` holds GEMM_SCRATCH_BYTES bytes owned by the calling thread.
 */
export function gemmRange(
  k: i32,
  a: usize,
  ars: i32,
  acs: i32,
  b: usize,
  brs: i32,
  bcs: i32,
  c: usize,
  ldc: i32,
  beta: i32,
  i0: i32,
  i1: i32,
  j0: i32,
  j1: i32,
  scratch: usize,
): void {
  if (i1 <= i0 || j1 <= j0) return;
  const ldcb = (<usize>ldc) << 2;
  if (k <= 0) {
    if (beta === 0) {
      for (let i = i0; i < i1; i++)
        memory.fill(c + <usize>i * ldcb + ((<usize>j0) << 2), 0, (<usize>(j1 - j0)) << 2);
    }
    return;
  }
  const pB = packedB(scratch);
  const step = slabStep(k);
  for (let jc = j0; jc < j1; jc += NC) {
    const nc = min(NC, j1 - jc);
    for (let pc = 0; pc < k; pc += step) {
      const kc = min(step, k - pc);
      packB(b + ((<usize>pc * <usize>brs + <usize>jc * <usize>bcs) << 2), brs, bcs, kc, nc, pB);
      const ap = a + ((<usize>pc * <usize>acs) << 2);
      macroKernel(
        kc,
        nc,
        pB,
        ap,
        ars,
        acs,
        c + ((<usize>jc) << 2),
        ldc,
        pc > 0 || beta !== 0,
        i0,
        i1,
        scratch,
      );
    }
  }
}

/** Splits [0, len) into `parts` ranges aligned to `align`; returns the start of range `t`. */
export function splitAt(len: i32, parts: i32, t: i32, align: i32): i32 {
  const blocks = (len + align - 1) / align;
  const s = <i32>((<i64>blocks * <i64>t) / <i64>parts) * align;
  return min(s, len);
}

/**
 * Batched GEMM, thread `tid` of `nt`: C[bi] = A[bi] * B[bi] (+ C[bi]) for bi in [0, batch), with batch
 * strides in elements (0 broadcasts). Splits the batch across threads when there are enough batches,
 * otherwise each matrix by columns (n >= m) or rows.
 */
export function gemmBatched(
  batch: i32,
  m: i32,
  n: i32,
  k: i32,
  a: usize,
  abs: i32,
  ars: i32,
  acs: i32,
  b: usize,
  bbs: i32,
  brs: i32,
  bcs: i32,
  c: usize,
  ldc: i32,
  beta: i32,
  scratch: usize,
  scratchStride: i32,
  queue: usize,
  tid: i32,
  nt: i32,
): void {
  const s = scratch + <usize>tid * <usize>scratchStride;
  const cbs = <usize>m * <usize>ldc;
  if (batch >= nt * 2 || (batch >= nt && m * n < 64 * 64)) {
    // Batches are handed out through an atomic counter (zeroed by the host per call).
    for (let bi = atomic.add<i32>(queue, 1); bi < batch; bi = atomic.add<i32>(queue, 1)) {
      gemmRange(
        k,
        a + ((<usize>bi * <usize>abs) << 2),
        ars,
        acs,
        b + ((<usize>bi * <usize>bbs) << 2),
        brs,
        bcs,
        c + ((<usize>bi * cbs) << 2),
        ldc,
        beta,
        0,
        m,
        0,
        n,
        s,
      );
    }
    return;
  }
  // Few large matrices: each is cut into 2 * nt column (n >= m) or row blocks, handed out through
  // the counter; more blocks than threads keeps a descheduled thread from stalling the call, at the
  // price of packing the other operand once per block.
  const parts = nt === 1 ? 1 : 2 * nt;
  const units = batch * parts;
  for (let u = atomic.add<i32>(queue, 1); u < units; u = atomic.add<i32>(queue, 1)) {
    const bi = u / parts;
    const part = u - bi * parts;
    const ab = a + ((<usize>bi * <usize>abs) << 2);
    const bb = b + ((<usize>bi * <usize>bbs) << 2);
    const cb = c + ((<usize>bi * cbs) << 2);
    let i0 = 0,
      i1 = m,
      j0 = 0,
      j1 = n;
    if (n >= m) {
      j0 = splitAt(n, parts, part, NR);
      j1 = splitAt(n, parts, part + 1, NR);
    } else {
      i0 = splitAt(m, parts, part, MR);
      i1 = splitAt(m, parts, part + 1, MR);
    }
    gemmRange(k, ab, ars, acs, bb, brs, bcs, cb, ldc, beta, i0, i1, j0, j1, s);
  }
}
