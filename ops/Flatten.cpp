//===- ops/Flatten.cpp - Flatten: reshape to a matrix at an axis ----------===//
//
// ONNX Flatten (opset 13): input of rank r, attribute axis in [-r, r]
// (default 1) -> [prod(dims[0:axis]), prod(dims[axis:r])]. The data is
// unchanged, so the lowering is a copy (shaders/unary.comp, Copy).
//
//===----------------------------------------------------------------------===//
#include "ops/OpList.h"
#include "ops/OpUtil.h"
#include "ops/SymbolicOp.h"
#include "ops/Unary.h"

using namespace llvm;

namespace tlc {

static Error flattenInferTypes(const Node &node, ArrayRef<InputInfo> in,
                               SmallVectorImpl<TensorType> &out) {
  if (Error e = checkKnownAttrs(node, {"axis"}))
    return e;
  if (Error e = checkInputCount(in, 1, 1))
    return e;
  if (Error e = checkDType(in, 0, "input", kDataDTypes))
    return e;
  if (Error e = checkFits32(in[0].type, "input"))
    return e;
  Expected<int64_t> axis = node.attrs.getInt("axis", 1);
  if (!axis)
    return axis.takeError();
  SymShape s = in[0].type.dims();
  int64_t rank = int64_t(s.size());
  // Flatten accepts axis == rank (everything goes into the outer dim).
  if (*axis < -rank || *axis > rank)
    return opError("attribute 'axis' is " + Twine(*axis) +
                   "; expected a value in [" + Twine(-rank) + ", " +
                   Twine(rank) + "] for rank " + Twine(rank));
  int64_t a = *axis < 0 ? *axis + rank : *axis;
  DimExpr outer = 1, inner = 1;
  for (int64_t i = 0; i < rank; ++i)
    (i < a ? outer : inner) *= s[i];
  out.push_back(TensorType::withDims(in[0].type.dtype, {outer, inner}));
  return Error::success();
}

static Error flattenReference(const Node &, ArrayRef<const HostTensor *> in,
                              MutableArrayRef<HostTensor> out) {
  llvm::copy(in[0]->bytes(), out[0].bytes().begin());
  return Error::success();
}

static void flattenLower(const Node &, ArrayRef<TensorType> in,
                         ArrayRef<TensorType> out,
                         const KernelTarget &target,
                         SmallVectorImpl<DispatchDesc> &d) {
  d.push_back(lowerUnary(UnaryOpCode::Copy, out[0].numElementsExpr()));
}

const OpDef kFlattenOp = symbolicOp({"Flatten",
                                     flattenInferTypes,
                                     flattenReference,
                                     flattenLower,
                                     {/*isView=*/true, /*inPlaceInputs=*/{}},
                                     /*referenceDTypes=*/kDataDTypes});

} // namespace tlc
