//===- ops/Div.cpp - Div: elementwise C = A / B, numpy broadcasting -------===//
//
// ONNX Div (opset 14) on f32 with multidirectional broadcasting (rank <= 6).
// Shared logic: ops/Binary.h. Shader: shaders/binary.comp.
//
//===----------------------------------------------------------------------===//
#include "ops/Binary.h"
#include "ops/OpList.h"
#include "ops/OpUtil.h"
#include "ops/SymbolicOp.h"

using namespace llvm;

namespace tlc {

static Error divReference(const Node &, ArrayRef<const HostTensor *> in,
                          MutableArrayRef<HostTensor> out) {
  return referenceBinary(BinaryOpCode::Div, *in[0], *in[1], out[0]);
}

static void divLower(const Node &, ArrayRef<TensorType> in,
                     ArrayRef<TensorType> out,
                     const KernelTarget &target,
                     SmallVectorImpl<DispatchDesc> &d) {
  d.push_back(lowerBinary(BinaryOpCode::Div, in[0], in[1], out[0]));
}

static Error divFoldSymbolic(const Node &, ArrayRef<SymTensor> in,
                                MutableArrayRef<SymTensor> out) {
  return foldBinarySymbolic(BinaryOpCode::Div, in, out);
}

const OpDef kDivOp = withSymbolicFold(symbolicOp({"Div",
                      inferBinaryTypes,
                      divReference,
                      divLower,
                      {/*isView=*/false, /*inPlaceInputs=*/{0, 1}},
                      /*referenceDTypes=*/kDataDTypes}), divFoldSymbolic);

} // namespace tlc
