//===- ops/Identity.cpp - Identity and Dropout (inference) ----------------===//
//
// ONNX Identity (opset 16): Y = X. ONNX Dropout (opset 13) at inference:
// Y = X and, when requested, a mask of ones (a boolean, held as i64); a
// constant training_mode must be false. Both fold when their input is
// constant and are otherwise removed before lowering
// (passes/RemoveIdentities.cpp), so they have no kernel.
//
//===----------------------------------------------------------------------===//
#include "ops/OpList.h"
#include "ops/OpUtil.h"

using namespace llvm;

namespace tlc {

static Error identityInferTypes(const Node &node, ArrayRef<InputInfo> in,
                                SmallVectorImpl<TensorType> &out) {
  if (Error e = checkKnownAttrs(node, {}))
    return e;
  if (Error e = checkInputCount(in, 1, 1))
    return e;
  out.push_back(in[0].type);
  return Error::success();
}

static Error identityReference(const Node &, ArrayRef<const HostTensor *> in,
                               MutableArrayRef<HostTensor> out) {
  llvm::copy(in[0]->bytes(), out[0].bytes().begin());
  return Error::success();
}

static Error dropoutInferTypes(const Node &node, ArrayRef<InputInfo> in,
                               SmallVectorImpl<TensorType> &out) {
  if (Error e = checkKnownAttrs(node, {"seed"}))
    return e;
  if (Error e = checkInputCount(in, 1, 3))
    return e;
  if (in.size() == 3 && !in[2].data.empty() &&
      llvm::any_of(in[2].data, [](uint8_t b) { return b != 0; }))
    return opError("training_mode is true; tlc runs inference only");
  out.push_back(in[0].type);
  if (node.outputs.size() > 1)
    out.push_back(TensorType{DType::I64, in[0].type.shape});
  return Error::success();
}

static Error dropoutReference(const Node &, ArrayRef<const HostTensor *> in,
                              MutableArrayRef<HostTensor> out) {
  llvm::copy(in[0]->bytes(), out[0].bytes().begin());
  if (out.size() > 1)
    for (int64_t i = 0; i < out[1].numElements(); ++i)
      out[1].setInt(i, 1);
  return Error::success();
}

static constexpr DTypeSet kAnyDType = {DType::F32, DType::F16, DType::I32,
                                       DType::I64};

const OpDef kIdentityOp = withSymbolicFold({"Identity",         identityInferTypes,
                           identityReference,  /*lower=*/nullptr,
                           /*memory=*/{},      /*referenceDTypes=*/kAnyDType,
                           /*deviceDTypes=*/{}}, foldByElementIndex);

const OpDef kDropoutOp = {"Dropout",        dropoutInferTypes,
                          dropoutReference, /*lower=*/nullptr,
                          /*memory=*/{},    /*referenceDTypes=*/kAnyDType,
                          /*deviceDTypes=*/{}};

} // namespace tlc
