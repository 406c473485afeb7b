//===- ops/HardSwish.cpp - HardSwish: x * max(0, min(1, x/6 + 1/2)) -------===//
//
// ONNX HardSwish (opset 17): elementwise, one f32 input, output of the same
// type. Shader: shaders/unary.comp with operation code UnaryOpCode::HardSwish.
//
//===----------------------------------------------------------------------===//
#include "ops/OpList.h"
#include "ops/SymbolicOp.h"
#include "ops/Unary.h"

#include <algorithm>
#include <cmath>

using namespace llvm;

namespace tlc {

static Error hardSwishReference(const Node &, ArrayRef<const HostTensor *> in,
                                MutableArrayRef<HostTensor> out) {
  ArrayRef<float> x = in[0]->f32();
  for (size_t i = 0; i < x.size(); ++i) {
    double v = x[i];
    out[0].f32()[i] = float(v * std::min(1.0, std::max(0.0, v / 6.0 + 0.5)));
  }
  return Error::success();
}

static void hardSwishLower(const Node &, ArrayRef<TensorType>,
                           ArrayRef<TensorType> out,
                           const KernelTarget &,
                           SmallVectorImpl<DispatchDesc> &d) {
  d.push_back(lowerUnary(UnaryOpCode::HardSwish, out[0].numElementsExpr()));
}

const OpDef kHardSwishOp = symbolicOp({"HardSwish",
                            inferUnaryTypes,
                            hardSwishReference,
                            hardSwishLower,
                            {/*isView=*/false, /*inPlaceInputs=*/{0}}});

} // namespace tlc
