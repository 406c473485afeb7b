//===- ops/Slice.cpp - Slice: strided sub-tensor --------------------------===//
//
// ONNX Slice (opset 13): data (f32), starts, ends, optional axes and steps
// (i64 or i32, 1-D, all of one length; tlc requires them to be compile-time
// constants so that the output shape is static). Per the spec, negative
// starts/ends count from the end of the dim, then are clamped to [0, dim]
// for a positive step and to [0, dim-1] / [-1, dim-1] for a negative one;
// axes default to 0..n-1 and steps to 1 (0 is an error). An empty result is
// an error: tlc has no empty tensors.
//
// The lowering sees only types, not the constant values, so
// shaders/slice.comp binds starts, axes and steps as buffers and applies the
// same normalization per invocation (ends only determine the output shape).
//
//===----------------------------------------------------------------------===//
#include "ops/IntInput.h"
#include "ops/OpList.h"
#include "ops/OpUtil.h"

#include <algorithm>
#include <cmath>
#include <limits>

using namespace llvm;

namespace tlc {

/// Highest rank shaders/slice.comp handles.
static constexpr unsigned kSliceMaxRank = 6;

/// Per input dim: the first element read, the step and the output length.
struct SliceDim {
  int64_t start = 0, step = 1, length = 0;
};

/// Applies the ONNX normalization to a dim of size \p dim. Errors on step 0
/// and on an empty result; \p at names the entry for the message.
static Expected<SliceDim> normalizeSlice(int64_t dim, int64_t start,
                                         int64_t end, int64_t step, size_t at) {
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
  if (r.length == 0)
    return opError("entry " + Twine(at) + " selects no element (start " +
                   Twine(start) + ", end " + Twine(end) + ", step " +
                   Twine(step) + " after clamping to the dim of size " +
                   Twine(dim) + "): empty tensors are not supported");
  return r;
}

/// The slice of every dim of \p shape (dims not named in \p axes keep
/// start 0, step 1 and their full length). Errors on mismatched lengths,
/// bad or repeated axes, step 0 and empty results.
static Expected<SmallVector<SliceDim, 6>>
computeSlice(const Shape &shape, ArrayRef<int64_t> starts,
             ArrayRef<int64_t> ends, std::optional<ArrayRef<int64_t>> axes,
             std::optional<ArrayRef<int64_t>> steps) {
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
    Expected<SliceDim> s = normalizeSlice(shape[axis], starts[i], ends[i],
                                          steps ? (*steps)[i] : 1, i);
    if (!s)
      return s.takeError();
    dims[axis] = *s;
  }
  return dims;
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
  const Shape &s = in[0].type.shape;
  if (s.empty() || s.size() > kSliceMaxRank)
    return opError("input 0 (data) " + in[0].type.str() +
                   " must have rank 1 to " + Twine(kSliceMaxRank));
  if (in[0].type.numElements() > 0x7fffffff)
    return opError("input 0 (data) " + in[0].type.str() +
                   " has more than 2^31-1 elements");
  static const char *const names[] = {"data", "starts", "ends", "axes",
                                      "steps"};
  std::vector<int64_t> v[5];
  for (unsigned i = 1; i < in.size(); ++i) {
    if (in[i].type.dtype != in[1].type.dtype)
      return opError("input " + Twine(i) + " (" + names[i] + ") has dtype " +
                     dtypeName(in[i].type.dtype) + "; starts has " +
                     dtypeName(in[1].type.dtype));
    if (in[i].type.shape.size() != 1)
      return opError("input " + Twine(i) + " (" + names[i] + ") is " +
                     in[i].type.str() + "; expected rank 1");
    Expected<std::vector<int64_t>> x = readIntInput(in, i, names[i]);
    if (!x)
      return x.takeError();
    v[i] = std::move(*x);
  }
  std::optional<ArrayRef<int64_t>> axes, steps;
  if (in.size() > 3)
    axes = ArrayRef<int64_t>(v[3]);
  if (in.size() > 4)
    steps = ArrayRef<int64_t>(v[4]);
  Expected<SmallVector<SliceDim, 6>> dims =
      computeSlice(s, v[1], v[2], axes, steps);
  if (!dims)
    return dims.takeError();
  Shape o;
  for (const SliceDim &d : *dims)
    o.push_back(d.length);
  out.push_back(TensorType{in[0].type.dtype, o});
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
  SmallVector<SliceDim, 6> dims =
      cantFail(computeSlice(s, v[1], v[2], axes, steps));
  Shape is = rowMajorStrides(s);
  const Shape &os = out[0].type.shape;
  Shape idx(os.size(), 0);
  int64_t n = out[0].type.numElements();
  for (int64_t i = 0; i < n; ++i) {
    int64_t src = 0;
    for (size_t d = 0; d < os.size(); ++d)
      src += (dims[d].start + idx[d] * dims[d].step) * is[d];
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
  const Shape &s = in[0].shape;
  size_t pad = kSliceMaxRank - s.size();
  Shape os(pad, 1), is(pad, 1), strides(pad, 0);
  os.append(out[0].shape.begin(), out[0].shape.end());
  is.append(s.begin(), s.end());
  Shape rs = rowMajorStrides(s);
  strides.append(rs.begin(), rs.end());
  DispatchDesc c;
  c.shader = "slice";
  uint64_t n = uint64_t(out[0].numElements());
  c.specConstants =
      spec::u32s({uint32_t(n), uint32_t(in[1].shape[0]), uint32_t(s.size()),
                  uint32_t(in.size() > 3), uint32_t(in.size() > 4),
                  uint32_t(in[1].dtype == DType::I64 ? 2 : 1)});
  for (int64_t v : os)
    c.specConstants.push_back(spec::u32(uint32_t(v)));
  for (int64_t v : is)
    c.specConstants.push_back(spec::u32(uint32_t(v)));
  for (int64_t v : strides)
    c.specConstants.push_back(spec::u32(uint32_t(v)));
  // Bindings: 0 = data, 1 = output, 2 = starts, 3 = axes, 4 = steps (starts
  // again for an absent one; HAS_AXES / HAS_STEPS keep it unread).
  unsigned y = unsigned(in.size());
  c.operands = {0, y, 1, in.size() > 3 ? 3u : 1u, in.size() > 4 ? 4u : 1u};
  c.writes = {1};
  setGrid1D(c, n, 256);
  d.push_back(c);
}

const OpDef kSliceOp = withSymbolicFold({"Slice",        sliceInferTypes,
                        sliceReference, sliceLower,
                        /*memory=*/{},  /*referenceDTypes=*/kDataDTypes}, foldByElementIndex);

} // namespace tlc
