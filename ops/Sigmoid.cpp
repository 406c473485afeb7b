//===- ops/Sigmoid.cpp - Sigmoid: y = 1 / (1 + exp(-x)) -------------------===//
//
// ONNX Sigmoid (opset 17): elementwise, one f32 input, output of the same type.
// Shader: shaders/unary.comp with operation code UnaryOpCode::Sigmoid.
//
//===----------------------------------------------------------------------===//
#include "ops/OpList.h"
#include "ops/Unary.h"

#include <cmath>

using namespace llvm;

namespace tlc {

static void sigmoidReference(const Node &, ArrayRef<const HostTensor *> in,
                             MutableArrayRef<HostTensor> out) {
  const std::vector<float> &x = in[0]->data;
  for (size_t i = 0; i < x.size(); ++i) {
    double v = x[i];
    out[0].data[i] = float(1.0 / (1.0 + std::exp(-v)));
  }
}

static void sigmoidLower(const Node &, ArrayRef<TensorType>,
                         ArrayRef<TensorType> out,
                         const KernelTarget &,
                         SmallVectorImpl<DispatchDesc> &d) {
  d.push_back(lowerUnary(UnaryOpCode::Sigmoid, out[0].numElements()));
}

const OpDef kSigmoidOp = {"Sigmoid",
                          inferUnaryTypes,
                          sigmoidReference,
                          sigmoidLower,
                          {/*isView=*/false, /*inPlaceInputs=*/{0}}};

} // namespace tlc
