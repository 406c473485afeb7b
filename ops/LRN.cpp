//===- ops/LRN.cpp - LRN: local response normalization across channels ----===//
//
// ONNX LRN (opset 13): X [N, C, D1, ...] (f32, static, rank >= 3),
// attributes size (required, odd or even >= 1), alpha (1e-4), beta (0.75),
// bias (1.0). Each element is divided by (bias + alpha / size * the sum of
// squares over the channels c - floor((size-1)/2) .. c + ceil((size-1)/2)
// that exist)^beta (Krizhevsky et al., "ImageNet Classification with Deep
// Convolutional Neural Networks", 2012, sec. 3.3; the ONNX definition).
// Shader: shaders/lrn.comp, one invocation per element.
//
//===----------------------------------------------------------------------===//
#include "ops/OpList.h"
#include "ops/OpUtil.h"

#include <algorithm>
#include <cmath>

using namespace llvm;

namespace tlc {
namespace {

struct LrnParams {
  int64_t size = 1;
  double alpha = 1e-4, beta = 0.75, bias = 1.0;
};

Expected<LrnParams> lrnParams(const Node &node) {
  LrnParams p;
  if (!node.attrs.has("size"))
    return opError("attribute 'size' is required");
  Expected<int64_t> size = node.attrs.getInt("size", 1);
  if (!size)
    return size.takeError();
  if (*size < 1 || *size > 65535)
    return opError("attribute 'size' is " + Twine(*size) +
                   "; expected 1 to 65535");
  p.size = *size;
  for (auto [name, ref] : {std::pair<const char *, double *>{"alpha", &p.alpha},
                           {"beta", &p.beta},
                           {"bias", &p.bias}}) {
    Expected<double> v = node.attrs.getFloat(name, *ref);
    if (!v)
      return v.takeError();
    if (!std::isfinite(*v))
      return opError("attribute '" + Twine(name) + "' is not finite");
    *ref = *v;
  }
  return p;
}

Error lrnInferTypes(const Node &node, ArrayRef<InputInfo> in,
                    SmallVectorImpl<TensorType> &out) {
  if (Error e = checkKnownAttrs(node, {"alpha", "beta", "bias", "size"}))
    return e;
  if (Error e = checkInputCount(in, 1, 1))
    return e;
  if (Error e = checkF32(in, 0, "X"))
    return e;
  const TensorType &x = in[0].type;
  if (!x.isStatic() || x.rank() < 3)
    return opError("X " + x.str() +
                   " must have a static shape of rank >= 3 ([N, C, D1, ...])");
  if (Error e = lrnParams(node).takeError())
    return e;
  if (Error e = checkFits32(x, "X"))
    return e;
  out.push_back(x);
  return Error::success();
}

Error lrnReference(const Node &node, ArrayRef<const HostTensor *> in,
                   MutableArrayRef<HostTensor> out) {
  LrnParams p = verifiedValue(lrnParams(node));
  const Shape &sh = in[0]->type.shape;
  int64_t c = sh[1], s = in[0]->numElements() / (sh[0] * sh[1]);
  ArrayRef<float> x = in[0]->f32();
  MutableArrayRef<float> y = out[0].f32();
  for (int64_t e = 0; e < in[0]->numElements(); ++e) {
    int64_t ch = (e / s) % c, base = e - ch * s;
    int64_t lo = std::max<int64_t>(0, ch - (p.size - 1) / 2);
    int64_t hi = std::min<int64_t>(c - 1, ch + p.size / 2);
    double sum = 0;
    for (int64_t k = lo; k <= hi; ++k)
      sum += double(x[base + k * s]) * x[base + k * s];
    y[e] = float(x[e] / std::pow(p.bias + p.alpha / double(p.size) * sum,
                                 p.beta));
  }
  return Error::success();
}

void lrnLower(const Node &node, ArrayRef<TensorType> in, ArrayRef<TensorType>,
              const KernelTarget &, SmallVectorImpl<DispatchDesc> &d) {
  LrnParams p = verifiedValue(lrnParams(node));
  const Shape &sh = in[0].shape;
  uint64_t total = uint64_t(in[0].numElements());
  DispatchDesc c;
  c.shader = "lrn";
  c.specConstants = spec::u32s(
      {uint32_t(total), uint32_t(sh[1]),
       uint32_t(total / uint64_t(sh[0] * sh[1])), uint32_t(p.size),
       floatBits(float(p.alpha)), floatBits(float(p.beta)),
       floatBits(float(p.bias))});
  c.operands = {0, 1};
  c.writes = {1};
  setGrid1D(c, total, 256);
  d.push_back(c);
}

} // namespace

const OpDef kLRNOp = {"LRN", lrnInferTypes, lrnReference, lrnLower};

} // namespace tlc
