//===- ops/Reshape.cpp - Reshape to a constant target shape ---------------===//
//
// ONNX Reshape (opset 14): data (f32, or i32/i64 such as token ids; the
// copy moves 32-bit words) and shape (i64, 1-D, which tlc requires
// to be a compile-time constant: a weight, or a shape value whose entries
// are expressions over symbols, docs/shape-ranges.md). In the target shape, 0 copies
// the input dim at the same index (unless allowzero=1, which tlc rejects
// since it would make an empty tensor) and one -1 is inferred from the
// element count. The data is unchanged, so the lowering is a copy
// (shaders/unary.comp, Copy).
//
//===----------------------------------------------------------------------===//
#include "ops/OpList.h"
#include "ops/OpUtil.h"
#include "ops/SymbolicOp.h"
#include "ops/Unary.h"

#include <cstring>

using namespace llvm;

namespace tlc {

static Error reshapeInferTypes(const Node &node, ArrayRef<InputInfo> in,
                               SmallVectorImpl<TensorType> &out) {
  if (Error e = checkKnownAttrs(node, {"allowzero"}))
    return e;
  if (Error e = checkInputCount(in, 2, 2))
    return e;
  if (in[0].type.dtype == DType::F16)
    return opError("input 0 (data) has dtype f16; expected f32, i32 or i64");
  if (Error e = checkFits32(in[0].type, "input 0 (data)"))
    return e;
  const TensorType &st = in[1].type;
  if (st.dtype != DType::I64)
    return opError("input 1 (shape) has dtype " + dtypeName(st.dtype) +
                   "; expected i64");
  if (Error e = checkRank(st, 1, "shape"))
    return e;
  Expected<bool> allowZero = getFlagAttr(node, "allowzero", false);
  if (!allowZero)
    return allowZero.takeError();
  int64_t count = st.shape[0];
  if (in[1].data.empty())
    return opError("input 1 (shape) must be a compile-time constant (a "
                   "weight); tlc plans memory ahead of time");
  if (in[1].data.size() != uint64_t(count) * 8)
    return opError("input 1 (shape) holds " + Twine(in[1].data.size()) +
                   " bytes; expected " + Twine(count * 8) + " (" +
                   Twine(count) + " x i64)");
  SymShape inDims = in[0].type.dims();
  SymShape target(size_t(count), 0);
  int inferAt = -1;
  DimExpr known = 1;
  for (int64_t i = 0; i < count; ++i) {
    DimExpr e;
    if (!in[1].symData.empty()) {
      e = in[1].symData[size_t(i)];
    } else {
      int64_t v;
      std::memcpy(&v, in[1].data.data() + i * 8, 8);
      e = v;
    }
    if (!e.isConstant()) {
      if (e.lowerBound() < 1)
        return opError("shape[" + Twine(i) + "] is " + e.str() +
                       ", which can be < 1; expected a positive size");
      target[i] = e;
      known *= e;
      continue;
    }
    int64_t v = e.constant();
    if (v == -1) {
      if (inferAt >= 0)
        return opError("shape has more than one -1 (entries " + Twine(inferAt) +
                       " and " + Twine(i) + ")");
      inferAt = int(i);
      continue;
    }
    if (v == 0) {
      if (*allowZero)
        return opError("shape[" + Twine(i) +
                       "] is 0 with allowzero=1: empty tensors are not "
                       "supported");
      if (i >= int64_t(inDims.size()))
        return opError("shape[" + Twine(i) +
                       "] is 0 (copy the input dim) "
                       "but the input " +
                       in[0].type.str() + " has rank " + Twine(inDims.size()));
      target[i] = inDims[i];
      known *= inDims[i];
      continue;
    }
    if (v < -1)
      return opError("shape[" + Twine(i) + "] is " + Twine(v) +
                     "; expected -1, 0 or a positive size");
    target[i] = v;
    if (known.upperBound() > kMaxTensorElements / v)
      return opError("shape's element count overflows");
    known *= v;
  }
  DimExpr total = in[0].type.numElementsExpr();
  if (inferAt >= 0) {
    std::optional<DimExpr> q = exactDiv(total, known);
    if (!q)
      return opError("cannot infer the -1 in the shape: " + total.str() +
                     " elements are not divisible by " + known.str() +
                     (total.isConstant() && known.isConstant()
                          ? ""
                          : " for every value of the symbols"));
    target[inferAt] = *q;
  } else if (known != total) {
    return opError("shape has " + known.str() + " elements, the input " +
                   in[0].type.str() + " has " + total.str());
  }
  out.push_back(TensorType::withDims(in[0].type.dtype, target));
  return Error::success();
}

static Error reshapeReference(const Node &, ArrayRef<const HostTensor *> in,
                              MutableArrayRef<HostTensor> out) {
  llvm::copy(in[0]->bytes(), out[0].bytes().begin());
  return Error::success();
}

static void reshapeLower(const Node &, ArrayRef<TensorType> in,
                         ArrayRef<TensorType> out,
                         const KernelTarget &target,
                         SmallVectorImpl<DispatchDesc> &d) {
  // A bit copy of 32-bit words: i64 elements are two words each.
  DimExpr words = out[0].numElementsExpr() *
                  int64_t(dtypeBytes(out[0].dtype) / 4);
  DispatchDesc copy = lowerUnary(UnaryOpCode::Copy, words);
  copy.operands = {0, 2}; // data -> output (operand 1 is the shape)
  d.push_back(copy);
}

const OpDef kReshapeOp = withSymbolicFold(symbolicOp({"Reshape",
                          reshapeInferTypes,
                          reshapeReference,
                          reshapeLower,
                          {/*isView=*/true, /*inPlaceInputs=*/{}},
    /*referenceDTypes=*/kDataDTypes, /*deviceDTypes=*/kDataDTypes}), foldByElementIndex);

} // namespace tlc
