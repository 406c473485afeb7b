//===- ops/Squeeze.cpp - Squeeze: drop dims of size 1 ---------------------===//
//
// ONNX Squeeze (opset 13): data (f32) and optional axes (constant i64, 1-D):
// the listed dims (negative counts from the end; each must be 1) are
// removed, or every dim of size 1 when axes is absent. The bytes are
// unchanged, so the output is a view; the lowering (a copy, shaders/unary.comp)
// runs only when the output is a graph output.
//
//===----------------------------------------------------------------------===//
#include "ops/IntInput.h"
#include "ops/OpList.h"
#include "ops/OpUtil.h"
#include "ops/SymbolicOp.h"
#include "ops/Unary.h"

using namespace llvm;

namespace tlc {

static Error squeezeInferTypes(const Node &node, ArrayRef<InputInfo> in,
                               SmallVectorImpl<TensorType> &out) {
  if (Error e = checkKnownAttrs(node, {}))
    return e;
  if (Error e = checkInputCount(in, 1, 2))
    return e;
  if (Error e = checkDType(in, 0, "data", kDataDTypes))
    return e;
  if (Error e = checkFits32(in[0].type, "input 0 (data)"))
    return e;
  SymShape s = in[0].type.dims();
  int64_t rank = int64_t(s.size());
  SmallVector<bool, 8> drop(s.size(), false);
  if (in.size() == 2) {
    Expected<std::vector<int64_t>> axes = readIntInput(in, 1, "axes");
    if (!axes)
      return axes.takeError();
    for (int64_t a : *axes) {
      Expected<int64_t> ax = normalizeAxis(a, rank, "axes");
      if (!ax)
        return ax.takeError();
      if (drop[*ax])
        return opError("axes lists dim " + Twine(*ax) + " twice");
      if (s[*ax] != 1)
        return opError("cannot squeeze dim " + Twine(*ax) + " of " +
                       in[0].type.str() + ": its size is " + s[*ax].str() +
                       ", not 1");
      drop[*ax] = true;
    }
  } else {
    for (size_t d = 0; d < s.size(); ++d) {
      // Which dims are 1 must not depend on the symbols' values.
      if (!s[d].isConstant() && s[d].lowerBound() <= 1)
        return opError("dim " + Twine(d) + " (" + s[d].str() +
                       ") is 1 for some values of its symbols; give axes");
      drop[d] = s[d] == 1;
    }
  }
  SymShape o;
  for (size_t d = 0; d < s.size(); ++d)
    if (!drop[d])
      o.push_back(s[d]);
  out.push_back(TensorType::withDims(in[0].type.dtype, o));
  return Error::success();
}

static Error squeezeReference(const Node &, ArrayRef<const HostTensor *> in,
                              MutableArrayRef<HostTensor> out) {
  llvm::copy(in[0]->bytes(), out[0].bytes().begin());
  return Error::success();
}

static void squeezeLower(const Node &, ArrayRef<TensorType> in,
                         ArrayRef<TensorType> out,
                         const KernelTarget &target,
                         SmallVectorImpl<DispatchDesc> &d) {
  DispatchDesc copy = lowerUnary(UnaryOpCode::Copy, out[0].numElementsExpr());
  copy.operands = {0, unsigned(in.size())}; // data -> output
  d.push_back(copy);
}

const OpDef kSqueezeOp = withSymbolicFold(symbolicOp({"Squeeze",
                          squeezeInferTypes,
                          squeezeReference,
                          squeezeLower,
                          {/*isView=*/true, /*inPlaceInputs=*/{}},
    /*referenceDTypes=*/kDataDTypes}), foldByElementIndex);

} // namespace tlc
