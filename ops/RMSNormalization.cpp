//===- ops/RMSNormalization.cpp - RMS normalization (opset 23) ------------===//
//
// ONNX RMSNormalization (opset 23; Zhang & Sennrich 2019, "Root Mean Square
// Layer Normalization", arXiv:1910.07467), the normalization of Llama-style
// decoders: X is viewed as [rows, cols] with cols the product of the dims
// from `axis` (default -1) on; each row is scaled by the reciprocal of its
// root mean square,
//   Y = X / sqrt(mean(X^2) + epsilon) * scale,
// with the mean over the cols normalized elements and epsilon default 1e-5
// (the spec's function body: Mul, ReduceMean over the normalized axes, Add,
// Sqrt, Div, Mul). Unlike LayerNormalization there is no mean subtraction
// and no bias. stash_type must be 1 (compute in f32), the default.
//
// scale is broadcastable to the normalized dims (numpy rules from the
// right, leading 1s allowed). tlc supports the forms models use: its dims
// other than 1 are one contiguous block of the normalized dims ([hidden]
// for axis -1, [H, D] or [D] for axis -2, [H, 1], or a single element), so
// column c of a row reads scale[(c / SCALE_INNER) % SCALE_N], where
// SCALE_N is the block's element count and SCALE_INNER the product of the
// normalized dims after it. Other broadcasts (1s inside the block) are an
// error naming the limitation.
//
// shaders/rmsnorm.comp runs one workgroup per row: one reduction of the
// sum of squares (shared-memory tree, or subgroupAdd in the
// rmsnorm_subgroup build for targets with subgroup arithmetic, as
// shaders/layernorm.comp), then the scaled write.
//
//===----------------------------------------------------------------------===//
#include "ops/KernelTarget.h"
#include "ops/OpList.h"
#include "ops/OpUtil.h"
#include "ops/RMSNormKernel.h"
#include "ops/SymbolicOp.h"

#include <cmath>

using namespace llvm;

namespace tlc {

namespace {
/// X as [rows, cols] (cols: the normalized elements of one row) and how
/// column c of a row indexes scale: scale[(c / scaleInner) % scaleCount].
/// Dims may be symbolic (shape ranges).
struct RMSNormView {
  DimExpr rows = 1, cols = 1;
  DimExpr scaleCount = 1, scaleInner = 1;
};
} // namespace

/// The view of X (\p x) and scale (\p scale) for the node's `axis`. Errors
/// name a bad axis, a scalar X, and a scale that is not broadcastable to
/// the normalized dims or broadcasts in a form tlc does not support.
static Expected<RMSNormView> rmsNormView(const Node &node, const TensorType &x,
                                         const TensorType &scale) {
  Expected<int64_t> axisAttr = node.attrs.getInt("axis", -1);
  if (!axisAttr)
    return axisAttr.takeError();
  int64_t rank = int64_t(x.rank());
  if (rank == 0)
    return opError("input 0 (X) must have rank >= 1, got a scalar");
  Expected<int64_t> axis = normalizeAxis(*axisAttr, rank, "axis");
  if (!axis)
    return axis.takeError();
  RMSNormView v;
  for (int64_t i = 0; i < rank; ++i)
    (i < *axis ? v.rows : v.cols) *= x.dim(size_t(i));

  // Walk the normalized dims from the innermost out, classifying each
  // against scale's dim at the same position from the right: a dim of size
  // 1 in X is neutral; otherwise scale matches it or broadcasts it (1, or
  // absent). The non-neutral sequence must read broadcast* match*
  // broadcast*: one contiguous matched block.
  int64_t sr = int64_t(scale.rank());
  auto bad = [&](const Twine &why) {
    return opError("input 1 (scale) is " + scale.str() + "; " + why);
  };
  for (int64_t i = 0; i < sr; ++i) {
    int64_t j = rank - 1 - i; // X's dim at scale's dim sr-1-i
    DimExpr d = scale.dim(size_t(sr - 1 - i));
    if (d == DimExpr(1))
      continue;
    if (j < *axis)
      return bad("expected it broadcastable to the normalized dims of " +
                 x.str() + " (dims " + Twine(*axis) + ".." + Twine(rank - 1) +
                 ")");
    if (d != x.dim(size_t(j)))
      return bad("dim " + Twine(sr - 1 - i) + " (" + d.str() +
                 ") must be 1 or equal dim " + Twine(j) + " of X " + x.str());
  }
  enum { Trailing, Block, Leading } phase = Trailing;
  for (int64_t j = rank - 1; j >= *axis; --j) {
    DimExpr xd = x.dim(size_t(j));
    if (xd == DimExpr(1))
      continue;
    int64_t i = rank - 1 - j; // scale's dim from the right
    bool matched = i < sr && scale.dim(size_t(sr - 1 - i)) != DimExpr(1);
    if (matched && phase == Leading)
      return bad("its dims other than 1 must be one contiguous block of the "
                 "normalized dims of " +
                 x.str() + " (a scale broadcast inside that block is not "
                           "supported)");
    if (matched) {
      phase = Block;
      v.scaleCount *= xd;
    } else if (phase == Trailing) {
      v.scaleInner *= xd;
    } else {
      phase = Leading;
    }
  }
  return v;
}

static Error rmsNormInferTypes(const Node &node, ArrayRef<InputInfo> in,
                               SmallVectorImpl<TensorType> &out) {
  if (Error e = checkKnownAttrs(node, {"axis", "epsilon", "stash_type"}))
    return e;
  if (Error e = checkInputCount(in, 2, 2))
    return e;
  if (Error e = checkMaxOutputs(node, 1, "the spec defines output Y only"))
    return e;
  if (Error e = checkF32(in, 0, "X"))
    return e;
  if (Error e = checkF32(in, 1, "scale"))
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
  Expected<RMSNormView> v = rmsNormView(node, in[0].type, in[1].type);
  if (!v)
    return v.takeError();
  out.push_back(in[0].type);
  return Error::success();
}

static RMSNormView verifiedView(const Node &node, const TensorType &x,
                                const TensorType &scale) {
  return verifiedValue(rmsNormView(node, x, scale));
}

static float verifiedEpsilon(const Node &node) {
  return float(verifiedValue(node.attrs.getFloat("epsilon", 1e-5)));
}

/// Reference: sums of squares in double, each output rounded once to f32.
/// epsilon is the f32 value the shader receives.
static Error rmsNormReference(const Node &node, ArrayRef<const HostTensor *> in,
                              MutableArrayRef<HostTensor> out) {
  // Host tensors are static: every expression is a constant.
  RMSNormView vx = verifiedView(node, in[0]->type, in[1]->type);
  int64_t rows = vx.rows.constant(), cols = vx.cols.constant();
  int64_t sn = vx.scaleCount.constant(), si = vx.scaleInner.constant();
  double eps = double(verifiedEpsilon(node));
  const float *x = in[0]->f32().data();
  const float *scale = in[1]->f32().data();
  float *y = out[0].f32().data();
  for (int64_t r = 0; r < rows; ++r) {
    const float *row = x + r * cols;
    double sumSq = 0.0;
    for (int64_t c = 0; c < cols; ++c)
      sumSq += double(row[c]) * double(row[c]);
    double inv = 1.0 / std::sqrt(sumSq / double(cols) + eps);
    for (int64_t c = 0; c < cols; ++c)
      y[r * cols + c] =
          float(double(row[c]) * inv * double(scale[(c / si) % sn]));
  }
  return Error::success();
}

DispatchDesc lowerRMSNormKernel(const DimExpr &rows, const DimExpr &cols,
                                const DimExpr &scaleCount,
                                const DimExpr &scaleInner, float epsilon,
                                unsigned x, unsigned scale, unsigned y,
                                const KernelTarget &target) {
  DispatchDesc d;
  // One source, two builds, as for LayerNormalization: subgroup reductions
  // where the target has them, a shared-memory tree elsewhere.
  d.shader = target.subgroupArithmetic ? "rmsnorm_subgroup" : "rmsnorm";
  d.specConstants = spec::u32s({0, 0, 0, 0, floatBits(epsilon)});
  // Every size may be symbolic (a symbolic row count, or a symbolic dim
  // among the normalized ones); the shader divides by float(COLS) at run
  // time, so no constant derives from them.
  setDim(d, 0, rows);
  setDim(d, 1, cols);
  setDim(d, 2, scaleCount);
  setDim(d, 3, scaleInner);
  d.operands = {x, scale, y};
  d.writes = {2};
  setGrid1D(d, rows, 1); // one workgroup per row
  return d;
}

static void rmsNormLower(const Node &node, ArrayRef<TensorType> in,
                         ArrayRef<TensorType> out, const KernelTarget &target,
                         SmallVectorImpl<DispatchDesc> &dispatches) {
  RMSNormView v = verifiedView(node, in[0], in[1]);
  dispatches.push_back(lowerRMSNormKernel(v.rows, v.cols, v.scaleCount,
                                          v.scaleInner,
                                          verifiedEpsilon(node), 0, 1, 2,
                                          target));
}

const OpDef kRMSNormalizationOp = symbolicOp(
    {"RMSNormalization", rmsNormInferTypes, rmsNormReference, rmsNormLower});

} // namespace tlc
