//===- ops/Where.cpp - Where: choose elements by a condition --------------===//
//
// ONNX Where (opset 16): X where the condition (a boolean, held as i64) is
// true, else Y; all three broadcast (numpy rules). Compile time only (folds).
//
//===----------------------------------------------------------------------===//
#include "ops/Broadcast.h"
#include "ops/OpList.h"
#include "ops/OpUtil.h"

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
  Expected<Shape> s1 = broadcastShapes(in[0].type.shape, in[1].type.shape);
  if (!s1)
    return s1.takeError();
  Expected<Shape> s = broadcastShapes(*s1, in[2].type.shape);
  if (!s)
    return s.takeError();
  out.push_back(TensorType{in[1].type.dtype, *s});
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

const OpDef kWhereOp = {"Where",        whereInferTypes,
                        whereReference, /*lower=*/nullptr,
                        /*memory=*/{},  /*referenceDTypes=*/kDataDTypes,
                        /*deviceDTypes=*/{}};

} // namespace tlc
