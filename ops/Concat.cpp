//===- ops/Concat.cpp - Concat: join tensors along an axis ----------------===//
//
// ONNX Concat (opset 13): one or more f32 inputs of equal rank (<=
// kStridedCopyMaxRank) whose dims agree except at attribute axis (required;
// negative counts from the end); the output's axis dim is their sum.
// Lowering: one shaders/strided_copy.comp dispatch per input, each reading
// only that input and writing its slice of the output. Memory trait
// joinsInputs: inputs computed straight into their slice (passes/Aliasing.cpp)
// need no copy, and their dispatches are dropped.
// Shape ranges: any dim may be symbolic (the axis dim too); an output with
// symbolic dims keeps its inputs in their own memory (passes/Aliasing.cpp).
//
//===----------------------------------------------------------------------===//
#include "ops/OpList.h"
#include "ops/OpUtil.h"
#include "ops/StridedCopy.h"
#include "ops/SymbolicOp.h"

using namespace llvm;

namespace tlc {

static Error concatInferTypes(const Node &node, ArrayRef<InputInfo> in,
                              SmallVectorImpl<TensorType> &out) {
  if (Error e = checkKnownAttrs(node, {"axis"}))
    return e;
  if (in.empty())
    return opError("expected at least 1 input, got 0");
  if (!node.attrs.has("axis"))
    return opError("attribute 'axis' is required");
  Expected<int64_t> axisAttr = node.attrs.getInt("axis", 0);
  if (!axisAttr)
    return axisAttr.takeError();
  for (unsigned i = 0; i < in.size(); ++i) {
    if (Error e = checkDType(in, i, ("input " + Twine(i)).str(), kDataDTypes))
      return e;
    if (in[i].type.dtype != in[0].type.dtype)
      return opError("input " + Twine(i) + " has dtype " +
                     dtypeName(in[i].type.dtype) + "; input 0 has " +
                     dtypeName(in[0].type.dtype));
  }
  if (Error e = checkInputsFit32(in))
    return e;
  SymShape s0 = in[0].type.dims();
  int64_t rank = int64_t(s0.size());
  if (rank == 0)
    return opError("inputs must have rank >= 1, got a scalar");
  if (rank > int64_t(kStridedCopyMaxRank))
    return opError("input rank " + Twine(rank) +
                   " exceeds the supported maximum of " +
                   Twine(kStridedCopyMaxRank));
  Expected<int64_t> axis = normalizeAxis(*axisAttr, rank, "axis");
  if (!axis)
    return axis.takeError();
  // Shape ranges: the other dims must be the same expression (equal
  // values for every assignment of the symbols; canonical forms make that
  // an equality test), and the axis dim is the sum.
  SymShape o = s0;
  o[*axis] = 0;
  for (unsigned i = 0; i < in.size(); ++i) {
    SymShape s = in[i].type.dims();
    if (int64_t(s.size()) != rank)
      return opError("input " + Twine(i) + " " + in[i].type.str() +
                     " has rank " + Twine(s.size()) + "; input 0 " +
                     in[0].type.str() + " has rank " + Twine(rank));
    for (int64_t d = 0; d < rank; ++d)
      if (d != *axis && s[d] != s0[d])
        return opError("input " + Twine(i) + " " + in[i].type.str() +
                       " differs from input 0 " + in[0].type.str() +
                       " at dim " + Twine(d) + " (the axis is " + Twine(*axis) +
                       ")");
    o[*axis] += s[*axis];
  }
  TensorType y = TensorType::withDims(in[0].type.dtype, o);
  if (Error e = checkFits32(y, "output"))
    return e;
  if (y.numElements() > 0x7fffffff)
    return opError("output " + y.str() + " has more than 2^31-1 elements");
  out.push_back(y);
  return Error::success();
}

/// The normalized axis of a node whose shape rule passed.
static int64_t concatAxis(const Node &node, int64_t rank) {
  int64_t a = cantFail(node.attrs.getInt("axis", 0));
  return a < 0 ? a + rank : a;
}

static Error concatReference(const Node &node, ArrayRef<const HostTensor *> in,
                             MutableArrayRef<HostTensor> out) {
  const Shape &os = out[0].type.shape;
  int64_t axis = concatAxis(node, int64_t(os.size()));
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d)
    outer *= os[d];
  for (size_t d = size_t(axis) + 1; d < os.size(); ++d)
    inner *= os[d];
  int64_t offset = 0; // along the axis
  for (const HostTensor *t : in) {
    int64_t len = t->type.shape[axis];
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t a = 0; a < len; ++a)
        for (int64_t i = 0; i < inner; ++i)
          out[0].copyElement(*t, (o * len + a) * inner + i,
                             (o * os[axis] + offset + a) * inner + i);
    offset += len;
  }
  return Error::success();
}

static void concatLower(const Node &node, ArrayRef<TensorType> in,
                        ArrayRef<TensorType> out,
                        const KernelTarget &target,
                        SmallVectorImpl<DispatchDesc> &d) {
  // Shape ranges: each input's box, the output strides and the offset along
  // the axis are run-time values where symbolic.
  SymShape os = out[0].dims();
  int64_t axis = concatAxis(node, int64_t(os.size()));
  SymShape ostr = rowMajorStrides(os);
  DimExpr offset = 0;
  for (unsigned i = 0; i < in.size(); ++i) {
    SymShape is = in[i].dims();
    d.push_back(lowerStridedCopy(is, rowMajorStrides(is), DimExpr(0), ostr,
                                 offset * ostr[axis], i,
                                 unsigned(in.size())));
    offset += is[axis];
  }
}

const OpDef kConcatOp = withSymbolicFold(symbolicOp({"Concat",
                         concatInferTypes,
                         concatReference,
                         concatLower,
                         {/*isView=*/false, /*inPlaceInputs=*/{},
                          /*joinsInputs=*/true},
                         /*referenceDTypes=*/kDataDTypes}), foldByElementIndex);

} // namespace tlc
