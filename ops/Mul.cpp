//===- ops/Mul.cpp - Mul: elementwise C = A * B, numpy broadcasting -------===//
//
// ONNX Mul (opset 14) on f32, i32 and i64 with multidirectional broadcasting (rank <= 6).
// Shared logic: ops/Binary.h. Shader: shaders/binary.comp.
//
//===----------------------------------------------------------------------===//
#include "ops/Binary.h"
#include "ops/OpList.h"
#include "ops/OpUtil.h"
#include "ops/SymbolicOp.h"

using namespace llvm;

namespace tlc {

static Error mulReference(const Node &, ArrayRef<const HostTensor *> in,
                          MutableArrayRef<HostTensor> out) {
  return referenceBinary(BinaryOpCode::Mul, *in[0], *in[1], out[0]);
}

static void mulLower(const Node &, ArrayRef<TensorType> in,
                     ArrayRef<TensorType> out,
                     const KernelTarget &target,
                     SmallVectorImpl<DispatchDesc> &d) {
  d.push_back(lowerBinary(BinaryOpCode::Mul, in[0], in[1], out[0]));
}

static Error mulFoldSymbolic(const Node &, ArrayRef<SymTensor> in,
                                MutableArrayRef<SymTensor> out) {
  return foldBinarySymbolic(BinaryOpCode::Mul, in, out);
}

const OpDef kMulOp = withSymbolicFold(symbolicOp({"Mul",
                      inferBinaryTypes,
                      mulReference,
                      mulLower,
                      {/*isView=*/false, /*inPlaceInputs=*/{0, 1}},
                      /*referenceDTypes=*/kDataDTypes,
                      /*deviceDTypes=*/kDataDTypes}), mulFoldSymbolic);

} // namespace tlc
