//===- ops/Identity.cpp - Identity and Dropout (inference) ----------------===//
//
// ONNX Identity (opset 16): Y = X. ONNX Dropout (opset 13) at inference:
// Y = X and, when requested, a mask of ones (a boolean, held as i64); a
// constant training_mode must be false. Both fold when their input is
// constant and are otherwise removed before lowering
// (passes/RemoveIdentities.cpp). What stays is a graph output copied from a
// graph input or a weight (a folded constant, passes/ConstantFolding.cpp),
// or a Dropout whose mask is read: their lowering copies X's 32-bit words
// (shaders/unary.comp, Copy; an i64 element is two) and fills the mask
// (shaders/fill.comp).
//
//===----------------------------------------------------------------------===//
#include "ops/NoOp.h"
#include "ops/OpList.h"
#include "ops/OpUtil.h"
#include "ops/SymbolicOp.h"
#include "ops/Unary.h"

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
  // training_mode decides the whole computation: it must be known, and
  // false, at compile time, unless the ratio is a constant 0 (training with
  // nothing dropped is the identity too: exporters emit it for a
  // Dropout(p = 0) called with training=True, as torchvision's swin_t).
  bool zeroRatio =
      in.size() >= 2 && isZeroDropoutRatio(in[1].type, in[1].data);
  if (in.size() == 3 && !zeroRatio) {
    if (in[2].data.empty())
      return opError("input 2 (training_mode) must be a compile-time "
                     "constant (false): tlc runs inference only");
    if (llvm::any_of(in[2].data, [](uint8_t b) { return b != 0; }))
      return opError("training_mode is true; tlc runs inference only");
  }
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

/// Appends the copy of operand 0's 32-bit words into operand \p y, of type
/// \p t.
static void appendWordCopy(const TensorType &t, unsigned y,
                           SmallVectorImpl<DispatchDesc> &d) {
  DimExpr words = t.numElementsExpr() * int64_t(dtypeBytes(t.dtype) / 4);
  DispatchDesc copy = lowerUnary(UnaryOpCode::Copy, words);
  copy.operands = {0, y};
  d.push_back(copy);
}

static void identityLower(const Node &, ArrayRef<TensorType> in,
                          ArrayRef<TensorType> out, const KernelTarget &,
                          SmallVectorImpl<DispatchDesc> &d) {
  appendWordCopy(out[0], unsigned(in.size()), d);
}

static void dropoutLower(const Node &, ArrayRef<TensorType> in,
                         ArrayRef<TensorType> out, const KernelTarget &,
                         SmallVectorImpl<DispatchDesc> &d) {
  unsigned y = unsigned(in.size());
  appendWordCopy(out[0], y, d);
  if (out.size() < 2)
    return;
  // The mask: an i64 1 (words 1, 0) per element.
  DispatchDesc fill;
  fill.shader = "fill";
  DimExpr words = out[1].numElementsExpr() * 2;
  fill.specConstants = spec::u32s({0, 1u, 0u});
  setDim(fill, 0, words);
  fill.operands = {y + 1};
  fill.writes = {0};
  setGrid1D(fill, words, 256);
  d.push_back(fill);
}

static constexpr DTypeSet kAnyDType = {DType::F32, DType::F16, DType::I32,
                                       DType::I64};

const OpDef kIdentityOp = withSymbolicFold(symbolicOp({"Identity",
                           identityInferTypes, identityReference,
                           identityLower, /*memory=*/{},
                           /*referenceDTypes=*/kAnyDType,
                           /*deviceDTypes=*/kDataDTypes}), foldByElementIndex);

const OpDef kDropoutOp = {"Dropout",        dropoutInferTypes,
                          dropoutReference, dropoutLower,
                          /*memory=*/{},    /*referenceDTypes=*/kAnyDType,
                          /*deviceDTypes=*/kDataDTypes};

} // namespace tlc
