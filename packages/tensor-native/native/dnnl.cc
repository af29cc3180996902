// Convolutions and matmul through oneDNN (the library PyTorch uses for these on x86 CPUs).
//
// Convolutions let oneDNN choose its memory formats (format_tag::any): it picks channel-blocked
// layouts (nChw8c on AVX2, nChw16c on AVX-512) for which it has direct JIT kernels. Weights and
// plain NCHW activations are reordered in and out, as PyTorch does for NCHW tensors. An activation
// may also stay blocked between kernels: the caller passes the block its array is in (0: plain) and
// may accept a blocked output, which is written in place when its layout holds exactly N*C*H*W
// elements (channels a multiple of the block); a convnet's activations then skip two reorders per
// convolution and pass. Primitives are cached here per geometry, layouts and thread count, so a
// training loop pays for JIT compilation once per shape.
#include <omp.h>

#include <cstdlib>
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

// An activation [N, C, H, W] as a JS array may hold it: block 0 plain NCHW, 8 nChw8c, 16 nChw16c.
memory::desc act_desc(const memory::dims &d, int block) {
  return memory::desc(d, dt::f32, block == 16 ? tag::nChw16c : block == 8 ? tag::nChw8c : tag::nchw);
}

// The block of the layout a primitive wants for an activation when an array of N*C*H*W elements
// can hold it as it is (no padding channels), else 0.
int holdable_block(const memory::desc &want, const memory::dims &d) {
  for (int b : {8, 16})
    if (d[1] % b == 0 && want == act_desc(d, b)) return b;
  return 0;
}

struct ConvDescs {
  memory::dims xd, yd;  // activations: their user layouts come from act_desc
  memory::desc w, b;     // plain (user) layouts
  memory::desc xa, wa, ya;  // format_tag::any
  memory::dims strides, dilates, padL, padR;
};

ConvDescs conv_descs(const ConvGeom &g) {
  ConvDescs d;
  const memory::dims xd = {g.N, g.C, g.H, g.W};
  const memory::dims yd = {g.N, g.O, g.OH, g.OW};
  d.xd = xd;
  d.yd = yd;
  memory::dims wd;
  tag wt;
  if (g.groups == 1) {
    wd = {g.O, g.C, g.KH, g.KW};
    wt = tag::oihw;
  } else {
    wd = {g.groups, g.O / g.groups, g.C / g.groups, g.KH, g.KW};
    wt = tag::goihw;
  }
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

// Reusable buffers for the reordered operands, the output in oneDNN's layout and the primitive's
// scratchpad: grown when a call needs more, never freed. Fresh multi-megabyte allocations per call
// would cost page faults and zeroing on every convolution (measured: about 10% of a 3x3 conv).
class Arena {
 public:
  void *get(int slot, size_t bytes) {
    Buf &b = bufs_[slot];
    if (b.size < bytes) {
      std::free(b.ptr);
      b.size = (bytes + 4095) / 4096 * 4096;
      b.ptr = std::aligned_alloc(64, b.size);
      if (!b.ptr) throw std::bad_alloc();
    }
    return b.ptr;
  }

 private:
  struct Buf {
    void *ptr = nullptr;
    size_t size = 0;
  };
  Buf bufs_[4];
};
Arena &arena() {
  static Arena a;
  return a;
}
enum Slot { IN0 = 0, IN1 = 1, OUT = 2, SCRATCH = 3 };

// One operand of a cached primitive: the user's plain layout, the one the primitive wants, and the
// reorder between them when they differ.
struct Operand {
  memory::desc user, want;
  int arg = 0;
  bool reordered = false;
  reorder r;
  void init(const memory::desc &u, const memory::desc &w, int argId, bool isOutput) {
    user = u;
    want = w;
    arg = argId;
    reordered = !(u == w);
    if (reordered) r = isOutput ? reorder(reorder::primitive_desc(eng(), w, eng(), u))
                                : reorder(reorder::primitive_desc(eng(), u, eng(), w));
  }
};

// A primitive with its two inputs, its output and its scratchpad, built once per geometry.
struct Cached {
  primitive prim;
  Operand in[2], out;
  memory::desc scratchpad;
  bool hasBias = false;
  memory::desc bias;
  int outBlock = 0;  // the block the output is written in (0: plain)
};

void run(const Cached &c, const float *in0, const float *in1, float *outPtr, const float *bias) {
  std::unordered_map<int, memory> args;
  const float *ins[2] = {in0, in1};
  for (int k = 0; k < 2; k++) {
    const Operand &o = c.in[k];
    memory um(o.user, eng(), const_cast<float *>(ins[k]));
    if (!o.reordered) {
      args[o.arg] = um;
      continue;
    }
    memory m(o.want, eng(), arena().get(k == 0 ? IN0 : IN1, o.want.get_size()));
    o.r.execute(strm(), {{DNNL_ARG_FROM, um}, {DNNL_ARG_TO, m}});
    args[o.arg] = m;
  }
  memory uo(c.out.user, eng(), outPtr);
  memory mo = c.out.reordered ? memory(c.out.want, eng(), arena().get(OUT, c.out.want.get_size())) : uo;
  args[c.out.arg] = mo;
  if (c.hasBias) args[DNNL_ARG_BIAS] = memory(c.bias, eng(), const_cast<float *>(bias));
  if (c.scratchpad.get_size() > 0)
    args[DNNL_ARG_SCRATCHPAD] = memory(c.scratchpad, eng(), arena().get(SCRATCH, c.scratchpad.get_size()));
  c.prim.execute(strm(), args);
  if (c.out.reordered) c.out.r.execute(strm(), {{DNNL_ARG_FROM, mo}, {DNNL_ARG_TO, uo}});
}

// Primitives by pass, geometry and thread count (oneDNN fixes a primitive's thread partition when it
// is created). Bounded: a program that cycles through many shapes rebuilds instead of growing.
std::unordered_map<std::string, Cached> &cache() {
  static std::unordered_map<std::string, Cached> c;
  return c;
}
const size_t CACHE_MAX = 512;

std::string key(const char *pass, const ConvGeom &g, bool bias, const ActLayouts &l) {
  std::string k = pass;
  const int64_t *f = &g.N;
  for (int i = 0; i < 16; i++) k += "," + std::to_string(f[i]);
  k += ",l" + std::to_string(l.in0) + "." + std::to_string(l.in1) + "." + std::to_string(l.blockedOut);
  return k + (bias ? ",b" : "") + ",t" + std::to_string(omp_get_max_threads());
}

template <typename Build>
const Cached &cached(const std::string &k, Build build) {
  auto &c = cache();
  auto it = c.find(k);
  if (it != c.end()) return it->second;
  if (c.size() >= CACHE_MAX) c.clear();
  return c.emplace(k, build()).first->second;
}

primitive_attr userScratchpad() {
  primitive_attr a;
  a.set_scratchpad_mode(scratchpad_mode::user);
  return a;
}

// The primitive cache and the arena are process-wide: calls from several JS threads (worker_threads
// each loading the addon) take turns. Within one thread calls are sequential anyway.
std::mutex &lock() {
  static std::mutex m;
  return m;
}

template <typename F>
void guarded(const char *what, F f) {
  std::lock_guard<std::mutex> hold(lock());
  try {
    f();
    strm().wait();
  } catch (const dnnl::error &e) {
    throw std::runtime_error(std::string(what) + ": oneDNN: " + e.what());
  }
}

}  // namespace

int conv2d_forward(const float *x, const float *w, const float *bias, float *y, const ConvGeom &g,
                   const ActLayouts &l) {
  int outBlock = 0;
  guarded("conv2d", [&] {
    const Cached &c = cached(key("fwd", g, bias != nullptr, l), [&] {
      const ConvDescs d = conv_descs(g);
      auto desc = bias ? convolution_forward::desc(prop_kind::forward_training, algorithm::convolution_direct, d.xa,
                                                   d.wa, d.b, d.ya, d.strides, d.dilates, d.padL, d.padR)
                       : convolution_forward::desc(prop_kind::forward_training, algorithm::convolution_direct, d.xa,
                                                   d.wa, d.ya, d.strides, d.dilates, d.padL, d.padR);
      convolution_forward::primitive_desc pd(desc, userScratchpad(), eng());
      Cached e;
      e.prim = convolution_forward(pd);
      e.in[0].init(act_desc(d.xd, l.in0), pd.src_desc(), DNNL_ARG_SRC, false);
      e.in[1].init(d.w, pd.weights_desc(), DNNL_ARG_WEIGHTS, false);
      e.outBlock = l.blockedOut ? holdable_block(pd.dst_desc(), d.yd) : 0;
      e.out.init(act_desc(d.yd, e.outBlock), pd.dst_desc(), DNNL_ARG_DST, true);
      e.scratchpad = pd.scratchpad_desc();
      e.hasBias = bias != nullptr;
      e.bias = d.b;
      return e;
    });
    run(c, x, w, y, bias);
    outBlock = c.outBlock;
  });
  return outBlock;
}

int conv2d_backward_input(const float *dy, const float *w, float *dx, const ConvGeom &g, const ActLayouts &l) {
  int outBlock = 0;
  guarded("conv2dBackwardInput", [&] {
    const Cached &c = cached(key("bwd_data", g, false, l), [&] {
      const ConvDescs d = conv_descs(g);
      auto hint = fwd_pd(d, false);
      auto desc = convolution_backward_data::desc(algorithm::convolution_direct, d.xa, d.wa, d.ya, d.strides,
                                                  d.dilates, d.padL, d.padR);
      convolution_backward_data::primitive_desc pd(desc, userScratchpad(), eng(), hint);
      Cached e;
      e.prim = convolution_backward_data(pd);
      e.in[0].init(act_desc(d.yd, l.in0), pd.diff_dst_desc(), DNNL_ARG_DIFF_DST, false);
      e.in[1].init(d.w, pd.weights_desc(), DNNL_ARG_WEIGHTS, false);
      e.outBlock = l.blockedOut ? holdable_block(pd.diff_src_desc(), d.xd) : 0;
      e.out.init(act_desc(d.xd, e.outBlock), pd.diff_src_desc(), DNNL_ARG_DIFF_SRC, true);
      e.scratchpad = pd.scratchpad_desc();
      return e;
    });
    run(c, dy, w, dx, nullptr);
    outBlock = c.outBlock;
  });
  return outBlock;
}

void conv2d_backward_weight(const float *x, const float *dy, float *dw, const ConvGeom &g, const ActLayouts &l) {
  guarded("conv2dBackwardWeight", [&] {
    const Cached &c = cached(key("bwd_weights", g, false, l), [&] {
      const ConvDescs d = conv_descs(g);
      auto hint = fwd_pd(d, false);
      auto desc = convolution_backward_weights::desc(algorithm::convolution_direct, d.xa, d.wa, d.ya, d.strides,
                                                     d.dilates, d.padL, d.padR);
      convolution_backward_weights::primitive_desc pd(desc, userScratchpad(), eng(), hint);
      Cached e;
      e.prim = convolution_backward_weights(pd);
      e.in[0].init(act_desc(d.xd, l.in0), pd.src_desc(), DNNL_ARG_SRC, false);
      e.in[1].init(act_desc(d.yd, l.in1), pd.diff_dst_desc(), DNNL_ARG_DIFF_DST, false);
      e.out.init(d.w, pd.diff_weights_desc(), DNNL_ARG_DIFF_WEIGHTS, true);
      e.scratchpad = pd.scratchpad_desc();
      return e;
    });
    run(c, x, dy, dw, nullptr);
  });
}

// Reorders an activation between plain NCHW and nChwBc, with a cached reorder primitive.
static void reorder_act(const char *what, const float *from, float *to, int fromBlock, int toBlock, int64_t N,
                        int64_t C, int64_t H, int64_t W) {
  guarded(what, [&] {
    const memory::dims d = {N, C, H, W};
    std::string k = std::string("reorder,") + std::to_string(fromBlock) + "," + std::to_string(toBlock);
    for (int64_t v : d) k += "," + std::to_string(v);
    k += ",t" + std::to_string(omp_get_max_threads());
    const Cached &c = cached(k, [&] {
      Cached e;
      e.prim = reorder(reorder::primitive_desc(eng(), act_desc(d, fromBlock), eng(), act_desc(d, toBlock)));
      e.in[0].user = act_desc(d, fromBlock);
      e.out.user = act_desc(d, toBlock);
      return e;
    });
    c.prim.execute(strm(), {{DNNL_ARG_FROM, memory(c.in[0].user, eng(), const_cast<float *>(from))},
                            {DNNL_ARG_TO, memory(c.out.user, eng(), to)}});
  });
}

void to_plain(const float *from, float *to, int block, int64_t N, int64_t C, int64_t H, int64_t W) {
  reorder_act("toPlain", from, to, block, 0, N, C, H, W);
}

void to_blocked(const float *from, float *to, int block, int64_t N, int64_t C, int64_t H, int64_t W) {
  reorder_act("toBlocked", from, to, 0, block, N, C, H, W);
}

void matmul(int64_t B, int64_t M, int64_t N, int64_t K, const float *a, const int64_t as[3], const float *b,
            const int64_t bs[3], float *out) {
  guarded("matmul", [&] {
    std::string k = "matmul";
    for (int64_t v : {B, M, N, K, as[0], as[1], as[2], bs[0], bs[1], bs[2]}) k += "," + std::to_string(v);
    k += ",t" + std::to_string(omp_get_max_threads());
    struct MatmulEntry {
      dnnl::matmul prim;
      memory::desc a, b, c, scratchpad;
    };
    static std::unordered_map<std::string, MatmulEntry> entries;
    auto it = entries.find(k);
    if (it == entries.end()) {
      if (entries.size() >= CACHE_MAX) entries.clear();
      // A batch stride of 0 is a broadcast operand: oneDNN's matmul broadcasts a batch dimension of 1.
      const memory::dims ad = {as[0] == 0 ? 1 : B, M, K};
      const memory::dims bd = {bs[0] == 0 ? 1 : B, K, N};
      const memory::dims astr = {as[0] == 0 ? M * K : as[0], as[1], as[2]};
      const memory::dims bstr = {bs[0] == 0 ? K * N : bs[0], bs[1], bs[2]};
      MatmulEntry e;
      e.a = memory::desc(ad, dt::f32, astr);
      e.b = memory::desc(bd, dt::f32, bstr);
      e.c = memory::desc({B, M, N}, dt::f32, tag::abc);
      dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(e.a, e.b, e.c), userScratchpad(), eng());
      e.prim = dnnl::matmul(pd);
      e.scratchpad = pd.scratchpad_desc();
      it = entries.emplace(k, e).first;
    }
    const MatmulEntry &e = it->second;
    std::unordered_map<int, memory> args = {{DNNL_ARG_SRC, memory(e.a, eng(), const_cast<float *>(a))},
                                            {DNNL_ARG_WEIGHTS, memory(e.b, eng(), const_cast<float *>(b))},
                                            {DNNL_ARG_DST, memory(e.c, eng(), out)}};
    if (e.scratchpad.get_size() > 0)
      args[DNNL_ARG_SCRATCHPAD] = memory(e.scratchpad, eng(), arena().get(SCRATCH, e.scratchpad.get_size()));
    e.prim.execute(strm(), args);
  });
}

}  // namespace rn
