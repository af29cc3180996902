// The native kernels behind @rectifier/tensor-native. Every function works on host float32 (or int32)
// arrays that JavaScript owns (typed arrays of the CPU backend's storages), row-major, contiguous
// unless strides are given. Convolutions and matmul run oneDNN; pooling, elementwise passes,
// reductions and the fused SGD step are plain loops here, parallelised with OpenMP over fixed
// chunks so that a result never depends on which thread computed which chunk.
#pragma once
#include <cstdint>
#include <string>

namespace rn {

struct ConvGeom {
  int64_t N, C, H, W, O, KH, KW, OH, OW, sH, sW, pH, pW, dH, dW, groups;
};

struct PoolGeom {
  int64_t N, C, H, W, OH, OW;
  const int32_t *hStart, *hEnd, *wStart, *wEnd, *hCount, *wCount;
};

// Threads every kernel uses (OpenMP, oneDNN's runtime here). Set before each call by the JS side.
void set_threads(int n);
int max_threads();
std::string onednn_version();
// The ISA oneDNN dispatches to (e.g. "avx512_core"), from its CPU detection.
std::string dnnl_isa();

// The layouts of a convolution's activation operands (weights are always plain OIHW): the block of
// each input activation (0 plain NCHW, 8 nChw8c, 16 nChw16c; forward: in0 = x; backward-input:
// in0 = dy; backward-weight: in0 = x, in1 = dy) and whether the output may be written blocked.
struct ActLayouts {
  int in0 = 0, in1 = 0;
  bool blockedOut = false;
};

// oneDNN-backed; throw std::runtime_error with oneDNN's message when a primitive is unsupported.
// The forward and backward-input passes return the block their output was written in (0: plain).
int conv2d_forward(const float *x, const float *w, const float *bias, float *y, const ConvGeom &g,
                   const ActLayouts &l);
int conv2d_backward_input(const float *dy, const float *w, float *dx, const ConvGeom &g, const ActLayouts &l);
void conv2d_backward_weight(const float *x, const float *dy, float *dw, const ConvGeom &g, const ActLayouts &l);
// A blocked activation [N, C, H, W] (block 8 or 16) written to `to` in plain NCHW order.
void to_plain(const float *from, float *to, int block, int64_t N, int64_t C, int64_t H, int64_t W);
// A plain NCHW activation written to `to` as nChwBc.
void to_blocked(const float *from, float *to, int block, int64_t N, int64_t C, int64_t H, int64_t W);
// a [B?,M,K] b [B?,K,N] with element strides (batch stride 0 = broadcast); out [B,M,N] contiguous.
void matmul(int64_t B, int64_t M, int64_t N, int64_t K, const float *a, const int64_t as[3], const float *b,
            const int64_t bs[3], float *out);

void max_pool_forward(const float *x, float *y, int32_t *argmax, const PoolGeom &p);
void max_pool_backward(const float *dy, const int32_t *argmax, float *dx, const PoolGeom &p);
// The same on blocked activations (nChwBc, B = 8 or 16): x / y and dy / dx blocked, argmax plain.
void max_pool_forward_blocked(const float *x, float *y, int32_t *argmax, const PoolGeom &p, int B);
void max_pool_backward_blocked(const float *dy, const int32_t *argmax, float *dx, const PoolGeom &p, int B);
void avg_pool_forward(const float *x, float *y, const PoolGeom &p);
void avg_pool_backward(const float *dy, float *dx, const PoolGeom &p);

// Elementwise over rows: every operand is full ([outer, C, inner] contiguous), per-channel ([C]), a
// scalar or per-row ([outer * C], constant along a row). mode: 0 full, 1 channel, 2 scalar, 3 row.
enum Ew {
  EW_RELU = 0,
  EW_ADD,
  EW_SUB,
  EW_MUL,
  EW_DIV,
  EW_PRELU,
  EW_RELU_GRAD,
  EW_PRELU_SLOPE_GRAD,
  EW_PRELU_INPUT_GRAD,
};
struct EwOperand {
  const float *data;
  int mode;
};
void elementwise(int op, const EwOperand *ops, int nops, int64_t outer, int64_t C, int64_t inner, float *out);
// The same over a blocked activation [N, C, HW] (nChwBc, B = 8 or 16): full operands and the output
// in that layout, the others per channel ([C]), per row ([N * C]) or scalar, in plain order.
void elementwise_blocked(int op, const EwOperand *ops, int nops, int64_t N, int64_t C, int64_t HW, int B,
                         float *out);

// sums[r] = sum of row r (float64 accumulation, rounded to float32 once), rows of `cols` elements.
void row_sums(const float *x, int64_t rows, int64_t cols, double *sums);
// The same sums of the rows (n, c) of a blocked activation [N, C, HW] (block 8 or 16): the same
// additions in the same order as row_sums over its plain NCHW form, so the same bits.
void row_sums_blocked(const float *x, int64_t N, int64_t C, int64_t HW, int block, double *sums);

// One tensor of the fused SGD step (see Backend.sgdStep); float32 rounding after every operation.
void sgd_step(float *p, const float *g, float *v, int64_t n, float lr, float mu, float wd, bool decay,
              bool nesterov);
// sum of float32-rounded squares in float64 (sequential order, as the CPU backend) and a non-finite flag.
void sum_squares(const float *x, int64_t n, double *sum, int *bad);

}  // namespace rn
