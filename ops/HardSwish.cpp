//===- ops/HardSwish.cpp - HardSwish: x * max(0, min(1, x/6 + 1/2)) -------===//
//
// ONNX HardSwish (opset 17): elementwise, one f32 input, output of the same
// type. Shader: shaders/unary.comp with operation code UnaryOpCode::HardSwish.
//
//===----------------------------------------------------------------------===//
#include "ops/OpList.h"
#include "ops/Unary.h"

#include <algorithm>
#include <cmath>

using namespace llvm;

namespace tlc {

static void hardSwishReference(const Node &, ArrayRef<const HostTensor *> in,
                               MutableArrayRef<HostTensor> out) {
  const std::vector<float> &x = in[0]->data;
  for (size_t i = 0; i < x.size(); ++i) {
    double v = x[i];
    out[0].data[i] = float(v * std::min(1.0, std::max(0.0, v / 6.0 + 0.5)));
  }
}

static void hardSwishLower(const Node &, ArrayRef<TensorType>,
                           ArrayRef<TensorType> out,
                           const KernelTarget &,
                           SmallVectorImpl<DispatchDesc> &d) {
  d.push_back(lowerUnary(UnaryOpCode::HardSwish, out[0].numElements()));
}

const OpDef kHardSwishOp = {"HardSwish",
                            inferUnaryTypes,
                            hardSwishReference,
                            hardSwishLower,
                            {/*isView=*/false, /*inPlaceInputs=*/{0}}};

} // namespace tlc
