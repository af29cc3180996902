// Convolutions and matmul through oneDNN (the library PyTorch uses for these on x86 CPUs).
//
// Convolutions let oneDNN choose its memory formats (format_tag::any): on AVX-512 it picks blocked
// layouts (nChw16c and friends) for which it has direct JIT kernels, and the plain NCHW / OIHW arrays
// that JavaScript owns are reordered in and out, as PyTorch does for NCHW tensors. Primitives are
// cached by oneDNN itself (its primitive cache is keyed by the descriptor and the thread count), so
// a training loop pays for JIT compilation once per shape.
#include <omp.h>

#include <mutex>
#include <stdexcept>
#include <unordered_map>

#include "dnnl.hpp"
#include "kernels.h"

namespace rn {
using namespace dnnl;
using tag = memory::format_tag;
using dt = memory::data_type;

static engine &eng() {
  static engine e(engine::kind::cpu, 0);
  return e;
}
static stream &strm() {
  static stream s(eng());
  return s;
}

void set_threads(int n) { omp_set_num_threads(n); }
int max_threads() { return omp_get_max_threads(); }

std::string onednn_version() {
  const dnnl_version_t *v = ::dnnl_version();
  return std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch);
}

std::string dnnl_isa() {
  switch (get_effective_cpu_isa()) {
    case cpu_isa::sse41: return "sse41";
    case cpu_isa::avx: return "avx";
    case cpu_isa::avx2: return "avx2";
    case cpu_isa::avx512_core: return "avx512_core";
    case cpu_isa::avx512_core_vnni: return "avx512_core_vnni";
    case cpu_isa::avx512_core_bf16: return "avx512_core_bf16";
    case cpu_isa::avx512_core_amx: return "avx512_core_amx";
    case cpu_isa::avx2_vnni: return "avx2_vnni";
    default: return "other";
  }
}

namespace {

struct ConvDescs {
  memory::desc x, w, y, b;  // plain (user) layouts
  memory::desc xa, wa, ya;  // format_tag::any
  memory::dims strides, dilates, padL, padR;
};

ConvDescs conv_descs(const ConvGeom &g) {
  ConvDescs d;
  const memory::dims xd = {g.N, g.C, g.H, g.W};
  const memory::dims yd = {g.N, g.O, g.OH, g.OW};
  memory::dims wd;
  tag wt;
  if (g.groups == 1) {
    wd = {g.O, g.C, g.KH, g.KW};
    wt = tag::oihw;
  } else {
    wd = {g.groups, g.O / g.groups, g.C / g.groups, g.KH, g.KW};
    wt = tag::goihw;
  }
  d.x = memory::desc(xd, dt::f32, tag::nchw);
  d.y = memory::desc(yd, dt::f32, tag::nchw);
  d.w = memory::desc(wd, dt::f32, wt);
  d.b = memory::desc({g.O}, dt::f32, tag::x);
  d.xa = memory::desc(xd, dt::f32, tag::any);
  d.ya = memory::desc(yd, dt::f32, tag::any);
  d.wa = memory::desc(wd, dt::f32, tag::any);
  d.strides = {g.sH, g.sW};
  // oneDNN counts dilation from 0 (1 = one gap), PyTorch from 1.
  d.dilates = {g.dH - 1, g.dW - 1};
  d.padL = {g.pH, g.pW};
  // The right/bottom padding that makes oneDNN's output size equal OH x OW (may be negative when the
  // last window stops short of the input's end, which oneDNN accepts).
  d.padR = {(g.OH - 1) * g.sH + (g.KH - 1) * g.dH + 1 - g.H - g.pH,
            (g.OW - 1) * g.sW + (g.KW - 1) * g.dW + 1 - g.W - g.pW};
  return d;
}

convolution_forward::primitive_desc fwd_pd(const ConvDescs &d, bool bias) {
  auto desc = bias ? convolution_forward::desc(prop_kind::forward_training, algorithm::convolution_direct, d.xa,
                                               d.wa, d.b, d.ya, d.strides, d.dilates, d.padL, d.padR)
                   : convolution_forward::desc(prop_kind::forward_training, algorithm::convolution_direct, d.xa,
                                               d.wa, d.ya, d.strides, d.dilates, d.padL, d.padR);
  return convolution_forward::primitive_desc(desc, eng());
}

// A memory in the layout `want`: the user's array itself, or a reordered copy of it.
memory input(const memory::desc &user, const memory::desc &want, const float *ptr) {
  memory um(user, eng(), const_cast<float *>(ptr));
  if (want == user) return um;
  memory m(want, eng());
  reorder(um, m).execute(strm(), um, m);
  return m;
}

// A memory for an output in layout `want`, and a finisher that copies it into the user's array.
struct Output {
  memory mem, user;
  void finish() {
    if (mem.get_desc() != user.get_desc()) reorder(mem, user).execute(strm(), mem, user);
  }
};
Output output(const memory::desc &user, const memory::desc &want, float *ptr) {
  memory um(user, eng(), ptr);
  if (want == user) return {um, um};
  return {memory(want, eng()), um};
}

template <typename F>
void guarded(const char *what, F f) {
  try {
    f();
    strm().wait();
  } catch (const dnnl::error &e) {
    throw std::runtime_error(std::string(what) + ": oneDNN: " + e.what());
  }
}

}  // namespace

void conv2d_forward(const float *x, const float *w, const float *bias, float *y, const ConvGeom &g) {
  guarded("conv2d", [&] {
    const ConvDescs d = conv_descs(g);
    auto pd = fwd_pd(d, bias != nullptr);
    memory xm = input(d.x, pd.src_desc(), x);
    memory wm = input(d.w, pd.weights_desc(), w);
    Output ym = output(d.y, pd.dst_desc(), y);
    std::unordered_map<int, memory> args = {{DNNL_ARG_SRC, xm}, {DNNL_ARG_WEIGHTS, wm}, {DNNL_ARG_DST, ym.mem}};
    if (bias) args[DNNL_ARG_BIAS] = memory(d.b, eng(), const_cast<float *>(bias));
    convolution_forward(pd).execute(strm(), args);
    ym.finish();
  });
}

void conv2d_backward_input(const float *dy, const float *w, float *dx, const ConvGeom &g) {
  guarded("conv2dBackwardInput", [&] {
    const ConvDescs d = conv_descs(g);
    auto hint = fwd_pd(d, false);
    auto desc = convolution_backward_data::desc(algorithm::convolution_direct, d.xa, d.wa, d.ya, d.strides,
                                                d.dilates, d.padL, d.padR);
    convolution_backward_data::primitive_desc pd(desc, eng(), hint);
    memory dym = input(d.y, pd.diff_dst_desc(), dy);
    memory wm = input(d.w, pd.weights_desc(), w);
    Output dxm = output(d.x, pd.diff_src_desc(), dx);
    convolution_backward_data(pd).execute(
        strm(), {{DNNL_ARG_DIFF_DST, dym}, {DNNL_ARG_WEIGHTS, wm}, {DNNL_ARG_DIFF_SRC, dxm.mem}});
    dxm.finish();
  });
}

void conv2d_backward_weight(const float *x, const float *dy, float *dw, const ConvGeom &g) {
  guarded("conv2dBackwardWeight", [&] {
    const ConvDescs d = conv_descs(g);
    auto hint = fwd_pd(d, false);
    auto desc = convolution_backward_weights::desc(algorithm::convolution_direct, d.xa, d.wa, d.ya, d.strides,
                                                   d.dilates, d.padL, d.padR);
    convolution_backward_weights::primitive_desc pd(desc, eng(), hint);
    memory xm = input(d.x, pd.src_desc(), x);
    memory dym = input(d.y, pd.diff_dst_desc(), dy);
    Output dwm = output(d.w, pd.diff_weights_desc(), dw);
    convolution_backward_weights(pd).execute(
        strm(), {{DNNL_ARG_SRC, xm}, {DNNL_ARG_DIFF_DST, dym}, {DNNL_ARG_DIFF_WEIGHTS, dwm.mem}});
    dwm.finish();
  });
}

void matmul(int64_t B, int64_t M, int64_t N, int64_t K, const float *a, const int64_t as[3], const float *b,
            const int64_t bs[3], float *out) {
  guarded("matmul", [&] {
    // A batch stride of 0 is a broadcast operand: oneDNN's matmul broadcasts a batch dimension of 1.
    const memory::dims ad = {as[0] == 0 ? 1 : B, M, K};
    const memory::dims bd = {bs[0] == 0 ? 1 : B, K, N};
    const memory::dims astr = {as[0] == 0 ? M * K : as[0], as[1], as[2]};
    const memory::dims bstr = {bs[0] == 0 ? K * N : bs[0], bs[1], bs[2]};
    memory::desc amd(ad, dt::f32, astr);
    memory::desc bmd(bd, dt::f32, bstr);
    memory::desc cmd({B, M, N}, dt::f32, tag::abc);
    matmul::primitive_desc pd(matmul::desc(amd, bmd, cmd), eng());
    memory am(amd, eng(), const_cast<float *>(a));
    memory bm(bmd, eng(), const_cast<float *>(b));
    memory cm(cmd, eng(), out);
    dnnl::matmul(pd).execute(strm(), {{DNNL_ARG_SRC, am}, {DNNL_ARG_WEIGHTS, bm}, {DNNL_ARG_DST, cm}});
  });
}

}  // namespace rn
