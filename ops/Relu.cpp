//===- ops/Relu.cpp - Relu: y = max(x, 0) ---------------------------------===//
//
// ONNX Relu (opset 14): elementwise, one input, output of the same type.
// Shader: shaders/unary.comp with operation code kUnaryRelu.
//
//===----------------------------------------------------------------------===//
#include "ops/OpDef.h"
#include "ops/OpList.h"
#include "ops/SymbolicOp.h"
#include "ops/Unary.h"

using namespace llvm;

namespace tlc {

static Error reluReference(const Node &, ArrayRef<const HostTensor *> in,
                           MutableArrayRef<HostTensor> out) {
  ArrayRef<float> x = in[0]->f32();
  for (size_t i = 0; i < x.size(); ++i)
    out[0].f32()[i] = x[i] > 0.0f ? x[i] : 0.0f;
  return Error::success();
}

static void reluLower(const Node &node, ArrayRef<TensorType> in,
                      ArrayRef<TensorType> out,
                      const KernelTarget &target,
                      SmallVectorImpl<DispatchDesc> &d) {
  d.push_back(lowerUnary(UnaryOpCode::Relu, out[0].numElementsExpr()));
}

const OpDef kReluOp = symbolicOp({"Relu",
                       inferUnaryTypes,
                       reluReference,
                       reluLower,
                       {/*isView=*/false, /*inPlaceInputs=*/{0}}});

} // namespace tlc
