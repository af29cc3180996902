// Pooling, elementwise passes, row sums and the fused SGD step: memory-bound loops that the compiler
// vectorises (AVX-512 / AVX2 / NEON from the same source), split over OpenMP threads in fixed chunks.
// Built with -ffp-contract=off so that every float32 operation rounds exactly as the CPU backend's
// Math.fround'ed JavaScript does: the results are bit-identical to it, for any thread count.
#include <omp.h>

#include <cmath>
#include <cstring>

#include "kernels.h"

namespace rn {

// Below this many elements a parallel region costs more than it saves.
static const int64_t PAR_MIN = 1 << 15;

// One candidate of a max-pool window, in the CPU backend's order: a larger value wins (the first of
// equal ones stays), a NaN is selected and ends the window. Returns false once a NaN was taken.
static inline bool take(float v, int32_t i, float &best, int32_t &idx) {
  if (v > best) {
    best = v;
    idx = i;
  } else if (v != v) {
    best = v;
    idx = i;
    return false;
  }
  return true;
}

// Windows of exactly 2x2 (the usual kernel 2, stride 2 pooling): the four candidates unrolled.
static bool windows2x2(const PoolGeom &p) {
  for (int64_t oh = 0; oh < p.OH; oh++)
    if (p.hEnd[oh] - p.hStart[oh] != 2) return false;
  for (int64_t ow = 0; ow < p.OW; ow++)
    if (p.wEnd[ow] - p.wStart[ow] != 2) return false;
  return true;
}

void max_pool_forward(const float *x, float *y, int32_t *argmax, const PoolGeom &p) {
  const int64_t planes = p.N * p.C, plane = p.H * p.W, outPlane = p.OH * p.OW;
  const bool two = windows2x2(p);
  const int32_t W = (int32_t)p.W;
#pragma omp parallel for schedule(static) if (planes * plane >= PAR_MIN)
  for (int64_t pl = 0; pl < planes; pl++) {
    const float *xp = x + pl * plane;
    float *yp = y + pl * outPlane;
    int32_t *ap = argmax + pl * outPlane;
    for (int64_t oh = 0; oh < p.OH; oh++) {
      const int32_t h0 = p.hStart[oh], h1 = p.hEnd[oh];
      for (int64_t ow = 0; ow < p.OW; ow++) {
        const int32_t w0 = p.wStart[ow], w1 = p.wEnd[ow];
        float best = -INFINITY;
        int32_t bestIdx = h0 * W + w0;
        if (two) {
          const int32_t i = h0 * W + w0;
          const float a = xp[i], b = xp[i + 1], c = xp[i + W], d = xp[i + W + 1];
          if (a == a && b == b && c == c && d == d) {
            // No NaN (the common case): branch-free selects, the first maximum wins (a is taken even
            // when it is -Infinity, as the sequential rule does with its -Infinity start).
            best = a;
            bestIdx = i;
            bestIdx = b > best ? i + 1 : bestIdx;
            best = b > best ? b : best;
            bestIdx = c > best ? i + W : bestIdx;
            best = c > best ? c : best;
            bestIdx = d > best ? i + W + 1 : bestIdx;
            best = d > best ? d : best;
          } else {
            take(a, i, best, bestIdx) && take(b, i + 1, best, bestIdx) && take(c, i + W, best, bestIdx) &&
                take(d, i + W + 1, best, bestIdx);
          }
        } else {
          bool more = true;
          for (int32_t h = h0; h < h1 && more; h++)
            for (int32_t w = w0; w < w1 && more; w++) more = take(xp[h * W + w], h * W + w, best, bestIdx);
        }
        yp[oh * p.OW + ow] = best;
        ap[oh * p.OW + ow] = bestIdx;
      }
    }
  }
}

void max_pool_backward(const float *dy, const int32_t *argmax, float *dx, const PoolGeom &p) {
  const int64_t planes = p.N * p.C, plane = p.H * p.W, outPlane = p.OH * p.OW;
#pragma omp parallel for schedule(static) if (planes * plane >= PAR_MIN)
  for (int64_t pl = 0; pl < planes; pl++) {
    float *dxp = dx + pl * plane;
    std::memset(dxp, 0, plane * sizeof(float));
    const float *dyp = dy + pl * outPlane;
    const int32_t *ap = argmax + pl * outPlane;
    // Outputs in order, as the CPU backend: overlapping windows accumulate in the same order.
    for (int64_t s = 0; s < outPlane; s++) dxp[ap[s]] += dyp[s];
  }
}

// Max pooling of a blocked activation [N, C/B, H*W, B] (nChwBc): the values blocked the same way, the
// window indices (h * W + w) in plain [N, C, OH, OW] order, as the plain kernel writes them. The B
// channels of a block advance through each window together, each with the sequential rule of take():
// a larger value wins, the first of equal ones stays, the first NaN is taken and ends its window
// (once the best is NaN nothing is larger, and a later NaN does not replace it), as branch-free
// selects over the B lanes.
template <int B>
static void max_pool_forward_blocked_t(const float *x, float *y, int32_t *argmax, const PoolGeom &p) {
  const int64_t CB = p.C / B, units = p.N * CB, plane = p.H * p.W, outPlane = p.OH * p.OW;
  const int32_t W = (int32_t)p.W;
#pragma omp parallel for schedule(static) if (units * plane * B >= PAR_MIN)
  for (int64_t u = 0; u < units; u++) {
    const int64_t n = u / CB, cb = u % CB;
    const float *xb = x + u * plane * B;
    float *yb = y + u * outPlane * B;
    int32_t *ab = argmax + (n * p.C + cb * B) * outPlane;  // lane l's plane starts at l * outPlane
    for (int64_t oh = 0; oh < p.OH; oh++) {
      const int32_t h0 = p.hStart[oh], h1 = p.hEnd[oh];
      for (int64_t ow = 0; ow < p.OW; ow++) {
        const int32_t w0 = p.wStart[ow], w1 = p.wEnd[ow];
        float best[B];
        int32_t idx[B];
        for (int l = 0; l < B; l++) {
          best[l] = -INFINITY;
          idx[l] = h0 * W + w0;
        }
        for (int32_t h = h0; h < h1; h++)
          for (int32_t w = w0; w < w1; w++) {
            const int32_t i = h * W + w;
            const float *v = xb + (int64_t)i * B;
            for (int l = 0; l < B; l++) {
              const bool take = v[l] > best[l] || (v[l] != v[l] && best[l] == best[l]);
              best[l] = take ? v[l] : best[l];
              idx[l] = take ? i : idx[l];
            }
          }
        const int64_t o = oh * p.OW + ow;
        for (int l = 0; l < B; l++) {
          yb[o * B + l] = best[l];
          ab[l * outPlane + o] = idx[l];
        }
      }
    }
  }
}

void max_pool_forward_blocked(const float *x, float *y, int32_t *argmax, const PoolGeom &p, int B) {
  if (B == 16) max_pool_forward_blocked_t<16>(x, y, argmax, p);
  else max_pool_forward_blocked_t<8>(x, y, argmax, p);
}

// The gradient of max_pool_forward_blocked: dy and dx blocked, argmax in plain order; each channel's
// outputs accumulate in output order, as the plain kernel's do (the same bits).
void max_pool_backward_blocked(const float *dy, const int32_t *argmax, float *dx, const PoolGeom &p, int B) {
  const int64_t CB = p.C / B, units = p.N * CB, plane = p.H * p.W, outPlane = p.OH * p.OW;
#pragma omp parallel for schedule(static) if (units * plane * B >= PAR_MIN)
  for (int64_t u = 0; u < units; u++) {
    const int64_t n = u / CB, cb = u % CB;
    float *dxb = dx + u * plane * B;
    std::memset(dxb, 0, plane * B * sizeof(float));
    const float *dyb = dy + u * outPlane * B;
    const int32_t *ab = argmax + (n * p.C + cb * B) * outPlane;
    for (int64_t s = 0; s < outPlane; s++)
      for (int l = 0; l < B; l++) dxb[(int64_t)ab[l * outPlane + s] * B + l] += dyb[s * B + l];
  }
}

void avg_pool_forward(const float *x, float *y, const PoolGeom &p) {
  const int64_t planes = p.N * p.C, plane = p.H * p.W, outPlane = p.OH * p.OW;
#pragma omp parallel for schedule(static) if (planes * plane >= PAR_MIN)
  for (int64_t pl = 0; pl < planes; pl++) {
    const float *xp = x + pl * plane;
    float *yp = y + pl * outPlane;
    for (int64_t oh = 0; oh < p.OH; oh++) {
      const int32_t h0 = p.hStart[oh], h1 = p.hEnd[oh];
      for (int64_t ow = 0; ow < p.OW; ow++) {
        const int32_t w0 = p.wStart[ow], w1 = p.wEnd[ow];
        // float64 sum and division, as the JS kernel computes in doubles before storing float32
        double sum = 0;
        for (int32_t h = h0; h < h1; h++)
          for (int32_t w = w0; w < w1; w++) sum += xp[h * p.W + w];
        yp[oh * p.OW + ow] = (float)(sum / ((double)p.hCount[oh] * p.wCount[ow]));
      }
    }
  }
}

void avg_pool_backward(const float *dy, float *dx, const PoolGeom &p) {
  const int64_t planes = p.N * p.C, plane = p.H * p.W, outPlane = p.OH * p.OW;
#pragma omp parallel for schedule(static) if (planes * plane >= PAR_MIN)
  for (int64_t pl = 0; pl < planes; pl++) {
    float *dxp = dx + pl * plane;
    std::memset(dxp, 0, plane * sizeof(float));
    const float *dyp = dy + pl * outPlane;
    for (int64_t oh = 0; oh < p.OH; oh++) {
      const int32_t h0 = p.hStart[oh], h1 = p.hEnd[oh];
      for (int64_t ow = 0; ow < p.OW; ow++) {
        const int32_t w0 = p.wStart[ow], w1 = p.wEnd[ow];
        // JS: v = dy / count in doubles, then dx[i] += v rounds the float32 sum
        const double v = (double)dyp[oh * p.OW + ow] / ((double)p.hCount[oh] * p.wCount[ow]);
        for (int32_t h = h0; h < h1; h++)
          for (int32_t w = w0; w < w1; w++) dxp[h * p.W + w] = (float)((double)dxp[h * p.W + w] + v);
      }
    }
  }
}

namespace {

inline float ew1(int op, float a) {
  (void)op;
  return a < 0 ? 0.0f : a;  // relu (NaN stays NaN)
}
inline float ew2(int op, float a, float b) {
  switch (op) {
    case EW_ADD: return a + b;
    case EW_SUB: return a - b;
    case EW_MUL: return a * b;
    case EW_DIV: return a / b;
    case EW_PRELU: return a > 0 ? a : b * a;
    case EW_RELU_GRAD: return a <= 0 ? 0.0f : b;
    default: return a > 0 ? 0.0f : b * a;  // EW_PRELU_SLOPE_GRAD
  }
}
inline float ew3(float a, float b, float c) { return a > 0 ? b : c * b; }  // EW_PRELU_INPUT_GRAD

// One contiguous run [i0, i0 + len) of a row of channel c; operands resolved to pointers/scalars.
template <int OP>
inline void run(const EwOperand *ops, int nops, int64_t base, int64_t r, int64_t c, int64_t len, float *out) {
  const float *p[3];
  float s[3];
  int st[3];
  for (int k = 0; k < nops; k++) {
    if (ops[k].mode == 0) {
      p[k] = ops[k].data + base;
      st[k] = 1;
    } else {
      s[k] = ops[k].mode == 1 ? ops[k].data[c] : ops[k].mode == 3 ? ops[k].data[r] : ops[k].data[0];
      p[k] = &s[k];
      st[k] = 0;
    }
  }
  float *o = out + base;
  if (nops == 1) {
    if (st[0] == 1) {
      const float *a = p[0];
      for (int64_t i = 0; i < len; i++) o[i] = ew1(OP, a[i]);
    } else {
      const float v = ew1(OP, *p[0]);
      for (int64_t i = 0; i < len; i++) o[i] = v;
    }
  } else if (nops == 2) {
    // The common cases get loops the compiler vectorises without the stride multiplications.
    if (st[0] == 1 && st[1] == 1) {
      for (int64_t i = 0; i < len; i++) o[i] = ew2(OP, p[0][i], p[1][i]);
    } else if (st[0] == 1) {
      const float b = *p[1];
      for (int64_t i = 0; i < len; i++) o[i] = ew2(OP, p[0][i], b);
    } else if (st[1] == 1) {
      const float a = *p[0];
      for (int64_t i = 0; i < len; i++) o[i] = ew2(OP, a, p[1][i]);
    } else {
      const float v = ew2(OP, *p[0], *p[1]);
      for (int64_t i = 0; i < len; i++) o[i] = v;
    }
  } else if (st[0] == 1 && st[1] == 1 && st[2] == 0) {
    // PReLU's input gradient: x and dy full, the slope per channel
    const float *a = p[0], *b = p[1];
    const float c = *p[2];
    for (int64_t i = 0; i < len; i++) o[i] = ew3(a[i], b[i], c);
  } else {
    for (int64_t i = 0; i < len; i++) o[i] = ew3(p[0][i * st[0]], p[1][i * st[1]], p[2][i * st[2]]);
  }
}

template <int OP>
void ew_rows(const EwOperand *ops, int nops, int64_t outer, int64_t C, int64_t inner, float *out) {
  const int64_t rows = outer * C;
  const int64_t n = rows * inner;
  // Work units: whole rows when rows are long, else chunks of several rows.
  const int64_t CHUNK = 16384;
  if (inner >= CHUNK / 4 || rows == 1) {
    const int64_t per = (inner + CHUNK - 1) / CHUNK;  // chunks per row
    const int64_t units = rows * per;
#pragma omp parallel for schedule(static) if (n >= PAR_MIN)
    for (int64_t u = 0; u < units; u++) {
      const int64_t r = u / per, k = u % per;
      const int64_t i0 = k * CHUNK;
      const int64_t len = (i0 + CHUNK < inner ? CHUNK : inner - i0);
      run<OP>(ops, nops, r * inner + i0, r, r % C, len, out);
    }
  } else {
#pragma omp parallel for schedule(static) if (n >= PAR_MIN)
    for (int64_t r = 0; r < rows; r++) run<OP>(ops, nops, r * inner, r, r % C, inner, out);
  }
}

// A blocked activation [N, C/B, HW, B] (nChwBc) with full operands in the same layout and the others
// per channel, per row (n, c) or scalar: each (n, channel block) unit sees every non-full operand as
// B lane values repeated HW times. The same float operations on the same values as ew_rows, so the
// same bits as the plain layout.
template <int OP>
void ew_blocked(const EwOperand *ops, int nops, int64_t N, int64_t C, int64_t HW, int B, float *out) {
  const int64_t CB = C / B, units = N * CB;
#pragma omp parallel for schedule(static) if (N * C * HW >= PAR_MIN)
  for (int64_t u = 0; u < units; u++) {
    const int64_t n = u / CB, cb = u % CB, base = u * HW * B;
    float lanes[3][16];
    const float *p[3];
    int64_t step[3];  // B for a full operand (next spatial position), 0 for lane values
    for (int k = 0; k < nops; k++) {
      if (ops[k].mode == 0) {
        p[k] = ops[k].data + base;
        step[k] = B;
        continue;
      }
      for (int l = 0; l < B; l++)
        lanes[k][l] = ops[k].mode == 1   ? ops[k].data[cb * B + l]
                      : ops[k].mode == 3 ? ops[k].data[n * C + cb * B + l]
                                         : ops[k].data[0];
      p[k] = lanes[k];
      step[k] = 0;
    }
    for (int64_t h = 0; h < HW; h++) {
      float *o = out + base + h * B;
      const float *a = p[0] + h * step[0];
      if (nops == 1) {
        for (int l = 0; l < B; l++) o[l] = ew1(OP, a[l]);
      } else if (nops == 2) {
        const float *b = p[1] + h * step[1];
        for (int l = 0; l < B; l++) o[l] = ew2(OP, a[l], b[l]);
      } else {
        const float *b = p[1] + h * step[1], *c = p[2] + h * step[2];
        for (int l = 0; l < B; l++) o[l] = ew3(a[l], b[l], c[l]);
      }
    }
  }
}

}  // namespace

void elementwise_blocked(int op, const EwOperand *ops, int nops, int64_t N, int64_t C, int64_t HW, int B,
                         float *out) {
  switch (op) {
    case EW_RELU: return ew_blocked<EW_RELU>(ops, nops, N, C, HW, B, out);
    case EW_ADD: return ew_blocked<EW_ADD>(ops, nops, N, C, HW, B, out);
    case EW_SUB: return ew_blocked<EW_SUB>(ops, nops, N, C, HW, B, out);
    case EW_MUL: return ew_blocked<EW_MUL>(ops, nops, N, C, HW, B, out);
    case EW_DIV: return ew_blocked<EW_DIV>(ops, nops, N, C, HW, B, out);
    case EW_PRELU: return ew_blocked<EW_PRELU>(ops, nops, N, C, HW, B, out);
    case EW_RELU_GRAD: return ew_blocked<EW_RELU_GRAD>(ops, nops, N, C, HW, B, out);
    case EW_PRELU_SLOPE_GRAD: return ew_blocked<EW_PRELU_SLOPE_GRAD>(ops, nops, N, C, HW, B, out);
    default: return ew_blocked<EW_PRELU_INPUT_GRAD>(ops, nops, N, C, HW, B, out);
  }
}

void elementwise(int op, const EwOperand *ops, int nops, int64_t outer, int64_t C, int64_t inner, float *out) {
  switch (op) {
    case EW_RELU: return ew_rows<EW_RELU>(ops, nops, outer, C, inner, out);
    case EW_ADD: return ew_rows<EW_ADD>(ops, nops, outer, C, inner, out);
    case EW_SUB: return ew_rows<EW_SUB>(ops, nops, outer, C, inner, out);
    case EW_MUL: return ew_rows<EW_MUL>(ops, nops, outer, C, inner, out);
    case EW_DIV: return ew_rows<EW_DIV>(ops, nops, outer, C, inner, out);
    case EW_PRELU: return ew_rows<EW_PRELU>(ops, nops, outer, C, inner, out);
    case EW_RELU_GRAD: return ew_rows<EW_RELU_GRAD>(ops, nops, outer, C, inner, out);
    case EW_PRELU_SLOPE_GRAD: return ew_rows<EW_PRELU_SLOPE_GRAD>(ops, nops, outer, C, inner, out);
    default: return ew_rows<EW_PRELU_INPUT_GRAD>(ops, nops, outer, C, inner, out);
  }
}

void row_sums(const float *x, int64_t rows, int64_t cols, double *sums) {
#pragma omp parallel for schedule(static) if (rows * cols >= PAR_MIN)
  for (int64_t r = 0; r < rows; r++) {
    const float *xr = x + r * cols;
    // Eight interleaved float64 partial sums (vectorised, no add-latency chain), combined in a fixed
    // order: the result depends on the row alone, never on the thread count.
    double p[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t i = 0;
    for (; i + 8 <= cols; i += 8)
      for (int k = 0; k < 8; k++) p[k] += xr[i + k];
    for (; i < cols; i++) p[i & 7] += xr[i];
    sums[r] = ((p[0] + p[1]) + (p[2] + p[3])) + ((p[4] + p[5]) + (p[6] + p[7]));
  }
}

// A whole channel block (n, cb) at a time: its HW * B floats are contiguous, and every lane keeps
// row_sums' eight partial sums, filled in the same order (so the same bits), across all B lanes at once.
template <int B>
static void row_sums_blocked_t(const float *x, int64_t N, int64_t C, int64_t HW, double *sums) {
  const int64_t CB = C / B, units = N * CB;
#pragma omp parallel for schedule(static) if (N * C * HW >= PAR_MIN)
  for (int64_t u = 0; u < units; u++) {
    const int64_t n = u / CB, cb = u % CB;
    const float *xu = x + u * HW * B;
    double p[8][B] = {};
    int64_t i = 0;
    for (; i + 8 <= HW; i += 8)
      for (int k = 0; k < 8; k++)
        for (int l = 0; l < B; l++) p[k][l] += xu[(i + k) * B + l];
    for (; i < HW; i++)
      for (int l = 0; l < B; l++) p[i & 7][l] += xu[i * B + l];
    for (int l = 0; l < B; l++)
      sums[n * C + cb * B + l] =
          ((p[0][l] + p[1][l]) + (p[2][l] + p[3][l])) + ((p[4][l] + p[5][l]) + (p[6][l] + p[7][l]));
  }
}

void row_sums_blocked(const float *x, int64_t N, int64_t C, int64_t HW, int block, double *sums) {
  if (block == 16) row_sums_blocked_t<16>(x, N, C, HW, sums);
  else row_sums_blocked_t<8>(x, N, C, HW, sums);
}

void sgd_step(float *p, const float *g, float *v, int64_t n, float lr, float mu, float wd, bool decay,
              bool nesterov) {
#pragma omp parallel for schedule(static) if (n >= PAR_MIN)
  for (int64_t i = 0; i < n; i++) {
    const float pi = p[i];
    const float d = decay ? g[i] + pi * wd : g[i];
    const float step = d * lr;
    if (!v) {
      p[i] = pi - step;
      continue;
    }
    const float vNew = v[i] * mu - step;
    v[i] = vNew;
    p[i] = nesterov ? (pi + vNew * mu) - step : pi + vNew;
  }
}

void sum_squares(const float *x, int64_t n, double *sum, int *bad) {
  double s = 0;
  int b = 0;
  for (int64_t i = 0; i < n; i++) {
    const float v = x[i];
    s += (double)(v * v);
    if (!std::isfinite(v)) b = 1;
  }
  *sum = s;
  *bad = b;
}

}  // namespace rn
