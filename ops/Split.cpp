//===- ops/Split.cpp - Split a tensor into pieces along one axis ----------===//
//
// ONNX Split (opset 13): the input is cut along `axis` (default 0) into one
// output per node output; input 1 (`split`, i64, 1-D, which tlc requires to
// be a compile-time constant) gives each piece's length along the axis, and
// without it the axis is cut into equal pieces (its size must divide by the
// number of outputs). GPT-2 splits the fused Q/K/V projection with it.
//
// The input is viewed as [outer, L, inner]; output k is the box [outer,
// len_k, inner] starting at offset_k along L, copied by one
// shaders/strided_copy.comp dispatch per output (ops/StridedCopy.h).
//
// Shape ranges: dims outside the axis may be symbolic; a symbolic axis only
// splits into equal pieces that divide it exactly for every value.
//
//===----------------------------------------------------------------------===//
#include "ops/IntInput.h"
#include "ops/OpList.h"
#include "ops/OpUtil.h"
#include "ops/StridedCopy.h"
#include "ops/SymbolicOp.h"

using namespace llvm;

namespace tlc {

namespace {
/// The [outer, L, inner] view and each piece's length along L.
struct SplitView {
  int64_t axis = 0;
  DimExpr outer = 1, len = 1, inner = 1;
  std::vector<DimExpr> pieces;
};
} // namespace

/// The [outer, L, inner] view of \p x around the node's axis, without the
/// pieces. Errors name a bad axis or a scalar input.
static Expected<SplitView> axisView(const Node &node, const TensorType &x) {
  Expected<int64_t> axisAttr = node.attrs.getInt("axis", 0);
  if (!axisAttr)
    return axisAttr.takeError();
  int64_t rank = int64_t(x.shape.size());
  if (rank == 0)
    return opError("input 0 must have rank >= 1, got a scalar");
  Expected<int64_t> axis = normalizeAxis(*axisAttr, rank, "axis");
  if (!axis)
    return axis.takeError();
  SplitView v;
  v.axis = *axis;
  SymShape xs = x.dims();
  for (int64_t i = 0; i < rank; ++i) {
    if (i < *axis)
      v.outer *= xs[i];
    else if (i == *axis)
      v.len = xs[i];
    else
      v.inner *= xs[i];
  }
  return v;
}

/// The view of a Split of \p in by \p node. Piece lengths come from input 1
/// when present (it must carry its bytes), else from the node's output
/// count. Errors name the axis or the lengths that do not fit.
static Expected<SplitView> splitView(const Node &node, ArrayRef<InputInfo> in) {
  const TensorType &x = in[0].type;
  Expected<SplitView> view = axisView(node, x);
  if (!view)
    return view.takeError();
  SplitView &v = *view;
  if (in.size() == 2) {
    if (!in[1].symData.empty())
      return opError("input 1 (split) is the shape value [" +
                     symShapeStr(in[1].symData) +
                     "] with symbolic elements; it must be a constant");
    // Shape ranges: constant piece lengths need a constant axis.
    if (!v.len.isConstant())
      return opError("axis " + Twine(v.axis) + " of " + x.str() + " ('" +
                     v.len.str() +
                     "') is symbolic; constant piece lengths (input 1) cannot "
                     "add up to it for every value");
    int64_t len = v.len.constant();
    Expected<std::vector<int64_t>> split = readIntInput(in, 1, "split");
    if (!split)
      return split.takeError();
    if (split->empty())
      return opError("input 1 (split) is empty");
    int64_t sum = 0;
    for (size_t k = 0; k < split->size(); ++k) {
      if ((*split)[k] < 1)
        return opError("input 1 (split) entry " + Twine(k) + " is " +
                       Twine((*split)[k]) +
                       "; tlc needs every piece >= 1 (no empty tensors)");
      sum += (*split)[k];
      if (sum > len)
        break;
    }
    if (sum != len)
      return opError("input 1 (split) lengths add up to " + Twine(sum) +
                     "; axis " + Twine(v.axis) + " of " + x.str() +
                     " has size " + Twine(len));
    if (!node.outputs.empty() && node.outputs.size() != split->size())
      return opError("input 1 (split) has " + Twine(split->size()) +
                     " entries but the node has " + Twine(node.outputs.size()) +
                     " outputs");
    v.pieces.assign(split->begin(), split->end());
    return v;
  }
  size_t n = node.outputs.size();
  if (n == 0)
    return opError("without input 1 (split), the node's outputs give the "
                   "number of pieces, and it has none");
  // A symbolic axis divides when the division is exact for every value
  // (2*S into 2 pieces of S).
  std::optional<DimExpr> piece = exactDiv(v.len, int64_t(n));
  if (!piece || !v.len.isMultipleOf(int64_t(n)))
    return opError("axis " + Twine(v.axis) + " of " + x.str() +
                   " does not divide into " + Twine(n) + " equal pieces" +
                   (v.len.isConstant() ? "" : " for every value of the symbols") +
                   "; give input 1 (split)");
  v.pieces.assign(n, *piece);
  return v;
}

static Error splitInferTypes(const Node &node, ArrayRef<InputInfo> in,
                             SmallVectorImpl<TensorType> &out) {
  if (Error e = checkKnownAttrs(node, {"axis"}))
    return e;
  if (Error e = checkInputCount(in, 1, 2))
    return e;
  if (Error e = checkF32(in, 0, "input"))
    return e;
  if (Error e = checkFits32(in[0].type, "input 0"))
    return e;
  Expected<SplitView> v = splitView(node, in);
  if (!v)
    return v.takeError();
  for (const DimExpr &piece : v->pieces) {
    SymShape dims = in[0].type.dims();
    dims[size_t(v->axis)] = piece;
    out.push_back(TensorType::withDims(in[0].type.dtype, dims));
  }
  return Error::success();
}

/// The view of a node whose shape rule passed; lowering and the reference
/// see only types, so piece lengths come from the output types (unequal
/// pieces, e.g. split = [2, 1] of a length-3 axis, included).
static SplitView viewFromTypes(const Node &node, const TensorType &x,
                               ArrayRef<const TensorType *> outs) {
  Expected<SplitView> v = axisView(node, x);
  assert(v && "Split node was not verified by its shape rule");
  if (!v) {
    consumeError(v.takeError());
    return SplitView{};
  }
  for (const TensorType *t : outs)
    v->pieces.push_back(t->dim(size_t(v->axis)));
  return *v;
}

static Error splitReference(const Node &node, ArrayRef<const HostTensor *> in,
                            MutableArrayRef<HostTensor> out) {
  SmallVector<const TensorType *, 4> types;
  for (const HostTensor &o : out)
    types.push_back(&o.type);
  SplitView v = viewFromTypes(node, in[0]->type, types);
  ArrayRef<float> x = in[0]->f32();
  int64_t outer = v.outer.constant(), len = v.len.constant(),
          inner = v.inner.constant();
  int64_t start = 0;
  for (size_t k = 0; k < out.size(); ++k) {
    int64_t piece = v.pieces[k].constant();
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t l = 0; l < piece; ++l)
        for (int64_t i = 0; i < inner; ++i)
          out[k].f32()[size_t((o * piece + l) * inner + i)] =
              x[size_t((o * len + start + l) * inner + i)];
    start += piece;
  }
  return Error::success();
}

static void splitLower(const Node &node, ArrayRef<TensorType> in,
                       ArrayRef<TensorType> out,
                       const KernelTarget &target,
                       SmallVectorImpl<DispatchDesc> &d) {
  SmallVector<const TensorType *, 4> types;
  for (const TensorType &t : out)
    types.push_back(&t);
  SplitView v = viewFromTypes(node, in[0], types);
  // Shape ranges: the outer and inner sizes (and a symbolic axis's equal
  // pieces) are run-time values of the copies.
  DimExpr start = 0;
  for (size_t k = 0; k < out.size(); ++k) {
    const DimExpr &piece = v.pieces[k];
    DimExpr box[3] = {v.outer, piece, v.inner};
    DimExpr src[3] = {v.len * v.inner, v.inner, 1};
    DimExpr dst[3] = {piece * v.inner, v.inner, 1};
    d.push_back(lowerStridedCopy(box, src, start * v.inner, dst, DimExpr(0),
                                 /*srcOperand=*/0,
                                 /*dstOperand=*/unsigned(in.size() + k)));
    start += piece;
  }
}

// The optional 'split' input holds i64 or i32 sizes.
const OpDef kSplitOp = symbolicOp({"Split", splitInferTypes, splitReference,
                                   splitLower,
                                   /*memory=*/{},
                                   /*referenceDTypes=*/{DType::F32, DType::I32,
                                                        DType::I64}});

} // namespace tlc
