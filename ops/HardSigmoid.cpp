//===- ops/HardSigmoid.cpp - HardSigmoid: max(0, min(1, a*x + b)) ---------===//
//
// ONNX HardSigmoid (opset 6, unchanged through 17): elementwise on f32 with
// float attributes alpha (default 0.2) and beta (default 0.5). Shader:
// shaders/unary.comp with UnaryOpCode::HardSigmoid, alpha and beta passed as
// specialization constants.
//
//===----------------------------------------------------------------------===//
#include "ops/OpList.h"
#include "ops/OpUtil.h"
#include "ops/SymbolicOp.h"
#include "ops/Unary.h"

#include <algorithm>
#include <cmath>

#include "llvm/Support/FormatVariadic.h"

using namespace llvm;

namespace tlc {

/// alpha and beta of \p node; the shape rule has checked that they are
/// finite floats.
static std::pair<float, float> hardSigmoidParams(const Node &node) {
  float alpha = float(cantFail(node.attrs.getFloat("alpha", 0.2)));
  float beta = float(cantFail(node.attrs.getFloat("beta", 0.5)));
  return {alpha, beta};
}

static Error hardSigmoidInferTypes(const Node &node, ArrayRef<InputInfo> in,
                                   SmallVectorImpl<TensorType> &out) {
  for (StringRef name : {"alpha", "beta"}) {
    Expected<double> v = node.attrs.getFloat(name, 0.0);
    if (!v)
      return v.takeError();
    if (!std::isfinite(float(*v)))
      return opError("attribute '" + name + "' is " +
                     Twine(formatv("{0}", *v).str()) +
                     "; expected a finite f32 value");
  }
  return inferUnaryTypesWithAttrs(node, in, out, {"alpha", "beta"});
}

static Error hardSigmoidReference(const Node &node,
                                  ArrayRef<const HostTensor *> in,
                                  MutableArrayRef<HostTensor> out) {
  auto [alpha, beta] = hardSigmoidParams(node);
  ArrayRef<float> x = in[0]->f32();
  for (size_t i = 0; i < x.size(); ++i)
    out[0].f32()[i] = float(
        std::min(1.0, std::max(0.0, double(alpha) * x[i] + double(beta))));
  return Error::success();
}

static void hardSigmoidLower(const Node &node, ArrayRef<TensorType>,
                             ArrayRef<TensorType> out,
                             const KernelTarget &,
                             SmallVectorImpl<DispatchDesc> &d) {
  auto [alpha, beta] = hardSigmoidParams(node);
  d.push_back(
      lowerUnary(UnaryOpCode::HardSigmoid, out[0].numElementsExpr(), alpha, beta));
}

const OpDef kHardSigmoidOp = symbolicOp({"HardSigmoid",
                              hardSigmoidInferTypes,
                              hardSigmoidReference,
                              hardSigmoidLower,
                              {/*isView=*/false, /*inPlaceInputs=*/{0}}});

} // namespace tlc
