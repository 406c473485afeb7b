//===- ops/Tanh.cpp - Tanh: elementwise tanh ------------------------------===//
//
// ONNX Tanh (opset 13): y = tanh(x) = (e^x - e^-x) / (e^x + e^-x),
// elementwise over one f32 input.
// Shader: shaders/unary_math.comp with function code 0.
//
//===----------------------------------------------------------------------===//
#include "ops/OpList.h"
#include "ops/OpUtil.h"
#include "ops/SymbolicOp.h"
#include "ops/Unary.h"

#include <cmath>

using namespace llvm;

namespace tlc {

static Error tanhReference(const Node &, ArrayRef<const HostTensor *> in,
                           MutableArrayRef<HostTensor> out) {
  ArrayRef<float> x = in[0]->f32();
  for (size_t i = 0; i < x.size(); ++i)
    out[0].f32()[i] = float(std::tanh(double(x[i])));
  return Error::success();
}

static void tanhLower(const Node &, ArrayRef<TensorType> in,
                      ArrayRef<TensorType> out,
                      const KernelTarget &target,
                      SmallVectorImpl<DispatchDesc> &d) {
  DispatchDesc u;
  u.shader = "unary_math";
  // N is a run-time value of unary_math_dyn for a symbolic shape.
  u.specConstants = spec::u32s({0, /*function=*/0u});
  setDim(u, 0, out[0].numElementsExpr());
  u.operands = {0, 1};
  u.writes = {1};
  setGrid1D(u, out[0].numElementsExpr(), 256);
  d.push_back(u);
}

const OpDef kTanhOp = symbolicOp({"Tanh",
                       inferUnaryTypes,
                       tanhReference,
                       tanhLower,
                       {/*isView=*/false, /*inPlaceInputs=*/{0}}});

} // namespace tlc
