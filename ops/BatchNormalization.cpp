//===- ops/BatchNormalization.cpp - Inference-mode batch normalization ----===//
//
// ONNX BatchNormalization (opset 15) in inference mode:
//   Y = (X - input_mean[c]) / sqrt(input_var[c] + epsilon) * scale[c] + B[c]
// for X of shape [N, C, D1..Dk] (rank >= 2) and the four per-channel inputs
// of shape [C]. Attributes: epsilon (default 1e-5), momentum (accepted,
// unused in inference), training_mode (0 only; the running-statistics
// outputs are an error). The simplification passes fold it into a preceding
// Conv when they can; this op is for the rest. Shader:
// shaders/batchnorm.comp, one invocation per element.
//
//===----------------------------------------------------------------------===//
#include "ops/OpList.h"
#include "ops/OpUtil.h"
#include "ops/SymbolicOp.h"

#include <cmath>

#include "llvm/Support/FormatVariadic.h"

using namespace llvm;

namespace tlc {

static Error batchNormInferTypes(const Node &node, ArrayRef<InputInfo> in,
                                 SmallVectorImpl<TensorType> &out) {
  if (Error e = checkKnownAttrs(node, {"epsilon", "momentum", "training_mode"}))
    return e;
  if (Error e = checkMaxOutputs(node, 1,
                                "the running mean and variance outputs "
                                "(training mode)"))
    return e;
  if (Error e = checkInputCount(in, 5, 5))
    return e;
  static const char *const names[] = {"X", "scale", "B", "input_mean",
                                      "input_var"};
  for (unsigned i = 0; i < 5; ++i)
    if (Error e = checkF32(in, i, names[i]))
      return e;
  if (Error e = checkInputsFit32(in))
    return e;
  if (in[0].type.rank() < 2)
    return opError("input 0 (X) " + in[0].type.str() +
                   " must have rank >= 2 (N, C, ...)");
  // Dims compare as expressions (shape ranges): N and the spatial dims may
  // be symbolic; the parameters must have X's channel dim over the range.
  DimExpr c = in[0].type.dim(1);
  for (unsigned i = 1; i < 5; ++i)
    if (in[i].type.rank() != 1 || in[i].type.dim(0) != c)
      return opError("input " + Twine(i) + " (" + names[i] + ") is " +
                     in[i].type.str() + "; expected [" + c.str() +
                     "] (the channel dim of X)");
  Expected<int64_t> training = node.attrs.getInt("training_mode", 0);
  if (!training)
    return training.takeError();
  if (*training != 0)
    return opError("attribute 'training_mode' is " + Twine(*training) +
                   "; only inference (0) is supported");
  Expected<double> eps = node.attrs.getFloat("epsilon", 1e-5);
  if (!eps)
    return eps.takeError();
  if (!(*eps >= 0.0) || !std::isfinite(float(*eps)))
    return opError("attribute 'epsilon' is " +
                   Twine(formatv("{0}", *eps).str()) +
                   "; expected a finite value >= 0");
  Expected<double> momentum = node.attrs.getFloat("momentum", 0.9);
  if (!momentum)
    return momentum.takeError();
  out.push_back(in[0].type);
  return Error::success();
}

/// Elements per (n, c) plane: the product of the dims after C.
static int64_t planeSize(const Shape &s) {
  int64_t inner = 1;
  for (size_t d = 2; d < s.size(); ++d)
    inner *= s[d];
  return inner;
}

static float epsilonOf(const Node &node) {
  return float(cantFail(node.attrs.getFloat("epsilon", 1e-5)));
}

static Error batchNormReference(const Node &node,
                                ArrayRef<const HostTensor *> in,
                                MutableArrayRef<HostTensor> out) {
  const Shape &s = in[0]->type.shape;
  int64_t c = s[1], inner = planeSize(s);
  double eps = epsilonOf(node);
  for (size_t i = 0; i < in[0]->f32().size(); ++i) {
    int64_t ch = (int64_t(i) / inner) % c;
    double v = (double(in[0]->f32()[i]) - in[3]->f32()[ch]) /
                   std::sqrt(double(in[4]->f32()[ch]) + eps) * in[1]->f32()[ch] +
               in[2]->f32()[ch];
    out[0].f32()[i] = float(v);
  }
  return Error::success();
}

static void batchNormLower(const Node &node, ArrayRef<TensorType> in,
                           ArrayRef<TensorType> out,
                           const KernelTarget &target,
                           SmallVectorImpl<DispatchDesc> &d) {
  DispatchDesc c;
  c.shader = "batchnorm";
  // N, C and INNER are run-time values of batchnorm_dyn when symbolic.
  DimExpr n = out[0].numElementsExpr();
  DimExpr inner = 1;
  for (size_t d = 2; d < in[0].rank(); ++d)
    inner *= in[0].dim(d);
  c.specConstants = spec::u32s({0, 0, 0, floatBits(epsilonOf(node))});
  setDim(c, 0, n);
  setDim(c, 1, in[0].dim(1));
  setDim(c, 2, inner);
  c.operands = {0, 1, 2, 3, 4, 5};
  c.writes = {5};
  setGrid1D(c, n, 256);
  d.push_back(c);
}

const OpDef kBatchNormalizationOp =
    symbolicOp({"BatchNormalization",
                batchNormInferTypes,
                batchNormReference,
                batchNormLower,
                {/*isView=*/false, /*inPlaceInputs=*/{0}}});

} // namespace tlc
