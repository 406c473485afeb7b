//===- ops/Softmax.cpp - Softmax along one axis ---------------------------===//
//
// ONNX Softmax (opset 13): y = exp(x - max) / sum(exp(x - max)) along the
// single dim `axis` (default -1, negative counts from the end). Subtracting
// the row max keeps exp() from overflowing. The tensor is viewed as
// [outer, L, inner]; each of the outer*inner rows of length L (stride inner)
// is one workgroup of shaders/softmax.comp.
//
//===----------------------------------------------------------------------===//
#include "ops/KernelTarget.h"
#include "ops/OpList.h"
#include "ops/OpUtil.h"
#include "ops/SymbolicOp.h"

#include <algorithm>
#include <cmath>

using namespace llvm;

namespace tlc {

namespace {
/// The [outer, L, inner] view of the input.
struct SoftmaxView {
  int64_t outer = 1, len = 1, inner = 1;
};

/// The same view with symbolic dims (shape ranges).
struct SoftmaxViewExpr {
  DimExpr outer = 1, len = 1, inner = 1;
};
} // namespace

static Expected<SoftmaxView> softmaxView(const Node &node,
                                         const TensorType &x) {
  Expected<int64_t> axisAttr = node.attrs.getInt("axis", -1);
  if (!axisAttr)
    return axisAttr.takeError();
  int64_t rank = int64_t(x.shape.size());
  if (rank == 0)
    return opError("Softmax input must have rank >= 1, got a scalar");
  Expected<int64_t> axis = normalizeAxis(*axisAttr, rank, "axis");
  if (!axis)
    return axis.takeError();
  SoftmaxView v;
  for (int64_t i = 0; i < rank; ++i) {
    if (i < *axis)
      v.outer *= x.shape[i];
    else if (i == *axis)
      v.len = x.shape[i];
    else
      v.inner *= x.shape[i];
  }
  return v;
}

static Error softmaxInferTypes(const Node &node, ArrayRef<InputInfo> in,
                               SmallVectorImpl<TensorType> &out) {
  if (Error e = checkKnownAttrs(node, {"axis"}))
    return e;
  if (Error e = checkInputCount(in, 1, 1))
    return e;
  if (Error e = checkF32(in, 0, "input"))
    return e;
  Expected<SoftmaxView> v = softmaxView(node, in[0].type);
  if (!v)
    return v.takeError();
  if (Error e = checkFits32(in[0].type, "input"))
    return e;
  out.push_back(in[0].type);
  return Error::success();
}

/// softmaxView's dims as expressions, for the lowering.
static SoftmaxViewExpr softmaxViewExpr(const Node &node, const TensorType &x) {
  int64_t rank = int64_t(x.rank());
  int64_t axis = cantFail(normalizeAxis(
      cantFail(node.attrs.getInt("axis", -1)), rank, "axis"));
  SoftmaxViewExpr v;
  for (int64_t i = 0; i < rank; ++i) {
    if (i < axis)
      v.outer *= x.dim(size_t(i));
    else if (i == axis)
      v.len = x.dim(size_t(i));
    else
      v.inner *= x.dim(size_t(i));
  }
  return v;
}

static SoftmaxView verifiedView(const Node &node, const TensorType &x) {
  Expected<SoftmaxView> v = softmaxView(node, x);
  assert(v && "Softmax node was not verified by its shape rule");
  if (!v) {
    consumeError(v.takeError());
    return SoftmaxView{};
  }
  return *v;
}

static Error softmaxReference(const Node &node, ArrayRef<const HostTensor *> in,
                              MutableArrayRef<HostTensor> out) {
  SoftmaxView v = verifiedView(node, in[0]->type);
  const float *x = in[0]->f32().data();
  float *y = out[0].f32().data();
  for (int64_t o = 0; o < v.outer; ++o)
    for (int64_t i = 0; i < v.inner; ++i) {
      int64_t base = o * v.len * v.inner + i;
      float mx = x[base];
      for (int64_t l = 1; l < v.len; ++l)
        mx = std::max(mx, x[base + l * v.inner]);
      double sum = 0.0;
      for (int64_t l = 0; l < v.len; ++l)
        sum += std::exp(double(x[base + l * v.inner]) - double(mx));
      for (int64_t l = 0; l < v.len; ++l)
        y[base + l * v.inner] =
            float(std::exp(double(x[base + l * v.inner]) - double(mx)) / sum);
    }
  return Error::success();
}

static void softmaxLower(const Node &node, ArrayRef<TensorType> in,
                         ArrayRef<TensorType> out,
                         const KernelTarget &target,
                         SmallVectorImpl<DispatchDesc> &dispatches) {
  SoftmaxViewExpr v = softmaxViewExpr(node, in[0]);
  DispatchDesc d;
  // One source, two builds (shaders/softmax.comp), as for LayerNormalization.
  d.shader = target.subgroupArithmetic ? "softmax_subgroup"
                                                      : "softmax";
  // ROWS, L and INNER are run-time values of the dyn build when symbolic
  // (a symbolic axis length or a symbolic row count).
  DimExpr rows = v.outer * v.inner;
  setDim(d, 0, rows);
  setDim(d, 1, v.len);
  setDim(d, 2, v.inner);
  d.operands = {0, 1};
  d.writes = {1};
  setGrid1D(d, rows, 1); // one workgroup per row
  dispatches.push_back(d);
}

const OpDef kSoftmaxOp = symbolicOp(
    {"Softmax", softmaxInferTypes, softmaxReference, softmaxLower});

} // namespace tlc
