//===- ops/InstanceNormalization.cpp - per-channel normalization ----------===//
//
// ONNX InstanceNormalization (opset 6): input [N, C, D1, ...] (f32, rank
// >= 3, static), scale [C] and B [C], attribute epsilon (1e-5): each
// (n, c) plane is normalized by its own mean and variance, then scaled and
// shifted by the channel's values:
//   y = (x - mean) / sqrt(var + epsilon) * scale[c] + B[c].
// Style-transfer and some speech models use it. Lowering: the layernorm
// shader over [N*C, D1*...] rows with CHANNELS = C (scale and B indexed by
// row % C), one workgroup per plane.
//
//===----------------------------------------------------------------------===//
#include "ops/OpList.h"
#include "ops/OpUtil.h"

#include <cmath>

using namespace llvm;

namespace tlc {
namespace {

Error instanceNormInferTypes(const Node &node, ArrayRef<InputInfo> in,
                             SmallVectorImpl<TensorType> &out) {
  if (Error e = checkKnownAttrs(node, {"epsilon"}))
    return e;
  if (Error e = checkInputCount(in, 3, 3))
    return e;
  for (unsigned i = 0; i < 3; ++i)
    if (Error e = checkF32(in, i, i == 0 ? "input" : i == 1 ? "scale" : "B"))
      return e;
  const TensorType &x = in[0].type;
  if (!x.isStatic() || x.rank() < 3)
    return opError("input " + x.str() +
                   " must have a static shape of rank >= 3 ([N, C, D1, ...])");
  for (unsigned i = 1; i < 3; ++i)
    if (in[i].type.shape != Shape{x.shape[1]})
      return opError(Twine(i == 1 ? "scale " : "B ") + in[i].type.str() +
                     " must be [" + Twine(x.shape[1]) + "], one value per "
                     "channel of " + x.str());
  if (Error e = normEpsilon(node).takeError())
    return e;
  if (Error e = checkFits32(x, "input"))
    return e;
  out.push_back(x);
  return Error::success();
}

Error instanceNormReference(const Node &node, ArrayRef<const HostTensor *> in,
                            MutableArrayRef<HostTensor> out) {
  const Shape &s = in[0]->type.shape;
  int64_t channels = s[1], planes = s[0] * s[1];
  int64_t size = in[0]->numElements() / planes;
  double eps = verifiedValue(normEpsilon(node));
  ArrayRef<float> x = in[0]->f32(), scale = in[1]->f32(), b = in[2]->f32();
  MutableArrayRef<float> y = out[0].f32();
  for (int64_t p = 0; p < planes; ++p) {
    const float *row = x.data() + p * size;
    double mean = 0, var = 0;
    for (int64_t i = 0; i < size; ++i)
      mean += row[i];
    mean /= double(size);
    for (int64_t i = 0; i < size; ++i)
      var += (row[i] - mean) * (row[i] - mean);
    var /= double(size);
    double inv = 1.0 / std::sqrt(var + eps);
    int64_t c = p % channels;
    for (int64_t i = 0; i < size; ++i)
      y[p * size + i] = float((row[i] - mean) * inv * scale[c] + b[c]);
  }
  return Error::success();
}

void instanceNormLower(const Node &node, ArrayRef<TensorType> in,
                       ArrayRef<TensorType>, const KernelTarget &target,
                       SmallVectorImpl<DispatchDesc> &dispatches) {
  const Shape &s = in[0].shape;
  int64_t planes = s[0] * s[1];
  int64_t size = in[0].numElements() / planes;
  DispatchDesc d;
  d.shader = target.subgroupArithmetic ? "layernorm_subgroup" : "layernorm";
  d.specConstants = spec::u32s(
      {uint32_t(planes), uint32_t(size),
       floatBits(float(verifiedValue(normEpsilon(node)))), 1u,
       uint32_t(s[1])});
  d.operands = {0, 1, 2, 3};
  d.writes = {3};
  setGrid1D(d, uint64_t(planes), 1); // one workgroup per plane
  dispatches.push_back(d);
}

} // namespace

const OpDef kInstanceNormalizationOp = {"InstanceNormalization",
                                        instanceNormInferTypes,
                                        instanceNormReference,
                                        instanceNormLower};

} // namespace tlc
