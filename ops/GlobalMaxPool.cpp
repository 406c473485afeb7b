//===- ops/GlobalMaxPool.cpp - Max over all spatial dims ------------------===//
//
// ONNX GlobalMaxPool (opset 1, unchanged in 17): X [N, C, D1, ..., Dk]
// (k >= 1, rank <= 6) -> Y [N, C, 1, ..., 1], Y[n, c] = max of X[n, c, ...].
// One shaders/reduce.comp dispatch (ops/Reduce.h, Max over the spatial
// dims), as ReduceMax with keepdims.
//
//===----------------------------------------------------------------------===//
#include "ops/OpList.h"
#include "ops/OpUtil.h"
#include "ops/Reduce.h"
#include "ops/SymbolicOp.h"

#include <algorithm>

using namespace llvm;

namespace tlc {

static Error gmpInferTypes(const Node &node, ArrayRef<InputInfo> in,
                           SmallVectorImpl<TensorType> &out) {
  if (Error e = checkKnownAttrs(node, {}))
    return e;
  if (Error e = checkInputCount(in, 1, 1))
    return e;
  if (Error e = checkF32(in, 0, "X"))
    return e;
  const TensorType &x = in[0].type;
  if (x.rank() < 3 || x.rank() > kReduceMaxRank)
    return opError("X must have rank 3 to " + Twine(kReduceMaxRank) +
                   " (N, C, spatial dims), got " + x.str());
  if (Error e = checkFits32(x, "input"))
    return e;
  SymShape dims = x.dims();
  for (size_t i = 2; i < dims.size(); ++i)
    dims[i] = 1;
  out.push_back(TensorType::withDims(x.dtype, dims));
  return Error::success();
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
