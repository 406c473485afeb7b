//===- ops/Sqrt.cpp - Sqrt: y = sqrt(x) -----------------------------------===//
//
// ONNX Sqrt (opset 17): elementwise, one f32 input, output of the same type.
// Shader: shaders/unary.comp with operation code UnaryOpCode::Sqrt.
//
//===----------------------------------------------------------------------===//
#include "ops/OpList.h"
#include "ops/SymbolicOp.h"
#include "ops/Unary.h"

#include <cmath>

using namespace llvm;

namespace tlc {

static Error sqrtReference(const Node &, ArrayRef<const HostTensor *> in,
                           MutableArrayRef<HostTensor> out) {
  ArrayRef<float> x = in[0]->f32();
  for (size_t i = 0; i < x.size(); ++i) {
    double v = x[i];
    out[0].f32()[i] = float(std::sqrt(v));
  }
  return Error::success();
}

static void sqrtLower(const Node &, ArrayRef<TensorType>,
                      ArrayRef<TensorType> out,
                      const KernelTarget &,
                      SmallVectorImpl<DispatchDesc> &d) {
  d.push_back(lowerUnary(UnaryOpCode::Sqrt, out[0].numElementsExpr()));
}

const OpDef kSqrtOp = symbolicOp({"Sqrt",
                       inferUnaryTypes,
                       sqrtReference,
                       sqrtLower,
                       {/*isView=*/false, /*inPlaceInputs=*/{0}}});

} // namespace tlc
