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
//===----------------------------------------------------------------------===//
#include "ops/IntInput.h"
#include "ops/OpList.h"
#include "ops/OpUtil.h"
#include "ops/StridedCopy.h"

using namespace llvm;

namespace tlc {

namespace {
/// The [outer, L, inner] view and each piece's length along L.
struct SplitView {
  int64_t axis = 0;
  int64_t outer = 1, len = 1, inner = 1;
  std::vector<int64_t> pieces;
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
  for (int64_t i = 0; i < rank; ++i) {
    if (i < *axis)
      v.outer *= x.shape[i];
    else if (i == *axis)
      v.len = x.shape[i];
    else
      v.inner *= x.shape[i];
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
      if (sum > v.len)
        break;
    }
    if (sum != v.len)
      return opError("input 1 (split) lengths add up to " + Twine(sum) +
                     "; axis " + Twine(v.axis) + " of " + x.str() +
                     " has size " + Twine(v.len));
    if (!node.outputs.empty() && node.outputs.size() != split->size())
      return opError("input 1 (split) has " + Twine(split->size()) +
                     " entries but the node has " + Twine(node.outputs.size()) +
                     " outputs");
    v.pieces = std::move(*split);
    return v;
  }
  size_t n = node.outputs.size();
  if (n == 0)
    return opError("without input 1 (split), the node's outputs give the "
                   "number of pieces, and it has none");
  if (v.len % int64_t(n) != 0)
    return opError("axis " + Twine(v.axis) + " of " + x.str() +
                   " does not divide into " + Twine(n) +
                   " equal pieces; give input 1 (split)");
  v.pieces.assign(n, v.len / int64_t(n));
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
  for (int64_t piece : v->pieces) {
    TensorType t = in[0].type;
    t.shape[size_t(v->axis)] = piece;
    out.push_back(std::move(t));
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
    v->pieces.push_back(t->shape[size_t(v->axis)]);
  return *v;
}

static Error splitReference(const Node &node, ArrayRef<const HostTensor *> in,
                            MutableArrayRef<HostTensor> out) {
  SmallVector<const TensorType *, 4> types;
  for (const HostTensor &o : out)
    types.push_back(&o.type);
  SplitView v = viewFromTypes(node, in[0]->type, types);
  ArrayRef<float> x = in[0]->f32();
  int64_t start = 0;
  for (size_t k = 0; k < out.size(); ++k) {
    int64_t piece = v.pieces[k];
    for (int64_t o = 0; o < v.outer; ++o)
      for (int64_t l = 0; l < piece; ++l)
        for (int64_t i = 0; i < v.inner; ++i)
          out[k].f32()[size_t((o * piece + l) * v.inner + i)] =
              x[size_t((o * v.len + start + l) * v.inner + i)];
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
  int64_t start = 0;
  for (size_t k = 0; k < out.size(); ++k) {
    int64_t piece = v.pieces[k];
    int64_t box[3] = {v.outer, piece, v.inner};
    int64_t src[3] = {v.len * v.inner, v.inner, 1};
    int64_t dst[3] = {piece * v.inner, v.inner, 1};
    d.push_back(lowerStridedCopy(box, src, start * v.inner, dst, 0,
                                 /*srcOperand=*/0,
                                 /*dstOperand=*/unsigned(in.size() + k)));
    start += piece;
  }
}

// The optional 'split' input holds i64 or i32 sizes.
const OpDef kSplitOp = {"Split",        splitInferTypes,
                        splitReference, splitLower,
                        /*memory=*/{},  /*referenceDTypes=*/{DType::F32,
                                                             DType::I32,
                                                             DType::I64}};

} // namespace tlc
