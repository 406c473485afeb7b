//===- ops/Slice.cpp - Slice: strided sub-tensor --------------------------===//
//
// ONNX Slice (opset 13): data (f32), starts, ends, optional axes and steps
// (i64 or i32, 1-D, all of one length; tlc requires them to be compile-time
// constants so that the output shape is static). Per the spec, negative
// starts/ends count from the end of the dim, then are clamped to [0, dim]
// for a positive step and to [0, dim-1] / [-1, dim-1] for a negative one;
// axes default to 0..n-1 and steps to 1 (0 is an error). An empty result is
// an error (tlc runs no empty tensors), except for a piece of a shape value:
// a constant 1-D integer input may slice to [0], which folds (exporters
// concatenate such pieces, e.g. x.shape[2:] of a rank-2 tensor).
//
// Shape ranges (docs/shape-ranges.md): data dims may be symbolic, and ends
// may be symbolic shape values (InputInfo::symData); bounds are then
// normalized as expressions (an end past a symbolic dim becomes min(end,
// dim), a negative one dim + end). A bound whose sign changes over the
// range, a result that may be empty, and symbolic starts (the kernel reads
// starts from their buffer) are refused, naming the entry and the dim.
//
// The lowering sees only types, not the constant values, so
// shaders/slice.comp binds starts, axes and steps as buffers and applies the
// same normalization per invocation (ends only determine the output shape).
//
//===----------------------------------------------------------------------===//
#include "ops/IntInput.h"
#include "ops/OpList.h"
#include "ops/OpUtil.h"
#include "ops/SymbolicOp.h"

#include <algorithm>
#include <cmath>
#include <limits>

using namespace llvm;

namespace tlc {

/// Highest rank shaders/slice.comp handles.
static constexpr unsigned kSliceMaxRank = 6;

/// Per input dim: the first element read, the step and the output length
/// (expressions over the symbols when the dim or the bounds are symbolic).
struct SliceDim {
  DimExpr start = 0;
  int64_t step = 1;
  DimExpr length = 0;
};

/// Applies the ONNX normalization to a dim of size \p dim. Errors on step 0
/// and, unless \p emptyOk, on an empty result; \p at names the entry for the
/// message.
static Expected<SliceDim> normalizeSlice(int64_t dim, int64_t start,
                                         int64_t end, int64_t step, size_t at,
                                         bool emptyOk) {
  if (step == 0)
    return opError("steps[" + Twine(at) + "] is 0");
  if (start < 0)
    start += dim;
  if (end < 0)
    end += dim;
  SliceDim r;
  r.step = step;
  uint64_t span, stride;
  if (step > 0) {
    start = std::clamp<int64_t>(start, 0, dim);
    end = std::clamp<int64_t>(end, 0, dim);
    span = end > start ? uint64_t(end - start) : 0;
    stride = uint64_t(step);
  } else {
    start = std::clamp<int64_t>(start, 0, dim - 1);
    end = std::clamp<int64_t>(end, -1, dim - 1);
    span = start > end ? uint64_t(start - end) : 0;
    stride = uint64_t(-(step + 1)) + 1; // |step| without overflow
  }
  r.start = start;
  r.length = int64_t((span + stride - 1) / stride);
  if (r.length.constant() == 0 && !emptyOk)
    return opError("entry " + Twine(at) + " selects no element (start " +
                   Twine(start) + ", end " + Twine(end) + ", step " +
                   Twine(step) + " after clamping to the dim of size " +
                   Twine(dim) + "): empty tensors are not supported");
  return r;
}

/// \p e clamped to [lo, hi], as an expression: the min/max is left out where
/// the bounds prove it has no effect (hi >= lo for every value).
static DimExpr clampExpr(const DimExpr &e, const DimExpr &lo,
                         const DimExpr &hi) {
  DimExpr r = e;
  if ((r - lo).lowerBound() < 0)
    r = (r - lo).upperBound() <= 0 ? lo : max(r, lo);
  if ((hi - r).lowerBound() < 0)
    r = (hi - r).upperBound() <= 0 ? hi : min(r, hi);
  return r;
}

/// The symbolic form of normalizeSlice (shape ranges): \p dim, \p start or
/// \p end is an expression. A bound counts from the end of the dim when it
/// is negative, so its sign must be the same over the whole range; the
/// result must select at least one element for every value. \p what names
/// the dim in errors ("dim 2 ('W')").
static Expected<SliceDim> normalizeSliceExpr(const DimExpr &dim, DimExpr start,
                                             DimExpr end, int64_t step,
                                             size_t at, const Twine &what) {
  if (step == 0)
    return opError("steps[" + Twine(at) + "] is 0");
  // Constants beyond any dim (INT64_MAX for "to the end") clamp alike, and
  // keep the expressions far from overflow.
  auto saturate = [](DimExpr &e) {
    if (e.isConstant())
      e = std::clamp<int64_t>(e.constant(), -kMaxTensorElements,
                              kMaxTensorElements);
  };
  saturate(start);
  saturate(end);
  auto fromEnd = [&](const DimExpr &e, const char *name) -> Expected<DimExpr> {
    if (e.lowerBound() >= 0)
      return e;
    if (e.upperBound() < 0)
      return e + dim;
    return opError(Twine(name) + "[" + Twine(at) + "] is '" + e.str() +
                   "', which is negative for some values of the symbols and "
                   "not for others: cannot tell whether it counts from the "
                   "end of " + what);
  };
  Expected<DimExpr> s = fromEnd(start, "starts");
  if (!s)
    return s.takeError();
  Expected<DimExpr> e = fromEnd(end, "ends");
  if (!e)
    return e.takeError();
  SliceDim r;
  r.step = step;
  DimExpr span;
  if (step > 0) {
    r.start = clampExpr(*s, 0, dim);
    span = clampExpr(*e, 0, dim) - r.start;
  } else {
    r.start = clampExpr(*s, 0, dim - 1);
    span = r.start - clampExpr(*e, -1, dim - 1);
  }
  if (span.lowerBound() < 1)
    return opError("entry " + Twine(at) + " (start '" + start.str() +
                   "', end '" + end.str() + "', step " + Twine(step) +
                   ") of " + what + " '" + dim.str() + "' selects " +
                   Twine(span.upperBound() < 1 ? "no element"
                                               : "no element for some "
                                                 "values of the symbols") +
                   " (span '" + span.str() +
                   "'): empty tensors are not supported");
  r.length = ceilDiv(span, step > 0 ? step : -step);
  return r;
}

/// The slice of every dim of \p shape (dims not named in \p axes keep
/// start 0, step 1 and their full length). Errors on mismatched lengths,
/// bad or repeated axes, step 0 and empty results (unless \p emptyOk and
/// the bounds are constants).
static Expected<SmallVector<SliceDim, 6>>
computeSlice(ArrayRef<DimExpr> shape, ArrayRef<DimExpr> starts,
             ArrayRef<DimExpr> ends, std::optional<ArrayRef<int64_t>> axes,
             std::optional<ArrayRef<int64_t>> steps, bool emptyOk = false) {
  int64_t rank = int64_t(shape.size());
  size_t n = starts.size();
  if (ends.size() != n || (axes && axes->size() != n) ||
      (steps && steps->size() != n))
    return opError("starts, ends, axes and steps must have the same length; "
                   "starts has " +
                   Twine(n) + ", ends " + Twine(ends.size()) +
                   (axes ? ", axes " + Twine(axes->size()) : Twine("")) +
                   (steps ? ", steps " + Twine(steps->size()) : Twine("")));
  if (!axes && int64_t(n) > rank)
    return opError("starts has " + Twine(n) + " entries; the input has rank " +
                   Twine(rank));
  SmallVector<SliceDim, 6> dims(shape.size());
  SmallVector<bool, 6> seen(shape.size(), false);
  for (size_t d = 0; d < shape.size(); ++d)
    dims[d].length = shape[d];
  for (size_t i = 0; i < n; ++i) {
    int64_t axis = int64_t(i);
    if (axes) {
      Expected<int64_t> a = normalizeAxis((*axes)[i], rank, "axes");
      if (!a)
        return a.takeError();
      axis = *a;
    }
    if (seen[axis])
      return opError("axes lists dim " + Twine(axis) + " twice");
    seen[axis] = true;
    int64_t step = steps ? (*steps)[i] : 1;
    const DimExpr &dim = shape[axis];
    Expected<SliceDim> s =
        dim.isConstant() && starts[i].isConstant() && ends[i].isConstant()
            ? normalizeSlice(dim.constant(), starts[i].constant(),
                             ends[i].constant(), step, i, emptyOk)
            : normalizeSliceExpr(dim, starts[i], ends[i], step, i,
                                 "dim " + Twine(axis));
    if (!s)
      return s.takeError();
    dims[axis] = *s;
  }
  return dims;
}

/// \p v as constant expressions.
static SmallVector<DimExpr, 6> constants(ArrayRef<int64_t> v) {
  return SmallVector<DimExpr, 6>(v.begin(), v.end());
}

static Error sliceInferTypes(const Node &node, ArrayRef<InputInfo> in,
                             SmallVectorImpl<TensorType> &out) {
  if (Error e = checkKnownAttrs(node, {}))
    return e;
  if (Error e = checkInputCount(in, 3, 5))
    return e;
  if (Error e = checkDType(in, 0, "data", kDataDTypes))
    return e;
  if (Error e = checkFits32(in[0].type, "input 0 (data)"))
    return e;
  SymShape s = in[0].type.dims();
  if (s.empty() || s.size() > kSliceMaxRank)
    return opError("input 0 (data) " + in[0].type.str() +
                   " must have rank 1 to " + Twine(kSliceMaxRank));
  if (in[0].type.numElements() > 0x7fffffff)
    return opError("input 0 (data) " + in[0].type.str() +
                   " has more than 2^31-1 elements");
  static const char *const names[] = {"data", "starts", "ends", "axes",
                                      "steps"};
  std::vector<int64_t> v[5];
  SmallVector<DimExpr, 6> bounds[3]; // starts, ends as expressions
  for (unsigned i = 1; i < in.size(); ++i) {
    if (in[i].type.dtype != in[1].type.dtype)
      return opError("input " + Twine(i) + " (" + names[i] + ") has dtype " +
                     dtypeName(in[i].type.dtype) + "; starts has " +
                     dtypeName(in[1].type.dtype));
    if (in[i].type.shape.size() != 1)
      return opError("input " + Twine(i) + " (" + names[i] + ") is " +
                     in[i].type.str() + "; expected rank 1");
    // A symbolic end only shapes the output. The kernel reads starts from
    // their constant buffer, which holds a symbolic element's upper bound
    // (and folding reads them as numbers, which a symbolic one is not);
    // axes and steps are structural (readIntInput refuses them symbolic).
    if (i == 1 && !in[i].symData.empty())
      return opError("input 1 (starts) is the shape value [" +
                     symShapeStr(in[i].symData) +
                     "] with symbolic elements; the kernel reads starts from "
                     "a constant buffer, so only ends may be symbolic");
    if (i == 2 && !in[i].symData.empty()) {
      Expected<SymShape> x = readDimInput(in, i, names[i]);
      if (!x)
        return x.takeError();
      bounds[i].assign(x->begin(), x->end());
      continue;
    }
    Expected<std::vector<int64_t>> x = readIntInput(in, i, names[i]);
    if (!x)
      return x.takeError();
    v[i] = std::move(*x);
    if (i <= 2)
      bounds[i] = constants(v[i]);
  }
  std::optional<ArrayRef<int64_t>> axes, steps;
  if (in.size() > 3)
    axes = ArrayRef<int64_t>(v[3]);
  if (in.size() > 4)
    steps = ArrayRef<int64_t>(v[4]);
  // A piece of a constant shape value may be empty: it folds.
  bool emptyOk = s.size() == 1 && in[0].type.dtype != DType::F32 &&
                 !in[0].data.empty();
  Expected<SmallVector<SliceDim, 6>> dims =
      computeSlice(s, bounds[1], bounds[2], axes, steps, emptyOk);
  if (!dims)
    return dims.takeError();
  SymShape o;
  for (const SliceDim &d : *dims)
    o.push_back(d.length);
  out.push_back(TensorType::withDims(in[0].type.dtype, o));
  return Error::success();
}

/// The values of an i32 or i64 operand of a reference call.
static std::vector<int64_t> hostInts(const HostTensor &t) {
  std::vector<int64_t> r;
  for (int64_t i = 0; i < t.numElements(); ++i)
    r.push_back(t.intAt(i));
  return r;
}

static Error sliceReference(const Node &, ArrayRef<const HostTensor *> in,
                            MutableArrayRef<HostTensor> out) {
  std::vector<int64_t> v[5];
  for (size_t i = 1; i < in.size(); ++i)
    v[i] = hostInts(*in[i]);
  std::optional<ArrayRef<int64_t>> axes, steps;
  if (in.size() > 3)
    axes = ArrayRef<int64_t>(v[3]);
  if (in.size() > 4)
    steps = ArrayRef<int64_t>(v[4]);
  const Shape &s = in[0]->type.shape;
  // The shape rule accepted these bounds; an empty result is one it allowed.
  SmallVector<SliceDim, 6> dims = cantFail(computeSlice(
      constants(s), constants(v[1]), constants(v[2]), axes, steps,
      /*emptyOk=*/true));
  Shape is = rowMajorStrides(s);
  const Shape &os = out[0].type.shape;
  Shape idx(os.size(), 0);
  int64_t n = out[0].type.numElements();
  for (int64_t i = 0; i < n; ++i) {
    int64_t src = 0;
    for (size_t d = 0; d < os.size(); ++d)
      src += (dims[d].start.constant() + idx[d] * dims[d].step) * is[d];
    out[0].copyElement(*in[0], src, i);
    for (size_t d = os.size(); d-- > 0;) {
      if (++idx[d] < os[d])
        break;
      idx[d] = 0;
    }
  }
  return Error::success();
}

static void sliceLower(const Node &, ArrayRef<TensorType> in,
                       ArrayRef<TensorType> out,
                       const KernelTarget &target,
                       SmallVectorImpl<DispatchDesc> &d) {
  // Shape ranges: the dims, strides and element count are run-time values;
  // the kernel normalizes the constant starts against the run-time dims as
  // the shape rule did symbolically.
  SymShape s = in[0].dims();
  size_t pad = kSliceMaxRank - s.size();
  SymShape os(pad, DimExpr(1)), is(pad, DimExpr(1)), strides(pad, DimExpr(0));
  SymShape od = out[0].dims();
  os.append(od.begin(), od.end());
  is.append(s.begin(), s.end());
  SymShape rs = rowMajorStrides(s);
  strides.append(rs.begin(), rs.end());
  DispatchDesc c;
  c.shader = "slice";
  DimExpr n = out[0].numElementsExpr();
  c.specConstants =
      spec::u32s({0, uint32_t(in[1].shape[0]), uint32_t(s.size()),
                  uint32_t(in.size() > 3), uint32_t(in.size() > 4),
                  uint32_t(in[1].dtype == DType::I64 ? 2 : 1)});
  setDim(c, 0, n);
  for (unsigned k = 0; k < kSliceMaxRank; ++k) {
    setDim(c, 6 + k, os[k]);
    setDim(c, 12 + k, is[k]);
    setDim(c, 18 + k, strides[k]);
  }
  // Bindings: 0 = data, 1 = output, 2 = starts, 3 = axes, 4 = steps (starts
  // again for an absent one; HAS_AXES / HAS_STEPS keep it unread).
  unsigned y = unsigned(in.size());
  c.operands = {0, y, 1, in.size() > 3 ? 3u : 1u, in.size() > 4 ? 4u : 1u};
  c.writes = {1};
  setGrid1D(c, n, 256);
  d.push_back(c);
}

// Shape ranges: symbolic data dims and symbolic ends (e.g. GPT-2's causal
// mask cut to the sequence length, mask[:, :, 0:S, 0:S]).
const OpDef kSliceOp = withSymbolicFold(
    symbolicOp({"Slice", sliceInferTypes, sliceReference, sliceLower,
                /*memory=*/{}, /*referenceDTypes=*/kDataDTypes}),
    foldByElementIndex);

} // namespace tlc
