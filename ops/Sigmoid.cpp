//===- ops/Sigmoid.cpp - Sigmoid: y = 1 / (1 + exp(-x)) -------------------===//
//
// ONNX Sigmoid (opset 17): elementwise, one f32 input, output of the same type.
// Shader: shaders/unary.comp with operation code UnaryOpCode::Sigmoid.
//
//===----------------------------------------------------------------------===//
#include "ops/OpList.h"
#include "ops/SymbolicOp.h"
#include "ops/Unary.h"

#include <cmath>

using namespace llvm;

namespace tlc {

static Error sigmoidReference(const Node &, ArrayRef<const HostTensor *> in,
                              MutableArrayRef<HostTensor> out) {
  ArrayRef<float> x = in[0]->f32();
  for (size_t i = 0; i < x.size(); ++i) {
    double v = x[i];
    out[0].f32()[i] = float(1.0 / (1.0 + std::exp(-v)));
  }
  return Error::success();
}

static void sigmoidLower(const Node &, ArrayRef<TensorType>,
                         ArrayRef<TensorType> out,
                         const KernelTarget &,
                         SmallVectorImpl<DispatchDesc> &d) {
  d.push_back(lowerUnary(UnaryOpCode::Sigmoid, out[0].numElementsExpr()));
}

const OpDef kSigmoidOp = symbolicOp({"Sigmoid",
                          inferUnaryTypes,
                          sigmoidReference,
                          sigmoidLower,
                          {/*isView=*/false, /*inPlaceInputs=*/{0}}});

} // namespace tlc
