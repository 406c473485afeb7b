//===- ops/Expand.cpp - Expand: broadcast to a shape ----------------------===//
//
// ONNX Expand (opset 13): the input broadcast (numpy rules) against the
// constant i64 shape operand. Folds when the input is constant; otherwise
// one shaders/strided_copy.comp dispatch over the output (rank <= 6, f32),
// reading the input with stride 0 along its broadcast dims.
//
//===----------------------------------------------------------------------===//
#include "ops/Broadcast.h"
#include "ops/IntInput.h"
#include "ops/OpList.h"
#include "ops/OpUtil.h"
#include "ops/StridedCopy.h"
#include "ops/SymbolicOp.h"

using namespace llvm;

namespace tlc {

static Error expandInferTypes(const Node &node, ArrayRef<InputInfo> in,
                              SmallVectorImpl<TensorType> &out) {
  if (Error e = checkKnownAttrs(node, {}))
    return e;
  if (Error e = checkInputCount(in, 2, 2))
    return e;
  if (Error e = checkDType(in, 0, "input", kDataDTypes))
    return e;
  Expected<SymShape> dims = readDimInput(in, 1, "shape");
  if (!dims)
    return dims.takeError();
  Expected<SymShape> s = broadcastShapes(in[0].type.dims(), *dims);
  if (!s)
    return s.takeError();
  TensorType t = TensorType::withDims(in[0].type.dtype, *s);
  if (Error e = checkedNumElements(t.shape).takeError())
    return opError("the result has shape [" + t.shapeStr() +
                   "]: " + toString(std::move(e)));
  if (t.rank() > kStridedCopyMaxRank && in[0].type.dtype == DType::F32 &&
      in[0].data.empty())
    return opError("the result has rank " + Twine(t.rank()) + "; at most " +
                   Twine(kStridedCopyMaxRank) + " on the device");
  out.push_back(t);
  return Error::success();
}

static Error expandReference(const Node &, ArrayRef<const HostTensor *> in,
                             MutableArrayRef<HostTensor> out) {
  std::vector<int64_t> idx =
      broadcastIndices(in[0]->type.shape, out[0].type.shape);
  for (size_t i = 0; i < idx.size(); ++i)
    out[0].copyElement(*in[0], idx[i], int64_t(i));
  return Error::success();
}

static void expandLower(const Node &, ArrayRef<TensorType> in,
                        ArrayRef<TensorType> out, const KernelTarget &,
                        SmallVectorImpl<DispatchDesc> &d) {
  SymShape od = out[0].dims();
  SymShape src = broadcastStrides(in[0].dims(), od);
  SymShape dst(od.size(), DimExpr(1)); // row-major
  for (size_t i = od.size(); i-- > 1;)
    dst[i - 1] = dst[i] * od[i];
  d.push_back(lowerStridedCopy(od, src, DimExpr(0), dst, DimExpr(0), 0, 2));
}

const OpDef kExpandOp = withSymbolicFold(
    symbolicOp({"Expand", expandInferTypes, expandReference, expandLower,
                /*memory=*/{}, /*referenceDTypes=*/kDataDTypes,
                /*deviceDTypes=*/{DType::F32}}),
    foldByElementIndex);

} // namespace tlc
