//===- ops/Pow.cpp - Pow: elementwise Z = X ^ Y, numpy broadcasting -------===//
//
// ONNX Pow (opset 15) on f32 base and f32 exponent with multidirectional
// broadcasting (rank <= 6). Shared logic: ops/Binary.h. Shader:
// shaders/binary.comp.
//
//===----------------------------------------------------------------------===//
#include "ops/Binary.h"
#include "ops/OpList.h"
#include "ops/OpUtil.h"
#include "ops/SymbolicOp.h"

using namespace llvm;

namespace tlc {

/// Binary's shape rule, for f32 only (the reference computes f32).
static Error powInferTypes(const Node &node, ArrayRef<InputInfo> in,
                           SmallVectorImpl<TensorType> &out) {
  for (unsigned i = 0; i < in.size() && i < 2; ++i)
    if (Error e = checkF32(in, i, i == 0 ? "A" : "B"))
      return e;
  return inferBinaryTypes(node, in, out);
}

static Error powReference(const Node &, ArrayRef<const HostTensor *> in,
                          MutableArrayRef<HostTensor> out) {
  return referenceBinary(BinaryOpCode::Pow, *in[0], *in[1], out[0]);
}

static void powLower(const Node &, ArrayRef<TensorType> in,
                     ArrayRef<TensorType> out,
                     const KernelTarget &target,
                     SmallVectorImpl<DispatchDesc> &d) {
  d.push_back(lowerBinary(BinaryOpCode::Pow, in[0], in[1], out[0]));
}

const OpDef kPowOp = symbolicOp({"Pow",
                      powInferTypes,
                      powReference,
                      powLower,
                      {/*isView=*/false, /*inPlaceInputs=*/{0, 1}}});

} // namespace tlc
