// 2-D convolution (NCHW input, OIHW weight, groups) as im2col + packed GEMM, forward and both
// backward passes. im2col works on column chunks small enough to stay in L2 (COL_BYTES), so the
// unfolded matrix is never materialised whole. A 1x1, stride-1, unpadded convolution skips im2col.
// Threads split the batch; with fewer images than threads they split the output columns (forward),
// the input channels (backward input) or the weight columns (backward weight), so no two threads
// ever write the same element.

import { GEMM_SCRATCH_BYTES, gemmRange, macroKernel, NC, NR, packedB, slabStep, splitAt } from './gemm';

const COL_BYTES: i32 = 512 * 1024;

// Geometry block written by the host: 16 i32 in the order of Conv2dGeometry.
function gi(g: usize, i: i32): i32 {
  return load<i32>(g + ((<usize>i) << 2));
}

// Row segments are short (one output row, often 8-64 floats): explicit v128 loops beat memory.copy /
// memory.fill, which V8 runs as calls out of the generated code (measured ~5% of a training step).
function copyF32(dst: usize, src: usize, n: i32): void {
  if (n < 4) {
    for (let i = 0; i < n; i++) store<f32>(dst + ((<usize>i) << 2), load<f32>(src + ((<usize>i) << 2)));
    return;
  }
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + ((<usize>i) << 2), v128.load(src + ((<usize>i) << 2)));
  // A ragged end is one more vector ending at n, overlapping what was just copied.
  if (i < n) v128.store(dst + ((<usize>(n - 4)) << 2), v128.load(src + ((<usize>(n - 4)) << 2)));
}

function zeroF32(dst: usize, n: i32): void {
  const z = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + ((<usize>i) << 2), z);
  for (; i < n; i++) store<f32>(dst + ((<usize>i) << 2), 0);
}

/** Columns per im2col chunk for R unfolded rows: a multiple of 8, at least 8. */
function chunkCols(R: i32): i32 {
  const c = (COL_BYTES >> 2) / R;
  return max(8, c & ~7);
}

/** Per-thread scratch bytes needed by the conv kernels for the geometry at `g`. */
export function conv2dScratchBytes(g: usize): i32 {
  const R = (gi(g, 1) / gi(g, 15)) * gi(g, 5) * gi(g, 6);
  return GEMM_SCRATCH_BYTES + R * chunkCols(R) * 4;
}

/**
 * Whether the unfolded row of every tap is one contiguous shifted copy of the input plane: stride 1
 * and output width = input width ("same" convolutions), so position p = oh*W + ow reads input index
 * p + (kh*dH - pH)*W + (kw*dW - pW). Only out-of-image rows (a prefix and suffix of positions) and the
 * cl left / cr right columns of each output row, which wrap into the neighbouring row, need care.
 */
function isSameStride1(g: usize): bool {
  return gi(g, 9) === 1 && gi(g, 10) === 1 && gi(g, 8) === gi(g, 3);
}

/** im2col for isSameStride1 geometries: one vector copy per unfolded row, then column fix-ups. */
function im2colSame(x: usize, g: usize, r0: i32, r1: i32, p0: i32, p1: i32, dst: usize, ldd: i32): void {
  const H = gi(g, 2),
    W = gi(g, 3),
    KH = gi(g, 5),
    KW = gi(g, 6),
    OH = gi(g, 7);
  const pH = gi(g, 11),
    pW = gi(g, 12),
    dH = gi(g, 13),
    dW = gi(g, 14);
  const KK = KH * KW;
  for (let r = r0; r < r1; r++) {
    const c = r / KK;
    const rem = r - c * KK;
    const kh = rem / KW;
    const kw = rem - kh * KW;
    const plane = x + ((<usize>c * <usize>H * <usize>W) << 2);
    const drow = dst + ((<usize>(r - r0) * <usize>ldd) << 2);
    const dy = kh * dH - pH;
    const dx = kw * dW - pW;
    // Output rows whose input row exists: oh + dy in [0, H).
    const lo = min(max(max(0, -dy) * W, p0), p1);
    const hi = max(min(min(OH, H - dy) * W, p1), lo);
    zeroF32(drow, lo - p0);
    copyF32(drow + ((<usize>(lo - p0)) << 2), plane + ((<usize>(lo + dy * W + dx)) << 2), hi - lo);
    zeroF32(drow + ((<usize>(hi - p0)) << 2), p1 - hi);
    // Columns that wrapped into the previous (dx < 0) or next (dx > 0) input row are padding.
    if (dx !== 0 && hi > lo) {
      const cl = min(W, max(0, -dx));
      const cr = min(W, max(0, dx));
      for (let rowStart = (lo / W) * W; rowStart < hi; rowStart += W) {
        for (let q = max(rowStart, lo); q < min(rowStart + cl, hi); q++)
          store<f32>(drow + ((<usize>(q - p0)) << 2), 0);
        for (let q = max(rowStart + W - cr, lo); q < min(rowStart + W, hi); q++)
          store<f32>(drow + ((<usize>(q - p0)) << 2), 0);
      }
    }
  }
}

/**
 * col2im for isSameStride1 geometries: zeroes the wrapped columns of the (scratch) source rows, then
 * adds each row into the input plane as one contiguous vector loop. The added range is clipped to
 * the plane, so no thread ever touches another thread's plane.
 */
function col2imSame(src: usize, lds: i32, g: usize, r0: i32, r1: i32, p0: i32, p1: i32, x: usize): void {
  const H = gi(g, 2),
    W = gi(g, 3),
    KH = gi(g, 5),
    KW = gi(g, 6),
    OH = gi(g, 7);
  const pH = gi(g, 11),
    pW = gi(g, 12),
    dH = gi(g, 13),
    dW = gi(g, 14);
  const KK = KH * KW;
  const HW = H * W;
  for (let r = r0; r < r1; r++) {
    const c = r / KK;
    const rem = r - c * KK;
    const kh = rem / KW;
    const kw = rem - kh * KW;
    const plane = x + ((<usize>c * <usize>HW) << 2);
    const srow = src + ((<usize>(r - r0) * <usize>lds) << 2);
    const dy = kh * dH - pH;
    const dx = kw * dW - pW;
    const shift = dy * W + dx;
    let lo = min(max(max(0, -dy) * W, p0), p1);
    let hi = max(min(min(OH, H - dy) * W, p1), lo);
    if (dx !== 0 && hi > lo) {
      const cl = min(W, max(0, -dx));
      const cr = min(W, max(0, dx));
      for (let rowStart = (lo / W) * W; rowStart < hi; rowStart += W) {
        for (let q = max(rowStart, lo); q < min(rowStart + cl, hi); q++)
          store<f32>(srow + ((<usize>(q - p0)) << 2), 0);
        for (let q = max(rowStart + W - cr, lo); q < min(rowStart + W, hi); q++)
          store<f32>(srow + ((<usize>(q - p0)) << 2), 0);
      }
    }
    // Clip to the plane: the only positions mapping outside it are wrapped (now zero) columns.
    lo = max(lo, -shift);
    hi = min(hi, HW - shift);
    let q = lo;
    for (; q + 4 <= hi; q += 4) {
      const o = plane + ((<usize>(q + shift)) << 2);
      v128.store(o, f32x4.add(v128.load(o), v128.load(srow + ((<usize>(q - p0)) << 2))));
    }
    for (; q < hi; q++) {
      const o = plane + ((<usize>(q + shift)) << 2);
      store<f32>(o, load<f32>(o) + load<f32>(srow + ((<usize>(q - p0)) << 2)));
    }
  }
}

/**
 * im2colSame straight into the GEMM's packed-B layout (NR-column strips: position q = p - p0 of
 * unfolded row r goes to dst[(q / 8 * kc + r - r0) * 8 + q % 8], kc = r1 - r0), so the forward pass
 * needs neither a column buffer nor a B packing pass. Lanes past p1 in the last strip are zeroed.
 */
function im2colSamePacked(x: usize, g: usize, r0: i32, r1: i32, p0: i32, p1: i32, dst: usize): void {
  const H = gi(g, 2),
    W = gi(g, 3),
    KH = gi(g, 5),
    KW = gi(g, 6),
    OH = gi(g, 7);
  const pH = gi(g, 11),
    pW = gi(g, 12),
    dH = gi(g, 13),
    dW = gi(g, 14);
  const KK = KH * KW;
  const kc = r1 - r0;
  const strip = (<usize>kc) << 5;
  const n = p1 - p0;
  const zero = f32x4.splat(0);
  for (let r = r0; r < r1; r++) {
    const c = r / KK;
    const rem = r - c * KK;
    const kh = rem / KW;
    const kw = rem - kh * KW;
    const plane = x + ((<usize>c * <usize>H * <usize>W) << 2);
    const krow = dst + ((<usize>(r - r0)) << 5);
    const dy = kh * dH - pH;
    const dx = kw * dW - pW;
    const lo = min(max(max(0, -dy) * W, p0), p1) - p0;
    const hi = max(min(min(OH, H - dy) * W, p1) - p0, lo);
    const src = plane + ((<usize>(p0 + dy * W + dx)) << 2);
    let q = 0;
    for (; q < lo && (q & 7) !== 0; q++)
      store<f32>(krow + <usize>(q >> 3) * strip + ((<usize>(q & 7)) << 2), 0);
    for (; q + 8 <= lo; q += 8) {
      const d = krow + <usize>(q >> 3) * strip;
      v128.store(d, zero);
      v128.store(d, zero, 16);
    }
    for (; q < lo; q++) store<f32>(krow + <usize>(q >> 3) * strip + ((<usize>(q & 7)) << 2), 0);
    for (; q < hi && (q & 7) !== 0; q++) {
      store<f32>(
        krow + <usize>(q >> 3) * strip + ((<usize>(q & 7)) << 2),
        load<f32>(src + ((<usize>q) << 2)),
      );
    }
    for (; q + 8 <= hi; q += 8) {
      const d = krow + <usize>(q >> 3) * strip;
      const sp = src + ((<usize>q) << 2);
      v128.store(d, v128.load(sp));
      v128.store(d, v128.load(sp, 16), 16);
    }
    for (; q < hi; q++) {
      store<f32>(
        krow + <usize>(q >> 3) * strip + ((<usize>(q & 7)) << 2),
        load<f32>(src + ((<usize>q) << 2)),
      );
    }
    for (; q < n; q++) store<f32>(krow + <usize>(q >> 3) * strip + ((<usize>(q & 7)) << 2), 0);
    if (dx !== 0 && hi > lo) {
      const cl = min(W, max(0, -dx));
      const cr = min(W, max(0, dx));
      for (let rowStart = ((lo + p0) / W) * W - p0; rowStart < hi; rowStart += W) {
        for (let t = max(rowStart, lo); t < min(rowStart + cl, hi); t++) {
          store<f32>(krow + <usize>(t >> 3) * strip + ((<usize>(t & 7)) << 2), 0);
        }
        for (let t = max(rowStart + W - cr, lo); t < min(rowStart + W, hi); t++) {
          store<f32>(krow + <usize>(t >> 3) * strip + ((<usize>(t & 7)) << 2), 0);
        }
      }
    }
  }
  if ((n & 7) !== 0) {
    const last = dst + <usize>(n >> 3) * strip;
    for (let k = 0; k < kc; k++) {
      for (let lane = n & 7; lane < NR; lane++)
        store<f32>(last + ((<usize>k) << 5) + ((<usize>lane) << 2), 0);
    }
  }
}

/**
 * Unfolds rows [r0, r1) (r = c*KH*KW + kh*KW + kw) and output positions [p0, p1) of one image's
 * channel group at `x` into `dst` (row stride ldd elements). Out-of-image taps are zero.
 */
function im2col(x: usize, g: usize, r0: i32, r1: i32, p0: i32, p1: i32, dst: usize, ldd: i32): void {
  if (isSameStride1(g)) {
    im2colSame(x, g, r0, r1, p0, p1, dst, ldd);
    return;
  }
  const H = gi(g, 2),
    W = gi(g, 3),
    KH = gi(g, 5),
    KW = gi(g, 6),
    OW = gi(g, 8);
  const sH = gi(g, 9),
    sW = gi(g, 10),
    pH = gi(g, 11),
    pW = gi(g, 12),
    dH = gi(g, 13),
    dW = gi(g, 14);
  const KK = KH * KW;
  const oh0 = p0 / OW,
    oh1 = (p1 - 1) / OW;
  for (let r = r0; r < r1; r++) {
    const c = r / KK;
    const rem = r - c * KK;
    const kh = rem / KW;
    const kw = rem - kh * KW;
    const plane = x + ((<usize>c * <usize>H * <usize>W) << 2);
    const drow = dst + ((<usize>(r - r0) * <usize>ldd) << 2);
    for (let oh = oh0; oh <= oh1; oh++) {
      const rowStart = oh * OW;
      const pa = max(p0, rowStart);
      const ow = pa - rowStart;
      const seg = min(p1, rowStart + OW) - pa;
      const d = drow + ((<usize>(pa - p0)) << 2);
      const ih = oh * sH - pH + kh * dH;
      if (ih < 0 || ih >= H) {
        zeroF32(d, seg);
      } else {
        const row = plane + ((<usize>ih * <usize>W) << 2);
        const iw0 = ow * sW - pW + kw * dW;
        if (sW === 1) {
          const qlo = min(seg, max(0, -iw0));
          const qhi = max(qlo, min(seg, W - iw0));
          zeroF32(d, qlo);
          copyF32(d + ((<usize>qlo) << 2), row + ((<usize>(iw0 + qlo)) << 2), qhi - qlo);
          zeroF32(d + ((<usize>qhi) << 2), seg - qhi);
        } else {
          for (let q = 0; q < seg; q++) {
            const iw = iw0 + q * sW;
            store<f32>(d + ((<usize>q) << 2), iw >= 0 && iw < W ? load<f32>(row + ((<usize>iw) << 2)) : 0);
          }
        }
      }
    }
  }
}

/** The adjoint of im2col: adds rows [r0, r1) x positions [p0, p1) of `src` into the image at `x`. */
function col2im(src: usize, lds: i32, g: usize, r0: i32, r1: i32, p0: i32, p1: i32, x: usize): void {
  if (isSameStride1(g)) {
    col2imSame(src, lds, g, r0, r1, p0, p1, x);
    return;
  }
  const H = gi(g, 2),
    W = gi(g, 3),
    KH = gi(g, 5),
    KW = gi(g, 6),
    OW = gi(g, 8);
  const sH = gi(g, 9),
    sW = gi(g, 10),
    pH = gi(g, 11),
    pW = gi(g, 12),
    dH = gi(g, 13),
    dW = gi(g, 14);
  const KK = KH * KW;
  const oh0 = p0 / OW,
    oh1 = (p1 - 1) / OW;
  for (let r = r0; r < r1; r++) {
    const c = r / KK;
    const rem = r - c * KK;
    const kh = rem / KW;
    const kw = rem - kh * KW;
    const plane = x + ((<usize>c * <usize>H * <usize>W) << 2);
    const srow = src + ((<usize>(r - r0) * <usize>lds) << 2);
    for (let oh = oh0; oh <= oh1; oh++) {
      const rowStart = oh * OW;
      const pa = max(p0, rowStart);
      const ow = pa - rowStart;
      const seg = min(p1, rowStart + OW) - pa;
      const ih = oh * sH - pH + kh * dH;
      if (ih >= 0 && ih < H) {
        const s = srow + ((<usize>(pa - p0)) << 2);
        const row = plane + ((<usize>ih * <usize>W) << 2);
        const iw0 = ow * sW - pW + kw * dW;
        if (sW === 1) {
          const qlo = min(seg, max(0, -iw0));
          const qhi = max(qlo, min(seg, W - iw0));
          let q = qlo;
          for (; q + 4 <= qhi; q += 4) {
            const o = row + ((<usize>(iw0 + q)) << 2);
            v128.store(o, f32x4.add(v128.load(o), v128.load(s + ((<usize>q) << 2))));
          }
          for (; q < qhi; q++) {
            const o = row + ((<usize>(iw0 + q)) << 2);
            store<f32>(o, load<f32>(o) + load<f32>(s + ((<usize>q) << 2)));
          }
        } else {
          for (let q = 0; q < seg; q++) {
            const iw = iw0 + q * sW;
            if (iw >= 0 && iw < W) {
              const o = row + ((<usize>iw) << 2);
              store<f32>(o, load<f32>(o) + load<f32>(s + ((<usize>q) << 2)));
            }
          }
        }
      }
    }
  }
}

function isPointwise(g: usize): bool {
  return (
    gi(g, 5) === 1 &&
    gi(g, 6) === 1 &&
    gi(g, 9) === 1 &&
    gi(g, 10) === 1 &&
    gi(g, 11) === 0 &&
    gi(g, 12) === 0
  );
}

/** y = conv2d(x, w) for thread `tid` of `nt`; y is overwritten. */
export function conv2dForward(
  x: usize,
  w: usize,
  y: usize,
  g: usize,
  scratch: usize,
  scratchStride: i32,
  queue: usize,
  tid: i32,
  nt: i32,
): void {
  const N = gi(g, 0),
    C = gi(g, 1),
    H = gi(g, 2),
    W = gi(g, 3),
    O = gi(g, 4),
    G = gi(g, 15);
  const P = gi(g, 7) * gi(g, 8);
  const Cg = C / G,
    Og = O / G;
  const R = Cg * gi(g, 5) * gi(g, 6);
  const s = scratch + <usize>tid * <usize>scratchStride;
  const col = s + <usize>GEMM_SCRATCH_BYTES;
  const pc = isSameStride1(g) ? NC : chunkCols(R);
  const pointwise = isPointwise(g);
  const same = isSameStride1(g);
  const step = slabStep(R);
  // Work units (image, column block), handed out through an atomic counter that the host zeroes
  // per call: a thread the OS deschedules holds nobody up, and a thread that never shows up is not
  // needed. Whole images when there are enough; with fewer images, column blocks of each.
  const blocks = N >= nt ? 1 : (2 * nt + N - 1) / N;
  const units = N * blocks;
  for (let u = atomic.add<i32>(queue, 1); u < units; u = atomic.add<i32>(queue, 1)) {
    const n = u / blocks;
    const q0 = splitAt(P, blocks, u - n * blocks, 8);
    const q1 = splitAt(P, blocks, u - n * blocks + 1, 8);
    for (let grp = 0; grp < G; grp++) {
      const xg = x + ((<usize>(n * C + grp * Cg) * <usize>H * <usize>W) << 2);
      const wg = w + ((<usize>grp * <usize>Og * <usize>R) << 2);
      const yg = y + ((<usize>(n * O + grp * Og) * <usize>P) << 2);
      for (let p = q0; p < q1; p += pc) {
        const cols = min(pc, q1 - p);
        if (pointwise) {
          gemmRange(
            R,
            wg,
            R,
            1,
            xg + ((<usize>p) << 2),
            P,
            1,
            yg + ((<usize>p) << 2),
            P,
            0,
            0,
            Og,
            0,
            cols,
            s,
          );
        } else if (same) {
          // Unfold straight into the GEMM's packed-B layout, one k slab at a time.
          const pB = packedB(s);
          for (let pc = 0; pc < R; pc += step) {
            const kc = min(step, R - pc);
            im2colSamePacked(xg, g, pc, pc + kc, p, p + cols, pB);
            macroKernel(
              kc,
              cols,
              pB,
              wg + ((<usize>pc) << 2),
              R,
              1,
              yg + ((<usize>p) << 2),
              P,
              pc > 0,
              0,
              Og,
              s,
            );
          }
        } else {
          // im2col into a column chunk, then the GEMM packs it (a general unfold straight into the
          // packed layout was measured 15% slower: scattered 16-byte stores, per-run branching).
          im2col(xg, g, 0, R, p, p + cols, col, cols);
          gemmRange(R, wg, R, 1, col, cols, 1, yg + ((<usize>p) << 2), P, 0, 0, Og, 0, cols, s);
        }
      }
    }
  }
}

/** dx = conv2d's input gradient for thread `tid` of `nt`; dx is overwritten. */
export function conv2dBackwardInput(
  dy: usize,
  w: usize,
  dx: usize,
  g: usize,
  scratch: usize,
  scratchStride: i32,
  queue: usize,
  tid: i32,
  nt: i32,
): void {
  const N = gi(g, 0),
    C = gi(g, 1),
    H = gi(g, 2),
    W = gi(g, 3),
    O = gi(g, 4),
    G = gi(g, 15);
  const KK = gi(g, 5) * gi(g, 6);
  const P = gi(g, 7) * gi(g, 8);
  const HW = H * W;
  const Cg = C / G,
    Og = O / G;
  const R = Cg * KK;
  const s = scratch + <usize>tid * <usize>scratchStride;
  const col = s + <usize>GEMM_SCRATCH_BYTES;
  const pc = chunkCols(R);
  const pointwise = isPointwise(g);
  // Work units (image, input-channel block) from the atomic counter, as in conv2dForward.
  const blocks = N >= nt ? 1 : (2 * nt + N - 1) / N;
  const units = N * blocks;
  for (let u = atomic.add<i32>(queue, 1); u < units; u = atomic.add<i32>(queue, 1)) {
    const n = u / blocks;
    const c0 = splitAt(Cg, blocks, u - n * blocks, 1);
    const c1 = splitAt(Cg, blocks, u - n * blocks + 1, 1);
    if (c1 <= c0) continue;
    const r0 = c0 * KK,
      r1 = c1 * KK;
    for (let grp = 0; grp < G; grp++) {
      const dxg = dx + ((<usize>(n * C + grp * Cg) * <usize>HW) << 2);
      const wg = w + ((<usize>grp * <usize>Og * <usize>R + <usize>r0) << 2);
      const dyg = dy + ((<usize>(n * O + grp * Og) * <usize>P) << 2);
      if (pointwise) {
        // dx[c, p] = sum_o w[o, c] dy[o, p]: A = w^T (row stride 1, column stride R).
        gemmRange(Og, wg, 1, R, dyg, P, 1, dxg + ((<usize>c0 * <usize>HW) << 2), P, 0, 0, r1 - r0, 0, P, s);
        continue;
      }
      memory.fill(dxg + ((<usize>c0 * <usize>HW) << 2), 0, (<usize>(c1 - c0) * <usize>HW) << 2);
      for (let p = 0; p < P; p += pc) {
        const cols = min(pc, P - p);
        gemmRange(Og, wg, 1, R, dyg + ((<usize>p) << 2), P, 1, col, cols, 0, 0, r1 - r0, 0, cols, s);
        col2im(col, cols, g, r0, r1, p, p + cols, dxg);
      }
    }
  }
}

/**
 * Transposed weight gradient dwT[g][r][o] = sum_p col[r, p] dy[g*Og + o, p], thread `tid` of `nt`.
 * Computing the transpose makes the big operand (the unfolded input, R x positions) the GEMM's A,
 * packed from contiguous rows; as B (col^T) it would be packed by strided gathers, which cost as
 * much as the multiply when Og is small. With at least `nt` images the batch is cut into `nt` fixed
 * runs of consecutive images, run b summed in image order into buffer partials + b * O*R floats;
 * otherwise units are blocks of rows r of one buffer. transposeSum then adds the buffers in order
 * into dw [O, R]. Which thread takes which unit changes nothing in the result: it depends on the
 * shapes and `nt` only (run-to-run determinism).
 */
export function conv2dBackwardWeight(
  x: usize,
  dy: usize,
  partials: usize,
  g: usize,
  scratch: usize,
  scratchStride: i32,
  queue: usize,
  tid: i32,
  nt: i32,
): void {
  const N = gi(g, 0),
    C = gi(g, 1),
    H = gi(g, 2),
    W = gi(g, 3),
    O = gi(g, 4),
    G = gi(g, 15);
  const KK = gi(g, 5) * gi(g, 6);
  const P = gi(g, 7) * gi(g, 8);
  const Cg = C / G,
    Og = O / G;
  const R = Cg * KK;
  const s = scratch + <usize>tid * <usize>scratchStride;
  const col = s + <usize>GEMM_SCRATCH_BYTES;
  const pc = chunkCols(R);
  const pointwise = isPointwise(g);
  // Work units from the atomic counter, as in conv2dForward. With enough images a unit is a fixed
  // run of consecutive images (run u = images [splitAt(N, nt, u), splitAt(N, nt, u + 1))), summed
  // into its own buffer partials + u * O*R floats; otherwise a unit is a block of unfolded rows over
  // all images, written into buffer 0. A buffer's sum never depends on which thread took the unit
  // (summing into per-thread buffers did: images landed in whichever buffer's thread was free).
  // The host zeroes the buffers beforehand.
  const byImage = N >= nt;
  const blocks = byImage ? 1 : 2 * nt;
  const units = byImage ? nt : blocks;
  for (let u = atomic.add<i32>(queue, 1); u < units; u = atomic.add<i32>(queue, 1)) {
    const r0 = byImage ? 0 : splitAt(R, blocks, u, 4);
    const r1 = byImage ? R : splitAt(R, blocks, u + 1, 4);
    if (r1 <= r0) continue;
    const target = byImage ? partials + ((<usize>u * <usize>O * <usize>R) << 2) : partials;
    const nStart = byImage ? splitAt(N, nt, u, 1) : 0;
    const nEnd = byImage ? splitAt(N, nt, u + 1, 1) : N;
    for (let n = nStart; n < nEnd; n++) {
      for (let grp = 0; grp < G; grp++) {
        const xg = x + ((<usize>(n * C + grp * Cg) * <usize>H * <usize>W) << 2);
        const dyg = dy + ((<usize>(n * O + grp * Og) * <usize>P) << 2);
        const tg = target + ((<usize>(grp * R + r0) * <usize>Og) << 2);
        for (let p = 0; p < P; p += pc) {
          const cols = min(pc, P - p);
          // dwT[r, o] += sum_p col[r, p] dy[o, p]: B = dy^T (row stride 1, column stride P).
          if (pointwise) {
            const a = xg + ((<usize>r0 * <usize>P + <usize>p) << 2);
            gemmRange(cols, a, P, 1, dyg + ((<usize>p) << 2), 1, P, tg, Og, 1, 0, r1 - r0, 0, Og, s);
          } else {
            im2col(xg, g, r0, r1, p, p + cols, col, cols);
            gemmRange(cols, col, cols, 1, dyg + ((<usize>p) << 2), 1, P, tg, Og, 1, 0, r1 - r0, 0, Og, s);
          }
        }
      }
    }
  }
}

/**
 * dw[g*Og + o, r] = sum over `count` buffers b of src[b][g][r][o] (buffers of G*R*Og floats), split
 * across threads by output rows.
 */
export function transposeSum(
  dw: usize,
  src: usize,
  count: i32,
  G: i32,
  Og: i32,
  R: i32,
  queue: usize,
  tid: i32,
  nt: i32,
): void {
  const rows = G * Og;
  const len = <usize>rows * <usize>R;
  // Output rows from the atomic counter (zeroed by the host per call).
  for (let row = atomic.add<i32>(queue, 1); row < rows; row = atomic.add<i32>(queue, 1)) {
    const grp = row / Og;
    const o = row - grp * Og;
    const dst = dw + ((<usize>row * <usize>R) << 2);
    const base = src + ((<usize>grp * <usize>R * <usize>Og + <usize>o) << 2);
    for (let r = 0; r < R; r++) {
      let acc: f32 = 0;
      let q = base + ((<usize>r * <usize>Og) << 2);
      for (let b = 0; b < count; b++) {
        acc += load<f32>(q);
        q += len << 2;
      }
      store<f32>(dst + ((<usize>r) << 2), acc);
    }
  }
}
