//===- ops/Sub.cpp - Sub: elementwise C = A - B, numpy broadcasting -------===//
//
// ONNX Sub (opset 14) on f32, i32 and i64 with multidirectional broadcasting (rank <= 6).
// Shared logic: ops/Binary.h. Shader: shaders/binary.comp.
//
//===----------------------------------------------------------------------===//
#include "ops/Binary.h"
#include "ops/OpList.h"
#include "ops/OpUtil.h"
#include "ops/SymbolicOp.h"

using namespace llvm;

namespace tlc {

static Error subReference(const Node &, ArrayRef<const HostTensor *> in,
                          MutableArrayRef<HostTensor> out) {
  return referenceBinary(BinaryOpCode::Sub, *in[0], *in[1], out[0]);
}

static void subLower(const Node &, ArrayRef<TensorType> in,
                     ArrayRef<TensorType> out,
                     const KernelTarget &target,
                     SmallVectorImpl<DispatchDesc> &d) {
  d.push_back(lowerBinary(BinaryOpCode::Sub, in[0], in[1], out[0]));
}

static Error subFoldSymbolic(const Node &, ArrayRef<SymTensor> in,
                                MutableArrayRef<SymTensor> out) {
  return foldBinarySymbolic(BinaryOpCode::Sub, in, out);
}

const OpDef kSubOp = withSymbolicFold(symbolicOp({"Sub",
                      inferBinaryTypes,
                      subReference,
                      subLower,
                      {/*isView=*/false, /*inPlaceInputs=*/{0, 1}},
                      /*referenceDTypes=*/kDataDTypes,
                      /*deviceDTypes=*/kDataDTypes}), subFoldSymbolic);

} // namespace tlc
