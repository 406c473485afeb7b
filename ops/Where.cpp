//===- ops/Where.cpp - Where: choose elements by a condition --------------===//
//
// ONNX Where (opset 16): X where the condition (a boolean, held as i64) is
// true, else Y; all three broadcast (numpy rules). Folds when its inputs are
// constant; otherwise one shaders/where.comp dispatch (output rank <= 6,
// values of any dtype moved as 32-bit words).
//
//===----------------------------------------------------------------------===//
#include "ops/Binary.h"
#include "ops/Broadcast.h"
#include "ops/OpList.h"
#include "ops/OpUtil.h"
#include "ops/SymbolicOp.h"

using namespace llvm;

namespace tlc {

static Error whereInferTypes(const Node &node, ArrayRef<InputInfo> in,
                             SmallVectorImpl<TensorType> &out) {
  if (Error e = checkKnownAttrs(node, {}))
    return e;
  if (Error e = checkInputCount(in, 3, 3))
    return e;
  if (Error e = checkDType(in, 0, "condition", {DType::I32, DType::I64}))
    return e;
  if (Error e = checkDType(in, 1, "X", kDataDTypes))
    return e;
  if (in[1].type.dtype != in[2].type.dtype)
    return opError("X and Y have dtypes " + dtypeName(in[1].type.dtype) +
                   " and " + dtypeName(in[2].type.dtype));
  Expected<SymShape> s1 =
      broadcastShapes(in[0].type.dims(), in[1].type.dims());
  if (!s1)
    return s1.takeError();
  Expected<SymShape> s = broadcastShapes(*s1, in[2].type.dims());
  if (!s)
    return s.takeError();
  if (s->size() > kBinaryMaxRank)
    return opError("the output has rank " + Twine(s->size()) +
                   "; at most " + Twine(kBinaryMaxRank) + " supported");
  out.push_back(TensorType::withDims(in[1].type.dtype, *s));
  return Error::success();
}

/// Where over shape values (an exporter's Where(Equal(shape, -1), 1,
/// shape)): the condition must be decided; the chosen elements move as
/// expressions.
static Error whereFoldSymbolic(const Node &, ArrayRef<SymTensor> in,
                               MutableArrayRef<SymTensor> out) {
  const Shape &os = out[0].type.shape;
  std::vector<int64_t> ic = broadcastIndices(in[0].type.shape, os);
  std::vector<int64_t> ix = broadcastIndices(in[1].type.shape, os);
  std::vector<int64_t> iy = broadcastIndices(in[2].type.shape, os);
  if (out[0].type.dtype == DType::F32)
    return opError("f32 values do not fold over symbols");
  for (size_t i = 0; i < ic.size(); ++i) {
    const DimExpr &c = in[0].elems[size_t(ic[i])];
    if (!c.isConstant())
      return opError("the condition is symbolic: " + c.str());
    out[0].elems[i] = c.constant() ? in[1].elems[size_t(ix[i])]
                                   : in[2].elems[size_t(iy[i])];
  }
  return Error::success();
}

static Error whereReference(const Node &, ArrayRef<const HostTensor *> in,
                            MutableArrayRef<HostTensor> out) {
  const Shape &os = out[0].type.shape;
  std::vector<int64_t> ic = broadcastIndices(in[0]->type.shape, os);
  std::vector<int64_t> ix = broadcastIndices(in[1]->type.shape, os);
  std::vector<int64_t> iy = broadcastIndices(in[2]->type.shape, os);
  for (size_t i = 0; i < ic.size(); ++i) {
    if (in[0]->intAt(ic[i]))
      out[0].copyElement(*in[1], ix[i], int64_t(i));
    else
      out[0].copyElement(*in[2], iy[i], int64_t(i));
  }
  return Error::success();
}

static void whereLower(const Node &, ArrayRef<TensorType> in,
                       ArrayRef<TensorType> out, const KernelTarget &,
                       SmallVectorImpl<DispatchDesc> &d) {
  SymShape od = out[0].dims();
  SmallVector<SymShape, 3> strides;
  for (unsigned i = 0; i < 3; ++i)
    strides.push_back(broadcastStrides(in[i].dims(), od));
  MergedDims m = mergeBroadcastDims(od, strides);
  DispatchDesc c;
  c.shader = "where";
  DimExpr n = out[0].numElementsExpr();
  c.specConstants = spec::u32s(
      {0, dtypeBytes(in[0].dtype) / 4, dtypeBytes(out[0].dtype) / 4});
  setDim(c, 0, n);
  setBroadcastConstants(c, m.dims, m.strides, 3, {9, 15, 21});
  c.operands = {0, 1, 2, 3};
  c.writes = {3};
  setGrid1D(c, n, 256);
  d.push_back(c);
}

const OpDef kWhereOp = withSymbolicFold(
    symbolicOp({"Where", whereInferTypes, whereReference, whereLower,
                /*memory=*/{}, /*referenceDTypes=*/kDataDTypes,
                /*deviceDTypes=*/kDataDTypes}),
    whereFoldSymbolic);

} // namespace tlc
