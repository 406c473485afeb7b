//===- ops/Add.cpp - Add: elementwise C = A + B, numpy broadcasting -------===//
//
// ONNX Add (opset 14) on f32, i32 and i64 with multidirectional broadcasting (rank <= 6).
// Shared logic: ops/Binary.h. Shader: shaders/binary.comp.
//
//===----------------------------------------------------------------------===//
#include "ops/Binary.h"
#include "ops/OpList.h"
#include "ops/OpUtil.h"
#include "ops/SymbolicOp.h"

using namespace llvm;

namespace tlc {

static Error addReference(const Node &, ArrayRef<const HostTensor *> in,
                          MutableArrayRef<HostTensor> out) {
  return referenceBinary(BinaryOpCode::Add, *in[0], *in[1], out[0]);
}

static void addLower(const Node &, ArrayRef<TensorType> in,
                     ArrayRef<TensorType> out,
                     const KernelTarget &target,
                     SmallVectorImpl<DispatchDesc> &d) {
  d.push_back(lowerBinary(BinaryOpCode::Add, in[0], in[1], out[0]));
}

static Error addFoldSymbolic(const Node &, ArrayRef<SymTensor> in,
                                MutableArrayRef<SymTensor> out) {
  return foldBinarySymbolic(BinaryOpCode::Add, in, out);
}

const OpDef kAddOp = withSymbolicFold(symbolicOp({"Add",
                      inferBinaryTypes,
                      addReference,
                      addLower,
                      {/*isView=*/false, /*inPlaceInputs=*/{0, 1}},
                      /*referenceDTypes=*/kDataDTypes,
                      /*deviceDTypes=*/kDataDTypes}), addFoldSymbolic);

} // namespace tlc
