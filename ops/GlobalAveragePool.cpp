//===- ops/GlobalAveragePool.cpp - Mean or max over all spatial dims ------===//
//
// ONNX GlobalAveragePool (opset 1, unchanged in 17): X [N, C, D1, ..., Dk]
// (k >= 1) -> Y [N, C, 1, ..., 1], Y[n, c] = mean of X[n, c, ...].
// Shader: shaders/global_avgpool.comp, one workgroup per (n, c).
// ONNX GlobalMaxPool (opset 1, unchanged in 17): the same with the max, X of
// rank <= 6: one shaders/reduce.comp dispatch (ops/Reduce.h, Max over the
// spatial dims).
//
//===----------------------------------------------------------------------===//
#include "ops/KernelTarget.h"
#include "ops/OpList.h"
#include "ops/OpUtil.h"
#include "ops/Reduce.h"
#include "ops/SymbolicOp.h"

#include <algorithm>

using namespace llvm;

namespace tlc {

/// The shape rule of both: X [N, C, D1, ..., Dk] of rank 3 to \p maxRank.
static Error globalPoolTypes(const Node &node, ArrayRef<InputInfo> in,
                             SmallVectorImpl<TensorType> &out,
                             size_t maxRank) {
  if (Error e = checkKnownAttrs(node, {}))
    return e;
  if (Error e = checkInputCount(in, 1, 1))
    return e;
  if (Error e = checkF32(in, 0, "X"))
    return e;
  const TensorType &x = in[0].type;
  if (x.shape.size() < 3)
    return opError("X must have rank >= 3 (N, C, spatial dims), got " +
                   x.str());
  if (x.shape.size() > maxRank)
    return opError("X must have rank <= " + Twine(maxRank) + ", got " +
                   x.str());
  if (Error e = checkFits32(x, "input"))
    return e;
  SymShape dims = x.dims();
  for (size_t i = 2; i < dims.size(); ++i)
    dims[i] = 1;
  out.push_back(TensorType::withDims(x.dtype, dims));
  return Error::success();
}

static Error gapInferTypes(const Node &node, ArrayRef<InputInfo> in,
                           SmallVectorImpl<TensorType> &out) {
  return globalPoolTypes(node, in, out, SIZE_MAX);
}

/// Elements per (n, c) plane of \p x.
static int64_t planeSize(const TensorType &x) {
  int64_t s = 1;
  for (size_t i = 2; i < x.shape.size(); ++i)
    s *= x.shape[i];
  return s;
}

/// planeSize as an expression (symbolic spatial dims).
static DimExpr planeSizeExpr(const TensorType &x) {
  DimExpr s = 1;
  for (size_t i = 2; i < x.rank(); ++i)
    s *= x.dim(i);
  return s;
}

static Error gapReference(const Node &, ArrayRef<const HostTensor *> in,
                          MutableArrayRef<HostTensor> out) {
  int64_t plane = planeSize(in[0]->type);
  int64_t planes = in[0]->type.shape[0] * in[0]->type.shape[1];
  for (int64_t p = 0; p < planes; ++p) {
    double sum = 0.0;
    for (int64_t i = 0; i < plane; ++i)
      sum += in[0]->f32()[p * plane + i];
    out[0].f32()[p] = float(sum / double(plane));
  }
  return Error::success();
}

static void gapLower(const Node &, ArrayRef<TensorType> in,
                     ArrayRef<TensorType> out,
                     const KernelTarget &target,
                     SmallVectorImpl<DispatchDesc> &dispatches) {
  DimExpr planes = in[0].dim(0) * in[0].dim(1);
  DispatchDesc d;
  // Subgroup sums where the target has them (shaders/global_avgpool.comp).
  d.shader = target.subgroupArithmetic
                 ? "global_avgpool_subgroup"
                 : "global_avgpool";
  // PLANES and PLANE are run-time values of the dyn build when symbolic;
  // the shader divides by float(PLANE), so no constant derives from them.
  setDim(d, 0, planes);
  setDim(d, 1, planeSizeExpr(in[0]));
  d.operands = {0, 1};
  d.writes = {1};
  setGrid1D(d, planes, 1); // one workgroup per plane
  dispatches.push_back(d);
}

const OpDef kGlobalAveragePoolOp = symbolicOp(
    {"GlobalAveragePool", gapInferTypes, gapReference, gapLower});

static Error gmpInferTypes(const Node &node, ArrayRef<InputInfo> in,
                           SmallVectorImpl<TensorType> &out) {
  return globalPoolTypes(node, in, out, kReduceMaxRank);
}

static Error gmpReference(const Node &, ArrayRef<const HostTensor *> in,
                          MutableArrayRef<HostTensor> out) {
  const Shape &s = in[0]->type.shape;
  int64_t plane = 1;
  for (size_t i = 2; i < s.size(); ++i)
    plane *= s[i];
  for (int64_t p = 0; p < s[0] * s[1]; ++p) {
    const float *x = in[0]->f32().data() + p * plane;
    out[0].f32()[p] = *std::max_element(x, x + plane);
  }
  return Error::success();
}

static void gmpLower(const Node &, ArrayRef<TensorType> in,
                     ArrayRef<TensorType>, const KernelTarget &target,
                     SmallVectorImpl<DispatchDesc> &d) {
  SmallVector<bool, 6> spatial(in[0].rank(), true);
  spatial[0] = spatial[1] = false;
  appendReduceDispatch(ReduceKind::Max, in[0].dims(), spatial, 0, 1, 0.0f,
                       target, d);
}

const OpDef kGlobalMaxPoolOp = symbolicOp(
    {"GlobalMaxPool", gmpInferTypes, gmpReference, gmpLower});

} // namespace tlc
