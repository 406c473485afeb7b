//===- ops/Mod.cpp - Mod: elementwise remainder, numpy broadcasting -------===//
//
// ONNX Mod (opset 13): A mod B with multidirectional broadcasting (rank <=
// 6). Attribute fmod (default 0): 0 gives the remainder with the sign of the
// divisor (Python's %, integers only: ONNX requires fmod = 1 for floats), 1
// the sign of the dividend (C's fmod). f32 on the device (shaders/binary.comp
// code 8: x - y * trunc(x / y)); i32 and i64 fold at compile time (division
// by zero is an error there). Shared logic: ops/Binary.h.
//
//===----------------------------------------------------------------------===//
#include "ops/Binary.h"
#include "ops/OpList.h"
#include "ops/OpUtil.h"
#include "ops/SymbolicOp.h"

using namespace llvm;

namespace tlc {

static BinaryOpCode modCode(const Node &node) {
  return verifiedValue(getFlagAttr(node, "fmod", false)) ? BinaryOpCode::Fmod
                                                         : BinaryOpCode::Mod;
}

static Error modInferTypes(const Node &node, ArrayRef<InputInfo> in,
                           SmallVectorImpl<TensorType> &out) {
  if (Error e = inferBinaryTypesWithAttrs(node, in, out, {"fmod"}))
    return e;
  Expected<bool> fmod = getFlagAttr(node, "fmod", false);
  if (!fmod)
    return fmod.takeError();
  if (!*fmod && in[0].type.dtype == DType::F32)
    return opError("attribute 'fmod' is 0 with f32 inputs; ONNX requires 1 "
                   "for floating-point Mod");
  return Error::success();
}

static Error modReference(const Node &node, ArrayRef<const HostTensor *> in,
                          MutableArrayRef<HostTensor> out) {
  return referenceBinary(modCode(node), *in[0], *in[1], out[0]);
}

static void modLower(const Node &, ArrayRef<TensorType> in,
                     ArrayRef<TensorType> out, const KernelTarget &,
                     SmallVectorImpl<DispatchDesc> &d) {
  // The device computes f32, where the shape rule requires fmod = 1.
  d.push_back(lowerBinary(BinaryOpCode::Fmod, in[0], in[1], out[0]));
}

const OpDef kModOp = symbolicOp({"Mod", modInferTypes, modReference, modLower,
                                 /*memory=*/{},
                                 /*referenceDTypes=*/kDataDTypes});

} // namespace tlc
