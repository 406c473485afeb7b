//===- ops/Unsqueeze.cpp - Unsqueeze: insert dims of size 1 ---------------===//
//
// ONNX Unsqueeze (opset 13): data (f32) and axes (constant i64, 1-D): the
// output has rank r + len(axes), with a dim of size 1 at each listed axis
// (negative counts from the end of the output; no duplicates) and the input
// dims in order elsewhere. The bytes are unchanged, so the output is a view;
// the lowering (a copy, shaders/unary.comp) runs only when the output is a
// graph output.
//
//===----------------------------------------------------------------------===//
#include "ops/IntInput.h"
#include "ops/OpList.h"
#include "ops/OpUtil.h"
#include "ops/SymbolicOp.h"
#include "ops/Unary.h"

using namespace llvm;

namespace tlc {

static Error unsqueezeInferTypes(const Node &node, ArrayRef<InputInfo> in,
                                 SmallVectorImpl<TensorType> &out) {
  if (Error e = checkKnownAttrs(node, {}))
    return e;
  if (Error e = checkInputCount(in, 2, 2))
    return e;
  if (Error e = checkDType(in, 0, "data", kDataDTypes))
    return e;
  if (Error e = checkFits32(in[0].type, "input 0 (data)"))
    return e;
  Expected<std::vector<int64_t>> axes = readIntInput(in, 1, "axes");
  if (!axes)
    return axes.takeError();
  SymShape s = in[0].type.dims();
  int64_t rank = int64_t(s.size() + axes->size());
  if (rank > 64)
    return opError("output rank " + Twine(rank) + " exceeds 64");
  SmallVector<bool, 8> inserted(size_t(rank), false);
  for (int64_t a : *axes) {
    Expected<int64_t> ax = normalizeAxis(a, rank, "axes");
    if (!ax)
      return ax.takeError();
    if (inserted[*ax])
      return opError("axes lists dim " + Twine(*ax) + " twice");
    inserted[*ax] = true;
  }
  SymShape o;
  size_t next = 0;
  for (int64_t d = 0; d < rank; ++d)
    o.push_back(inserted[d] ? DimExpr(1) : s[next++]);
  out.push_back(TensorType::withDims(in[0].type.dtype, o));
  return Error::success();
}

static Error unsqueezeReference(const Node &, ArrayRef<const HostTensor *> in,
                                MutableArrayRef<HostTensor> out) {
  llvm::copy(in[0]->bytes(), out[0].bytes().begin());
  return Error::success();
}

static void unsqueezeLower(const Node &, ArrayRef<TensorType> in,
                           ArrayRef<TensorType> out,
                           const KernelTarget &target,
                           SmallVectorImpl<DispatchDesc> &d) {
  DispatchDesc copy = lowerUnary(UnaryOpCode::Copy, out[0].numElementsExpr());
  copy.operands = {0, 2}; // data -> output (operand 1 is axes)
  d.push_back(copy);
}

const OpDef kUnsqueezeOp = withSymbolicFold(symbolicOp({"Unsqueeze",
                            unsqueezeInferTypes,
                            unsqueezeReference,
                            unsqueezeLower,
                            {/*isView=*/true, /*inPlaceInputs=*/{}},
    /*referenceDTypes=*/kDataDTypes}), foldByElementIndex);

} // namespace tlc
