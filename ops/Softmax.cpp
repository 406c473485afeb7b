//===- ops/Softmax.cpp - Softmax, LogSoftmax, Hardmax along one axis ------===//
//
// ONNX Softmax (opset 13): y = exp(x - max) / sum(exp(x - max)) along the
// single dim `axis` (default -1, negative counts from the end). Subtracting
// the row max keeps exp() from overflowing. LogSoftmax (opset 13): y = x -
// max - log(sum(exp(x - max))), computed so rather than as log(Softmax),
// which underflows to -inf. Hardmax (opset 13): 1 at the first index of the
// row's max, 0 elsewhere. The tensor is viewed as [outer, L, inner]; each of
// the outer*inner rows of length L (stride inner) is one workgroup of
// shaders/softmax.comp (MODE: 0 Softmax, 1 LogSoftmax, 2 Hardmax).
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
/// What a row becomes, numbered as shaders/softmax.comp's MODE.
enum class RowMode : uint32_t { Softmax = 0, LogSoftmax = 1, Hardmax = 2 };

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
    return opError("input must have rank >= 1, got a scalar");
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

template <RowMode M>
static Error softmaxReference(const Node &node, ArrayRef<const HostTensor *> in,
                              MutableArrayRef<HostTensor> out) {
  SoftmaxView v = verifiedView(node, in[0]->type);
  const float *x = in[0]->f32().data();
  float *y = out[0].f32().data();
  for (int64_t o = 0; o < v.outer; ++o)
    for (int64_t i = 0; i < v.inner; ++i) {
      int64_t base = o * v.len * v.inner + i;
      float mx = x[base];
      int64_t at = 0; // first index of the max
      for (int64_t l = 1; l < v.len; ++l)
        if (x[base + l * v.inner] > mx) {
          mx = x[base + l * v.inner];
          at = l;
        }
      double sum = 0.0;
      for (int64_t l = 0; l < v.len; ++l)
        sum += std::exp(double(x[base + l * v.inner]) - double(mx));
      for (int64_t l = 0; l < v.len; ++l) {
        double xl = double(x[base + l * v.inner]);
        float &yl = y[base + l * v.inner];
        if (M == RowMode::Hardmax)
          yl = l == at ? 1.0f : 0.0f;
        else if (M == RowMode::LogSoftmax)
          yl = float(xl - double(mx) - std::log(sum));
        else
          yl = float(std::exp(xl - double(mx)) / sum);
      }
    }
  return Error::success();
}

template <RowMode M>
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
  d.specConstants.push_back(spec::u32(uint32_t(M))); // constant 3: MODE
  d.operands = {0, 1};
  d.writes = {1};
  setGrid1D(d, rows, 1); // one workgroup per row
  dispatches.push_back(d);
}

const OpDef kSoftmaxOp =
    symbolicOp({"Softmax", softmaxInferTypes,
                softmaxReference<RowMode::Softmax>,
                softmaxLower<RowMode::Softmax>});
const OpDef kLogSoftmaxOp =
    symbolicOp({"LogSoftmax", softmaxInferTypes,
                softmaxReference<RowMode::LogSoftmax>,
                softmaxLower<RowMode::LogSoftmax>});
const OpDef kHardmaxOp =
    symbolicOp({"Hardmax", softmaxInferTypes,
                softmaxReference<RowMode::Hardmax>,
                softmaxLower<RowMode::Hardmax>});

} // namespace tlc
