// Node-API glue: unpacks typed arrays (zero-copy: the kernels read and write JavaScript's memory)
// and numbers, runs one kernel on the calling thread (plus OpenMP workers) and turns C++ exceptions
// into JavaScript errors. Node-API only (NAPI_VERSION 8), so one binary loads in every Node >= 20.
#define NAPI_VERSION 8
#include <node_api.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "kernels.h"

namespace {

struct JsError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

#define CHECK(call)                                                 \
  do {                                                              \
    if ((call) != napi_ok) throw JsError("tensor-native: " #call); \
  } while (0)

template <typename T, napi_typedarray_type K>
T *typed(napi_env env, napi_value v, size_t offset, size_t need, const char *name) {
  bool is = false;
  CHECK(napi_is_typedarray(env, v, &is));
  if (!is) throw JsError(std::string("tensor-native: ") + name + " must be a typed array");
  napi_typedarray_type type;
  size_t length;
  void *data;
  CHECK(napi_get_typedarray_info(env, v, &type, &length, &data, nullptr, nullptr));
  if (type != K) throw JsError(std::string("tensor-native: ") + name + " has the wrong element type");
  if (offset + need > length)
    throw JsError(std::string("tensor-native: ") + name + " holds " + std::to_string(length) +
                  " elements, the kernel needs " + std::to_string(offset + need));
  return static_cast<T *>(data) + offset;
}
float *f32(napi_env env, napi_value v, double offset, double need, const char *name) {
  return typed<float, napi_float32_array>(env, v, (size_t)offset, (size_t)need, name);
}
int32_t *i32(napi_env env, napi_value v, double need, const char *name) {
  return typed<int32_t, napi_int32_array>(env, v, 0, (size_t)need, name);
}
double *f64(napi_env env, napi_value v, double need, const char *name) {
  return typed<double, napi_float64_array>(env, v, 0, (size_t)need, name);
}

double num(napi_env env, napi_value v) {
  double d;
  CHECK(napi_get_value_double(env, v, &d));
  return d;
}
bool isNull(napi_env env, napi_value v) {
  napi_valuetype t;
  CHECK(napi_typeof(env, v, &t));
  return t == napi_null || t == napi_undefined;
}

std::vector<napi_value> args(napi_env env, napi_callback_info info, size_t n) {
  std::vector<napi_value> a(n);
  size_t got = n;
  CHECK(napi_get_cb_info(env, info, &got, a.data(), nullptr, nullptr));
  if (got < n) throw JsError("tensor-native: expected " + std::to_string(n) + " arguments");
  return a;
}

// Geometry as a Float64Array of 16 numbers, in ConvGeom's field order.
rn::ConvGeom convGeom(napi_env env, napi_value v) {
  const double *d = f64(env, v, 16, "geometry");
  rn::ConvGeom g;
  int64_t *f = &g.N;
  for (int i = 0; i < 16; i++) f[i] = (int64_t)d[i];
  return g;
}

// Pool geometry: Float64Array [N, C, H, W, OH, OW] and six Int32Arrays of windows.
rn::PoolGeom poolGeom(napi_env env, const std::vector<napi_value> &a, size_t at) {
  const double *d = f64(env, a[at], 6, "pool geometry");
  rn::PoolGeom p;
  p.N = (int64_t)d[0], p.C = (int64_t)d[1], p.H = (int64_t)d[2], p.W = (int64_t)d[3];
  p.OH = (int64_t)d[4], p.OW = (int64_t)d[5];
  p.hStart = i32(env, a[at + 1], p.OH, "hStart");
  p.hEnd = i32(env, a[at + 2], p.OH, "hEnd");
  p.wStart = i32(env, a[at + 3], p.OW, "wStart");
  p.wEnd = i32(env, a[at + 4], p.OW, "wEnd");
  p.hCount = i32(env, a[at + 5], p.OH, "hCount");
  p.wCount = i32(env, a[at + 6], p.OW, "wCount");
  return p;
}

template <typename F>
napi_value wrap(napi_env env, F f) {
  try {
    return f();
  } catch (const std::exception &e) {
    napi_throw_error(env, nullptr, e.what());
    return nullptr;
  }
}

napi_value undef(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

// setThreads(n)
napi_value SetThreads(napi_env env, napi_callback_info info) {
  return wrap(env, [&] {
    auto a = args(env, info, 1);
    rn::set_threads((int)num(env, a[0]));
    return undef(env);
  });
}

// info() -> { onednn, isa, maxThreads }
napi_value Info(napi_env env, napi_callback_info) {
  return wrap(env, [&] {
    napi_value o, v;
    CHECK(napi_create_object(env, &o));
    const std::string ver = rn::onednn_version(), isa = rn::dnnl_isa();
    CHECK(napi_create_string_utf8(env, ver.c_str(), ver.size(), &v));
    CHECK(napi_set_named_property(env, o, "onednn", v));
    CHECK(napi_create_string_utf8(env, isa.c_str(), isa.size(), &v));
    CHECK(napi_set_named_property(env, o, "isa", v));
    CHECK(napi_create_int32(env, rn::max_threads(), &v));
    CHECK(napi_set_named_property(env, o, "maxThreads", v));
    return o;
  });
}

// An activation's block (0 plain, 8 or 16) as the JS side passes it.
int block(napi_env env, napi_value v) {
  const double b = num(env, v);
  if (b != 0 && b != 8 && b != 16) throw JsError("tensor-native: an activation block must be 0, 8 or 16");
  return (int)b;
}
bool flag(napi_env env, napi_value v) {
  bool b;
  CHECK(napi_get_value_bool(env, v, &b));
  return b;
}
napi_value number(napi_env env, double d) {
  napi_value r;
  CHECK(napi_create_double(env, d, &r));
  return r;
}

// conv2d(x, xOff, w, wOff, bias | null, bOff, y, geometry, xBlock, blockedOut) -> y's block
napi_value Conv2d(napi_env env, napi_callback_info info) {
  return wrap(env, [&] {
    auto a = args(env, info, 10);
    const rn::ConvGeom g = convGeom(env, a[7]);
    const float *x = f32(env, a[0], num(env, a[1]), g.N * g.C * g.H * g.W, "x");
    const float *w = f32(env, a[2], num(env, a[3]), g.O * (g.C / g.groups) * g.KH * g.KW, "w");
    const float *b = isNull(env, a[4]) ? nullptr : f32(env, a[4], num(env, a[5]), g.O, "bias");
    float *y = f32(env, a[6], 0, g.N * g.O * g.OH * g.OW, "y");
    rn::ActLayouts l;
    l.in0 = block(env, a[8]);
    l.blockedOut = flag(env, a[9]);
    return number(env, rn::conv2d_forward(x, w, b, y, g, l));
  });
}

// conv2dBackwardInput(dy, dyOff, w, wOff, dx, geometry, dyBlock, blockedOut) -> dx's block
napi_value Conv2dBackwardInput(napi_env env, napi_callback_info info) {
  return wrap(env, [&] {
    auto a = args(env, info, 8);
    const rn::ConvGeom g = convGeom(env, a[5]);
    const float *dy = f32(env, a[0], num(env, a[1]), g.N * g.O * g.OH * g.OW, "dy");
    const float *w = f32(env, a[2], num(env, a[3]), g.O * (g.C / g.groups) * g.KH * g.KW, "w");
    float *dx = f32(env, a[4], 0, g.N * g.C * g.H * g.W, "dx");
    rn::ActLayouts l;
    l.in0 = block(env, a[6]);
    l.blockedOut = flag(env, a[7]);
    return number(env, rn::conv2d_backward_input(dy, w, dx, g, l));
  });
}

// conv2dBackwardWeight(x, xOff, dy, dyOff, dw, geometry, xBlock, dyBlock)
napi_value Conv2dBackwardWeight(napi_env env, napi_callback_info info) {
  return wrap(env, [&] {
    auto a = args(env, info, 8);
    const rn::ConvGeom g = convGeom(env, a[5]);
    const float *x = f32(env, a[0], num(env, a[1]), g.N * g.C * g.H * g.W, "x");
    const float *dy = f32(env, a[2], num(env, a[3]), g.N * g.O * g.OH * g.OW, "dy");
    float *dw = f32(env, a[4], 0, g.O * (g.C / g.groups) * g.KH * g.KW, "dw");
    rn::ActLayouts l;
    l.in0 = block(env, a[6]);
    l.in1 = block(env, a[7]);
    rn::conv2d_backward_weight(x, dy, dw, g, l);
    return undef(env);
  });
}

// toPlain(from, fromOff, to, toOff, block, dims: Float64Array [N, C, H, W]): a blocked activation to plain
// NCHW; toBlocked: the other way.
napi_value Reorder(napi_env env, napi_callback_info info, bool toPlain) {
  return wrap(env, [&] {
    auto a = args(env, info, 6);
    const double *d = f64(env, a[5], 4, "dims");
    const int b = block(env, a[4]);
    const double n = d[0] * d[1] * d[2] * d[3];
    if (b == 0 || (int64_t)d[1] % b != 0) throw JsError("reorder: channels must be a multiple of the block");
    const float *from = f32(env, a[0], num(env, a[1]), n, "from");
    float *to = f32(env, a[2], num(env, a[3]), n, "to");
    const int64_t N = (int64_t)d[0], C = (int64_t)d[1], H = (int64_t)d[2], W = (int64_t)d[3];
    if (toPlain) rn::to_plain(from, to, b, N, C, H, W);
    else rn::to_blocked(from, to, b, N, C, H, W);
    return undef(env);
  });
}
napi_value ToPlain(napi_env env, napi_callback_info info) { return Reorder(env, info, true); }
napi_value ToBlocked(napi_env env, napi_callback_info info) { return Reorder(env, info, false); }

// Elements a strided [B, R, Cc] view reaches past its offset (strides >= 0).
double span(int64_t B, int64_t R, int64_t Cc, const int64_t s[3]) {
  return (double)((B - 1) * s[0] + (R - 1) * s[1] + (Cc - 1) * s[2] + 1);
}

// matmul(a, aOff, aStrides: Float64Array[3], b, bOff, bStrides, out, dims: Float64Array [B, M, N, K])
napi_value Matmul(napi_env env, napi_callback_info info) {
  return wrap(env, [&] {
    auto a = args(env, info, 8);
    const double *d = f64(env, a[7], 4, "dims");
    const int64_t B = (int64_t)d[0], M = (int64_t)d[1], N = (int64_t)d[2], K = (int64_t)d[3];
    const double *asd = f64(env, a[2], 3, "aStrides");
    const double *bsd = f64(env, a[5], 3, "bStrides");
    const int64_t as[3] = {(int64_t)asd[0], (int64_t)asd[1], (int64_t)asd[2]};
    const int64_t bs[3] = {(int64_t)bsd[0], (int64_t)bsd[1], (int64_t)bsd[2]};
    const float *pa = f32(env, a[0], num(env, a[1]), span(B, M, K, as), "a");
    const float *pb = f32(env, a[3], num(env, a[4]), span(B, K, N, bs), "b");
    float *out = f32(env, a[6], 0, B * M * N, "out");
    rn::matmul(B, M, N, K, pa, as, pb, bs, out);
    return undef(env);
  });
}

// maxPool2d(x, xOff, y, argmax, geom, hStart, hEnd, wStart, wEnd, hCount, wCount, block): block 8 or 16 =
// x and y blocked, argmax plain
napi_value MaxPool(napi_env env, napi_callback_info info) {
  return wrap(env, [&] {
    auto a = args(env, info, 12);
    const rn::PoolGeom p = poolGeom(env, a, 4);
    const double in = p.N * p.C * p.H * p.W, out = p.N * p.C * p.OH * p.OW;
    const int B = block(env, a[11]);
    if (B != 0 && p.C % B != 0) throw JsError("maxPool2d: channels must be a multiple of the block");
    const float *x = f32(env, a[0], num(env, a[1]), in, "x");
    float *y = f32(env, a[2], 0, out, "y");
    int32_t *am = i32(env, a[3], out, "argmax");
    if (B) rn::max_pool_forward_blocked(x, y, am, p, B);
    else rn::max_pool_forward(x, y, am, p);
    return undef(env);
  });
}

// maxPool2dBackward(dy, dyOff, argmax, argmaxOff, dx, geom, windows..., block): block 8 or 16 = dy and
// dx blocked
napi_value MaxPoolBackward(napi_env env, napi_callback_info info) {
  return wrap(env, [&] {
    auto a = args(env, info, 13);
    const rn::PoolGeom p = poolGeom(env, a, 5);
    const int B = block(env, a[12]);
    if (B != 0 && p.C % B != 0) throw JsError("maxPool2dBackward: channels must be a multiple of the block");
    const double in = p.N * p.C * p.H * p.W, out = p.N * p.C * p.OH * p.OW;
    const int32_t *am = typed<int32_t, napi_int32_array>(env, a[2], (size_t)num(env, a[3]), (size_t)out, "argmax");
    const int64_t plane = p.H * p.W;
    for (int64_t i = 0; i < (int64_t)out; i++)
      if (am[i] < 0 || am[i] >= plane)
        throw JsError("maxPool2dBackward: argmax " + std::to_string(am[i]) + " at output " + std::to_string(i) +
                      " is outside the " + std::to_string(p.H) + "x" + std::to_string(p.W) + " plane");
    const float *dy = f32(env, a[0], num(env, a[1]), out, "dy");
    float *dx = f32(env, a[4], 0, in, "dx");
    if (B) rn::max_pool_backward_blocked(dy, am, dx, p, B);
    else rn::max_pool_backward(dy, am, dx, p);
    return undef(env);
  });
}

// avgPool2d(x, xOff, y, geom, windows...)
napi_value AvgPool(napi_env env, napi_callback_info info) {
  return wrap(env, [&] {
    auto a = args(env, info, 10);
    const rn::PoolGeom p = poolGeom(env, a, 3);
    const double in = p.N * p.C * p.H * p.W, out = p.N * p.C * p.OH * p.OW;
    rn::avg_pool_forward(f32(env, a[0], num(env, a[1]), in, "x"), f32(env, a[2], 0, out, "y"), p);
    return undef(env);
  });
}

// avgPool2dBackward(dy, dyOff, dx, geom, windows...)
napi_value AvgPoolBackward(napi_env env, napi_callback_info info) {
  return wrap(env, [&] {
    auto a = args(env, info, 10);
    const rn::PoolGeom p = poolGeom(env, a, 3);
    const double in = p.N * p.C * p.H * p.W, out = p.N * p.C * p.OH * p.OW;
    rn::avg_pool_backward(f32(env, a[0], num(env, a[1]), out, "dy"), f32(env, a[2], 0, in, "dx"), p);
    return undef(env);
  });
}

// elementwise(op, outer, C, inner, out, data0, off0, mode0[, data1, off1, mode1[, data2, off2, mode2]])
// With block = 8 or 16 (elementwiseBlocked) the rows are (n, c) of a blocked [N = outer, C, HW = inner]
// activation: full operands and the output in that layout.
napi_value ElementwiseIn(napi_env env, napi_callback_info info, bool blocked) {
  return wrap(env, [&] {
    size_t argc = 15;
    napi_value a[15];
    CHECK(napi_get_cb_info(env, info, &argc, a, nullptr, nullptr));
    const size_t first = blocked ? 6 : 5;  // the first operand's argument
    if (argc < first + 3 || (argc - first) % 3 != 0 || argc > first + 9)
      throw JsError("elementwise: bad argument count");
    const int op = (int)num(env, a[0]);
    const int64_t outer = (int64_t)num(env, a[1]), C = (int64_t)num(env, a[2]), inner = (int64_t)num(env, a[3]);
    const int B = blocked ? block(env, a[4]) : 0;
    if (blocked && (B == 0 || C % B != 0))
      throw JsError("elementwiseBlocked: channels must be a multiple of the block");
    const double n = (double)(outer * C * inner);
    float *out = f32(env, a[first - 1], 0, n, "out");
    const int nops = (int)(argc - first) / 3;
    rn::EwOperand ops[3];
    for (int k = 0; k < nops; k++) {
      const size_t at = first + 3 * k;
      const int mode = (int)num(env, a[at + 2]);
      if (mode < 0 || mode > 3) throw JsError("elementwise: bad operand mode");
      const double need = mode == 0 ? n : mode == 1 ? (double)C : mode == 3 ? (double)(outer * C) : 1;
      ops[k] = {f32(env, a[at], num(env, a[at + 1]), need, "operand"), mode};
    }
    if (blocked) rn::elementwise_blocked(op, ops, nops, outer, C, inner, B, out);
    else rn::elementwise(op, ops, nops, outer, C, inner, out);
    return undef(env);
  });
}
napi_value Elementwise(napi_env env, napi_callback_info info) { return ElementwiseIn(env, info, false); }
// elementwiseBlocked(op, N, C, HW, block, out, data0, off0, mode0[, ...])
napi_value ElementwiseBlocked(napi_env env, napi_callback_info info) { return ElementwiseIn(env, info, true); }

// rowSums(x, xOff, rows, cols, sums: Float64Array)
napi_value RowSums(napi_env env, napi_callback_info info) {
  return wrap(env, [&] {
    auto a = args(env, info, 5);
    const int64_t rows = (int64_t)num(env, a[2]), cols = (int64_t)num(env, a[3]);
    rn::row_sums(f32(env, a[0], num(env, a[1]), (double)(rows * cols), "x"), rows, cols,
                 f64(env, a[4], (double)rows, "sums"));
    return undef(env);
  });
}

// rowSumsBlocked(x, N, C, HW, block, sums: Float64Array [N * C])
napi_value RowSumsBlocked(napi_env env, napi_callback_info info) {
  return wrap(env, [&] {
    auto a = args(env, info, 6);
    const int64_t N = (int64_t)num(env, a[1]), C = (int64_t)num(env, a[2]), HW = (int64_t)num(env, a[3]);
    const int b = block(env, a[4]);
    if (b == 0 || C % b != 0) throw JsError("rowSumsBlocked: channels must be a multiple of the block");
    rn::row_sums_blocked(f32(env, a[0], 0, (double)(N * C * HW), "x"), N, C, HW, b,
                         f64(env, a[5], (double)(N * C), "sums"));
    return undef(env);
  });
}

// sgdStep(p, pOff, g, gOff, v | null, vOff, n, lr, mu, wd, decay, nesterov)
napi_value SgdStep(napi_env env, napi_callback_info info) {
  return wrap(env, [&] {
    auto a = args(env, info, 12);
    const double n = num(env, a[6]);
    const bool decay = flag(env, a[10]), nesterov = flag(env, a[11]);
    float *v = isNull(env, a[4]) ? nullptr : f32(env, a[4], num(env, a[5]), n, "momentum");
    rn::sgd_step(f32(env, a[0], num(env, a[1]), n, "param"), f32(env, a[2], num(env, a[3]), n, "grad"), v,
                 (int64_t)n, (float)num(env, a[7]), (float)num(env, a[8]), (float)num(env, a[9]), decay, nesterov);
    return undef(env);
  });
}

// sumSquares(x, xOff, n, out: Float64Array[2]) -> out = [sum, bad]
napi_value SumSquares(napi_env env, napi_callback_info info) {
  return wrap(env, [&] {
    auto a = args(env, info, 4);
    const double n = num(env, a[2]);
    double *out = f64(env, a[3], 2, "out");
    int bad = 0;
    rn::sum_squares(f32(env, a[0], num(env, a[1]), n, "x"), (int64_t)n, &out[0], &bad);
    out[1] = bad;
    return undef(env);
  });
}

napi_value Init(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
      {"setThreads", nullptr, SetThreads, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"info", nullptr, Info, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"conv2d", nullptr, Conv2d, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"conv2dBackwardInput", nullptr, Conv2dBackwardInput, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"conv2dBackwardWeight", nullptr, Conv2dBackwardWeight, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"matmul", nullptr, Matmul, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"maxPool2d", nullptr, MaxPool, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"maxPool2dBackward", nullptr, MaxPoolBackward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"avgPool2d", nullptr, AvgPool, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"avgPool2dBackward", nullptr, AvgPoolBackward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"elementwise", nullptr, Elementwise, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"elementwiseBlocked", nullptr, ElementwiseBlocked, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"rowSums", nullptr, RowSums, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"rowSumsBlocked", nullptr, RowSumsBlocked, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"toPlain", nullptr, ToPlain, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"toBlocked", nullptr, ToBlocked, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"sgdStep", nullptr, SgdStep, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"sumSquares", nullptr, SumSquares, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
