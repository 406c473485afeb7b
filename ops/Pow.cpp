//===- ops/Pow.cpp - Pow: elementwise Z = X ^ Y, numpy broadcasting -------===//
//
// ONNX Pow (opset 15) on f32 base and f32 exponent with multidirectional
// broadcasting (rank <= 6). Shared logic: ops/Binary.h. Shader:
// shaders/binary.comp.
//
//===----------------------------------------------------------------------===//
#include "ops/Binary.h"
#include "ops/OpList.h"

using namespace llvm;

namespace tlc {

static void powReference(const Node &, ArrayRef<const HostTensor *> in,
                         MutableArrayRef<HostTensor> out) {
  referenceBinary(BinaryOpCode::Pow, *in[0], *in[1], out[0]);
}

static void powLower(const Node &, ArrayRef<TensorType> in,
                     ArrayRef<TensorType> out,
                     const KernelTarget &target,
                     SmallVectorImpl<DispatchDesc> &d) {
  d.push_back(lowerBinary(BinaryOpCode::Pow, in[0], in[1], out[0]));
}

const OpDef kPowOp = {"Pow",
                      inferBinaryTypes,
                      powReference,
                      powLower,
                      {/*isView=*/false, /*inPlaceInputs=*/{0, 1}}};

} // namespace tlc
