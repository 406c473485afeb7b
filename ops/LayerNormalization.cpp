//===- ops/LayerNormalization.cpp - Layer normalization (opset 17) --------===//
//
// ONNX LayerNormalization (opset 17, Ba et al. 2016, "Layer Normalization",
// arXiv:1607.06450): X is viewed as [rows, cols] with cols the product of
// the dims from `axis` (default -1) on; each row is normalized,
//   Y = (X - mean) / sqrt(var + epsilon) * Scale + B,
// with the biased variance (divide by cols) and epsilon default 1e-5. Scale
// and the optional B hold cols elements (the normalized dims, leading 1s
// allowed). The optional outputs Mean and InvStdDev (1 / sqrt(var +
// epsilon)) have X's dims with the normalized ones as 1 (X of rank <= 6
// then); stash_type must be 1 (f32), the default.
//
// shaders/layernorm.comp runs one workgroup per row: a shared-memory tree
// reduction of the sum, then of the squared deviations (two passes over
// the row, which is more accurate than E[x^2] - E[x]^2), then the write.
// Mean and InvStdDev, when the node lists them, are one shaders/reduce.comp
// dispatch each (ops/Reduce.h), reading X again.
//
//===----------------------------------------------------------------------===//
#include "ops/KernelTarget.h"
#include "ops/OpList.h"
#include "ops/Reduce.h"
#include "ops/OpUtil.h"
#include "ops/SymbolicOp.h"

#include <cmath>

using namespace llvm;

namespace tlc {

namespace {
/// The [rows, cols] view of X; dims may be symbolic (shape ranges).
struct LayerNormView {
  DimExpr rows = 1, cols = 1;
};
} // namespace

static Expected<LayerNormView> layerNormView(const Node &node,
                                             const TensorType &x) {
  Expected<int64_t> axisAttr = node.attrs.getInt("axis", -1);
  if (!axisAttr)
    return axisAttr.takeError();
  int64_t rank = int64_t(x.shape.size());
  if (rank == 0)
    return opError("input 0 (X) must have rank >= 1, got a scalar");
  Expected<int64_t> axis = normalizeAxis(*axisAttr, rank, "axis");
  if (!axis)
    return axis.takeError();
  LayerNormView v;
  for (int64_t i = 0; i < rank; ++i)
    (i < *axis ? v.rows : v.cols) *= x.dim(size_t(i));
  return v;
}

/// Errors unless \p t (input \p idx, called \p what) has the normalized
/// dims of \p x (its dims from the end, leading 1s allowed). Symbolic dims
/// compare as expressions: equal over the whole range.
static Error checkParam(const TensorType &t, const TensorType &x,
                        const DimExpr &cols, unsigned idx, StringRef what) {
  std::string name = ("input " + Twine(idx) + " (" + what + ")").str();
  if (t.numElementsExpr() != cols)
    return opError(name + " is " + t.str() + "; expected " + cols.str() +
                   " elements, the normalized dims of " + x.str());
  size_t r = t.rank(), xr = x.rank();
  for (size_t i = 0; i < r; ++i) {
    DimExpr d = t.dim(r - 1 - i);
    DimExpr xd = i < xr ? x.dim(xr - 1 - i) : DimExpr(1);
    if (d != xd && d != DimExpr(1))
      return opError(name + " is " + t.str() +
                     "; its dims must be the trailing dims of " + x.str());
  }
  return Error::success();
}

static Error layerNormInferTypes(const Node &node, ArrayRef<InputInfo> in,
                                 SmallVectorImpl<TensorType> &out) {
  if (Error e = checkKnownAttrs(node, {"axis", "epsilon", "stash_type"}))
    return e;
  if (Error e = checkInputCount(in, 2, 3))
    return e;
  if (Error e = checkMaxOutputs(node, 3, "Y, Mean and InvStdDev"))
    return e;
  for (unsigned i = 0; i < in.size(); ++i)
    if (Error e = checkF32(in, i, i == 0 ? "X" : i == 1 ? "Scale" : "B"))
      return e;
  if (Error e = checkInputsFit32(in))
    return e;
  Expected<double> eps = normEpsilon(node);
  if (!eps)
    return eps.takeError();
  Expected<int64_t> stash = node.attrs.getInt("stash_type", 1);
  if (!stash)
    return stash.takeError();
  if (*stash != 1)
    return opError("attribute 'stash_type' is " + Twine(*stash) +
                   "; only 1 (f32) is supported");
  Expected<LayerNormView> v = layerNormView(node, in[0].type);
  if (!v)
    return v.takeError();
  if (Error e = checkParam(in[1].type, in[0].type, v->cols, 1, "Scale"))
    return e;
  if (in.size() == 3)
    if (Error e = checkParam(in[2].type, in[0].type, v->cols, 2, "B"))
      return e;
  out.push_back(in[0].type);
  if (node.outputs.size() > 1) {
    const TensorType &x = in[0].type;
    if (x.rank() > kReduceMaxRank)
      return opError("the Mean and InvStdDev outputs need X of rank <= " +
                     Twine(kReduceMaxRank) + ", got " + x.str());
    int64_t axis = verifiedValue(normalizeAxis(
        verifiedValue(node.attrs.getInt("axis", -1)), int64_t(x.rank()),
        "axis"));
    SymShape d = x.dims();
    for (size_t i = size_t(axis); i < d.size(); ++i)
      d[i] = 1;
    for (size_t k = 1; k < node.outputs.size(); ++k)
      out.push_back(TensorType::withDims(DType::F32, d));
  }
  return Error::success();
}

static LayerNormView verifiedView(const Node &node, const TensorType &x) {
  return verifiedValue(layerNormView(node, x));
}

static float verifiedEpsilon(const Node &node) {
  return float(verifiedValue(node.attrs.getFloat("epsilon", 1e-5)));
}

/// Reference in double precision, rounded once to f32.
static Error layerNormReference(const Node &node,
                                ArrayRef<const HostTensor *> in,
                                MutableArrayRef<HostTensor> out) {
  LayerNormView vx = verifiedView(node, in[0]->type);
  struct {
    int64_t rows, cols;
  } v = {vx.rows.constant(), vx.cols.constant()}; // host tensors are static
  double eps = double(verifiedEpsilon(node));
  const float *x = in[0]->f32().data();
  const float *scale = in[1]->f32().data();
  const float *bias = in.size() > 2 ? in[2]->f32().data() : nullptr;
  float *y = out[0].f32().data();
  for (int64_t r = 0; r < v.rows; ++r) {
    const float *row = x + r * v.cols;
    double mean = 0.0;
    for (int64_t c = 0; c < v.cols; ++c)
      mean += row[c];
    mean /= double(v.cols);
    double var = 0.0;
    for (int64_t c = 0; c < v.cols; ++c)
      var += (row[c] - mean) * (row[c] - mean);
    var /= double(v.cols);
    double inv = 1.0 / std::sqrt(var + eps);
    if (out.size() > 1)
      out[1].f32()[r] = float(mean);
    if (out.size() > 2)
      out[2].f32()[r] = float(inv);
    for (int64_t c = 0; c < v.cols; ++c)
      y[r * v.cols + c] = float((row[c] - mean) * inv * scale[c] +
                                (bias ? double(bias[c]) : 0.0));
  }
  return Error::success();
}

static void layerNormLower(const Node &node, ArrayRef<TensorType> in,
                           ArrayRef<TensorType> out,
                           const KernelTarget &target,
                           SmallVectorImpl<DispatchDesc> &dispatches) {
  LayerNormView v = verifiedView(node, in[0]);
  bool hasBias = in.size() == 3;
  DispatchDesc d;
  // One source, two builds (shaders/layernorm.comp): subgroup reductions
  // where the target has them, shared-memory trees elsewhere.
  d.shader = target.subgroupArithmetic ? "layernorm_subgroup"
                                                      : "layernorm";
  // ROWS and COLS are run-time values of the dyn build when symbolic; the
  // shader divides by float(COLS), so no constant derives from them.
  d.specConstants = spec::u32s(
      {0, 0, floatBits(verifiedEpsilon(node)), hasBias ? 1u : 0u, 0});
  setDim(d, 0, v.rows);
  setDim(d, 1, v.cols);
  // Without B, binding 2 is bound to Scale again and never read.
  d.operands = {0, 1, hasBias ? 2u : 1u, hasBias ? 3u : 2u};
  d.writes = {3};
  setGrid1D(d, v.rows, 1); // one workgroup per row
  dispatches.push_back(d);
  if (out.size() > 1) {
    SmallVector<bool, 6> normalized(in[0].rank(), false);
    int64_t axis = verifiedValue(normalizeAxis(
        verifiedValue(node.attrs.getInt("axis", -1)), int64_t(in[0].rank()),
        "axis"));
    for (size_t i = size_t(axis); i < normalized.size(); ++i)
      normalized[i] = true;
    unsigned firstOut = unsigned(in.size());
    for (unsigned k = 1; k < out.size(); ++k)
      appendReduceDispatch(k == 1 ? ReduceKind::Mean : ReduceKind::InvStdDev,
                           in[0].dims(), normalized, 0, firstOut + k,
                           verifiedEpsilon(node), target, dispatches);
  }
}

const OpDef kLayerNormalizationOp =
    symbolicOp({"LayerNormalization", layerNormInferTypes, layerNormReference,
                layerNormLower});

} // namespace tlc
