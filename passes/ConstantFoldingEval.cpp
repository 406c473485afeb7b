//===- passes/ConstantFoldingEval.cpp - Ops on constant bytes -------------===//
//
// Data-movement ops (Gather, Slice, Concat, Reshape, Expand, ...) copy whole
// elements of any dtype as bytes; arithmetic ops decode elements to int64 or
// double, compute, and encode back (f32 results are the double result
// rounded once to float, which equals the f32 operation for + - * /: double
// has more than 2*24+2 significand bits). Broadcasting is numpy-style
// (ONNX "Broadcasting in ONNX", multidirectional).
//
//===----------------------------------------------------------------------===//
#include "passes/ConstantFoldingEval.h"

#include "llvm/ADT/StringSwitch.h"

#include <cmath>
#include <cstring>
#include <limits>

using namespace llvm;

namespace tlc {
namespace {

Error evalError(const Twine &msg) {
  return createStringError(inconvertibleErrorCode(), msg);
}

std::string shapeText(const Shape &s) {
  return s.empty() ? std::string("(scalar)") : "[" + TensorType{DType::F32, s}.shapeStr() + "]";
}

/// A new constant of \p dtype and \p shape; errors on empty or huge shapes.
Expected<ConstTensor> makeTensor(DType dtype, Shape shape) {
  for (int64_t d : shape)
    if (d < 1)
      return evalError("the result has shape " + shapeText(shape) +
                       "; tlc has no empty tensors");
  Expected<int64_t> n = checkedNumElements(shape);
  if (!n)
    return n.takeError();
  if (*n > kMaxFoldedElements)
    return evalError("the result has " + Twine(*n) +
                     " elements, more than the folding limit");
  ConstTensor t;
  t.type.dtype = dtype;
  t.type.shape = std::move(shape);
  t.data.resize(t.type.byteSize());
  return t;
}

bool isInt(DType t) { return t == DType::I32 || t == DType::I64; }

int64_t getInt(const ConstTensor &t, int64_t i) {
  if (t.type.dtype == DType::I32) {
    int32_t v;
    std::memcpy(&v, t.data.data() + 4 * i, 4);
    return v;
  }
  int64_t v;
  std::memcpy(&v, t.data.data() + 8 * i, 8);
  return v;
}

double getFloat(const ConstTensor &t, int64_t i) {
  if (t.type.dtype == DType::F32) {
    float v;
    std::memcpy(&v, t.data.data() + 4 * i, 4);
    return v;
  }
  return double(getInt(t, i));
}

void setInt(ConstTensor &t, int64_t i, int64_t v) {
  if (t.type.dtype == DType::I32) {
    int32_t x = int32_t(v);
    std::memcpy(t.data.data() + 4 * i, &x, 4);
  } else {
    std::memcpy(t.data.data() + 8 * i, &v, 8);
  }
}

void setFloat(ConstTensor &t, int64_t i, double v) {
  float x = float(v);
  std::memcpy(t.data.data() + 4 * i, &x, 4);
}

/// Copies element \p from of \p src to element \p to of \p dst (same dtype).
void copyElem(const ConstTensor &src, int64_t from, ConstTensor &dst,
              int64_t to) {
  unsigned w = dtypeBytes(src.type.dtype);
  std::memcpy(dst.data.data() + w * to, src.data.data() + w * from, w);
}

/// The integer values of a 0-D or 1-D i32/i64 tensor (shapes, axes, ...).
Expected<std::vector<int64_t>> intList(const ConstTensor &t, StringRef what) {
  if (!isInt(t.type.dtype) || t.type.shape.size() > 1)
    return evalError(what + " must be a 1-D int64 or int32 tensor, got " +
                     t.type.str());
  std::vector<int64_t> v;
  for (int64_t i = 0; i < t.type.numElements(); ++i)
    v.push_back(getInt(t, i));
  return v;
}

/// Normalizes a possibly negative axis into [0, rank).
Expected<int64_t> normAxis(int64_t axis, int64_t rank, StringRef what) {
  if (axis < -rank || axis >= rank)
    return evalError(what + " " + Twine(axis) + " is out of range for rank " +
                     Twine(rank));
  return axis < 0 ? axis + rank : axis;
}

/// Row-major strides of \p s, in elements.
std::vector<int64_t> strides(const Shape &s) {
  std::vector<int64_t> st(s.size(), 1);
  for (size_t i = s.size(); i-- > 1;)
    st[i - 1] = st[i] * s[i];
  return st;
}

/// numpy broadcast of \p a and \p b.
Expected<Shape> broadcastShapes(const Shape &a, const Shape &b) {
  size_t r = std::max(a.size(), b.size());
  Shape out(r, 1);
  for (size_t i = 0; i < r; ++i) {
    int64_t da = i < r - a.size() ? 1 : a[i - (r - a.size())];
    int64_t db = i < r - b.size() ? 1 : b[i - (r - b.size())];
    if (da != db && da != 1 && db != 1)
      return evalError("shapes " + shapeText(a) + " and " + shapeText(b) +
                       " are not broadcastable");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

/// For every element of \p out, the linear index of the element of \p in
/// that broadcasting reads.
std::vector<int64_t> broadcastIndex(const Shape &out, const Shape &in) {
  int64_t n = 1;
  for (int64_t d : out)
    n *= d;
  std::vector<int64_t> inStrides = strides(in);
  std::vector<int64_t> idx(size_t(n), 0);
  size_t off = out.size() - in.size();
  std::vector<int64_t> coord(out.size(), 0);
  for (int64_t i = 0; i < n; ++i) {
    int64_t k = 0;
    for (size_t d = 0; d < in.size(); ++d)
      if (in[d] != 1)
        k += coord[d + off] * inStrides[d];
    idx[size_t(i)] = k;
    for (size_t d = out.size(); d-- > 0;) {
      if (++coord[d] < out[d])
        break;
      coord[d] = 0;
    }
  }
  return idx;
}

Error expectInputs(const Node &n, ArrayRef<ConstTensor> in, size_t lo,
                   size_t hi) {
  if (in.size() < lo || in.size() > hi)
    return evalError("expected " + Twine(lo) +
                     (lo == hi ? "" : " to " + Twine(hi)) + " inputs, got " +
                     Twine(in.size()));
  return Error::success();
}

//===-- Ops ---------------------------------------------------------------===//

using Outs = std::vector<ConstTensor>;

Error evalShape(const Node &n, ArrayRef<ConstTensor> in, Outs &out) {
  if (Error e = expectInputs(n, in, 1, 1))
    return e;
  int64_t rank = int64_t(in[0].type.shape.size());
  auto start = n.attrs.getInt("start", 0);
  auto end = n.attrs.getInt("end", rank);
  if (!start)
    return start.takeError();
  if (!end)
    return end.takeError();
  auto clampAxis = [&](int64_t a) {
    if (a < 0)
      a += rank;
    return std::min(std::max<int64_t>(a, 0), rank);
  };
  int64_t s = clampAxis(*start), e = clampAxis(*end);
  Expected<ConstTensor> t = makeTensor(DType::I64, {std::max<int64_t>(e - s, 0)});
  if (!t)
    return t.takeError();
  for (int64_t i = s; i < e; ++i)
    setInt(*t, i - s, in[0].type.shape[size_t(i)]);
  out.push_back(std::move(*t));
  return Error::success();
}

Error evalGather(const Node &n, ArrayRef<ConstTensor> in, Outs &out) {
  if (Error e = expectInputs(n, in, 2, 2))
    return e;
  const ConstTensor &data = in[0], &ind = in[1];
  if (!isInt(ind.type.dtype))
    return evalError("indices must be int32 or int64, got " +
                     dtypeName(ind.type.dtype));
  int64_t rank = int64_t(data.type.shape.size());
  if (rank == 0)
    return evalError("data must have rank >= 1");
  auto a = n.attrs.getInt("axis", 0);
  if (!a)
    return a.takeError();
  auto axis = normAxis(*a, rank, "axis");
  if (!axis)
    return axis.takeError();
  Shape shape(data.type.shape.begin(), data.type.shape.begin() + *axis);
  shape.append(ind.type.shape.begin(), ind.type.shape.end());
  shape.append(data.type.shape.begin() + *axis + 1, data.type.shape.end());
  Expected<ConstTensor> t = makeTensor(data.type.dtype, shape);
  if (!t)
    return t.takeError();
  int64_t outer = 1, inner = 1, dim = data.type.shape[size_t(*axis)];
  for (int64_t d = 0; d < *axis; ++d)
    outer *= data.type.shape[size_t(d)];
  for (int64_t d = *axis + 1; d < rank; ++d)
    inner *= data.type.shape[size_t(d)];
  int64_t count = ind.type.numElements();
  for (int64_t j = 0; j < count; ++j) {
    int64_t k = getInt(ind, j);
    if (k < -dim || k >= dim)
      return evalError("index " + Twine(k) + " is out of range for axis " +
                       Twine(*axis) + " of size " + Twine(dim));
    if (k < 0)
      k += dim;
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < inner; ++i)
        copyElem(data, (o * dim + k) * inner + i, *t,
                 (o * count + j) * inner + i);
  }
  out.push_back(std::move(*t));
  return Error::success();
}

/// Output 0 = input 0's bytes with shape \p shape.
Error reshaped(const ConstTensor &x, Shape shape, Outs &out) {
  Expected<ConstTensor> t = makeTensor(x.type.dtype, std::move(shape));
  if (!t)
    return t.takeError();
  if (t->data.size() != x.data.size())
    return evalError("cannot reshape " + x.type.str() + " to " +
                     shapeText(t->type.shape));
  t->data = x.data;
  out.push_back(std::move(*t));
  return Error::success();
}

/// Axes from input 1 (opset 13+) or, for older models, the 'axes' attribute.
Expected<std::vector<int64_t>> axesOf(const Node &n, ArrayRef<ConstTensor> in,
                                      bool &given) {
  given = true;
  if (in.size() > 1)
    return intList(in[1], "axes");
  if (n.attrs.has("axes"))
    return n.attrs.getInts("axes", {});
  given = false;
  return std::vector<int64_t>{};
}

Expected<Shape> unsqueezeShape(const Node &n, ArrayRef<ConstTensor> in) {
  if (Error e = expectInputs(n, in, 1, 2))
    return std::move(e);
  bool given;
  auto axes = axesOf(n, in, given);
  if (!axes)
    return axes.takeError();
  int64_t rank = int64_t(in[0].type.shape.size() + axes->size());
  std::vector<bool> isNew(size_t(rank), false);
  for (int64_t a : *axes) {
    auto x = normAxis(a, rank, "axis");
    if (!x)
      return x.takeError();
    if (isNew[size_t(*x)])
      return evalError("axis " + Twine(a) + " is repeated");
    isNew[size_t(*x)] = true;
  }
  Shape shape;
  size_t k = 0;
  for (int64_t d = 0; d < rank; ++d)
    shape.push_back(isNew[size_t(d)] ? 1 : in[0].type.shape[k++]);
  return shape;
}

Expected<Shape> squeezeShape(const Node &n, ArrayRef<ConstTensor> in) {
  if (Error e = expectInputs(n, in, 1, 2))
    return std::move(e);
  bool given;
  auto axes = axesOf(n, in, given);
  if (!axes)
    return axes.takeError();
  const Shape &s = in[0].type.shape;
  std::vector<bool> drop(s.size(), false);
  for (int64_t a : *axes) {
    auto x = normAxis(a, int64_t(s.size()), "axis");
    if (!x)
      return x.takeError();
    if (s[size_t(*x)] != 1)
      return evalError("axis " + Twine(a) + " has size " +
                       Twine(s[size_t(*x)]) + ", not 1");
    drop[size_t(*x)] = true;
  }
  Shape shape;
  for (size_t d = 0; d < s.size(); ++d)
    if (!(given ? drop[d] : s[d] == 1))
      shape.push_back(s[d]);
  return shape;
}

Error evalUnsqueeze(const Node &n, ArrayRef<ConstTensor> in, Outs &out) {
  Expected<Shape> shape = unsqueezeShape(n, in);
  if (!shape)
    return shape.takeError();
  return reshaped(in[0], *shape, out);
}

Error evalSqueeze(const Node &n, ArrayRef<ConstTensor> in, Outs &out) {
  Expected<Shape> shape = squeezeShape(n, in);
  if (!shape)
    return shape.takeError();
  return reshaped(in[0], *shape, out);
}

Error evalReshape(const Node &n, ArrayRef<ConstTensor> in, Outs &out) {
  if (Error e = expectInputs(n, in, 2, 2))
    return e;
  auto want = intList(in[1], "shape");
  if (!want)
    return want.takeError();
  auto allowZero = n.attrs.getInt("allowzero", 0);
  if (!allowZero)
    return allowZero.takeError();
  const Shape &s = in[0].type.shape;
  Shape shape;
  int64_t known = 1, inferAt = -1;
  for (size_t i = 0; i < want->size(); ++i) {
    int64_t d = (*want)[i];
    if (d == 0 && !*allowZero) {
      if (i >= s.size())
        return evalError("shape entry " + Twine(i) +
                         " is 0 (copy) but the input has rank " +
                         Twine(s.size()));
      d = s[i];
    }
    if (d == -1) {
      if (inferAt >= 0)
        return evalError("shape has more than one -1");
      inferAt = int64_t(i);
      shape.push_back(1);
      continue;
    }
    if (d < 1)
      return evalError("shape entry " + Twine(i) + " is " + Twine(d));
    known *= d;
    if (known > kMaxTensorElements)
      return evalError("shape is too large");
    shape.push_back(d);
  }
  int64_t total = in[0].type.numElements();
  if (inferAt >= 0) {
    if (total % known)
      return evalError("cannot reshape " + in[0].type.str() + " with a -1");
    shape[size_t(inferAt)] = total / known;
  }
  return reshaped(in[0], shape, out);
}

Error evalFlatten(const Node &n, ArrayRef<ConstTensor> in, Outs &out) {
  if (Error e = expectInputs(n, in, 1, 1))
    return e;
  const Shape &s = in[0].type.shape;
  auto a = n.attrs.getInt("axis", 1);
  if (!a)
    return a.takeError();
  int64_t rank = int64_t(s.size());
  if (*a < -rank || *a > rank)
    return evalError("axis " + Twine(*a) + " is out of range for rank " +
                     Twine(rank));
  int64_t axis = *a < 0 ? *a + rank : *a, outer = 1;
  for (int64_t d = 0; d < axis; ++d)
    outer *= s[size_t(d)];
  return reshaped(in[0], {outer, in[0].type.numElements() / outer}, out);
}

Error evalConcat(const Node &n, ArrayRef<ConstTensor> in, Outs &out) {
  if (in.empty())
    return evalError("expected at least one input");
  const Shape &s0 = in[0].type.shape;
  int64_t rank = int64_t(s0.size());
  auto a = n.attrs.getInt("axis", 0);
  if (!a)
    return a.takeError();
  if (!n.attrs.has("axis"))
    return evalError("attribute 'axis' is required");
  auto axis = normAxis(*a, rank, "axis");
  if (!axis)
    return axis.takeError();
  Shape shape = s0;
  shape[size_t(*axis)] = 0;
  for (const ConstTensor &t : in) {
    if (t.type.dtype != in[0].type.dtype || t.type.shape.size() != s0.size())
      return evalError("inputs " + in[0].type.str() + " and " + t.type.str() +
                       " differ in dtype or rank");
    for (int64_t d = 0; d < rank; ++d)
      if (d != *axis && t.type.shape[size_t(d)] != s0[size_t(d)])
        return evalError("inputs " + in[0].type.str() + " and " +
                         t.type.str() + " differ outside axis " +
                         Twine(*axis));
    shape[size_t(*axis)] += t.type.shape[size_t(*axis)];
  }
  Expected<ConstTensor> r = makeTensor(in[0].type.dtype, shape);
  if (!r)
    return r.takeError();
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < *axis; ++d)
    outer *= s0[size_t(d)];
  for (int64_t d = *axis + 1; d < rank; ++d)
    inner *= s0[size_t(d)];
  int64_t outRow = shape[size_t(*axis)] * inner, base = 0;
  for (const ConstTensor &t : in) {
    int64_t row = t.type.shape[size_t(*axis)] * inner;
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < row; ++i)
        copyElem(t, o * row + i, *r, o * outRow + base + i);
    base += row;
  }
  out.push_back(std::move(*r));
  return Error::success();
}

/// ONNX Slice (opset 13): per-axis start/end clamped as the spec describes.
Error evalSlice(const Node &n, ArrayRef<ConstTensor> in, Outs &out) {
  if (Error e = expectInputs(n, in, 3, 5))
    return e;
  const Shape &s = in[0].type.shape;
  int64_t rank = int64_t(s.size());
  auto starts = intList(in[1], "starts");
  auto ends = intList(in[2], "ends");
  if (!starts)
    return starts.takeError();
  if (!ends)
    return ends.takeError();
  std::vector<int64_t> axes, steps(starts->size(), 1);
  for (size_t i = 0; i < starts->size(); ++i)
    axes.push_back(int64_t(i));
  if (in.size() > 3) {
    auto a = intList(in[3], "axes");
    if (!a)
      return a.takeError();
    axes = *a;
  }
  if (in.size() > 4) {
    auto st = intList(in[4], "steps");
    if (!st)
      return st.takeError();
    steps = *st;
  }
  if (ends->size() != starts->size() || axes.size() != starts->size() ||
      steps.size() != starts->size())
    return evalError("starts, ends, axes and steps differ in length");
  std::vector<int64_t> first(size_t(rank), 0), step(size_t(rank), 1);
  Shape shape = s;
  std::vector<bool> seen(size_t(rank), false);
  for (size_t i = 0; i < axes.size(); ++i) {
    auto ax = normAxis(axes[i], rank, "axis");
    if (!ax)
      return ax.takeError();
    if (seen[size_t(*ax)])
      return evalError("axis " + Twine(axes[i]) + " is repeated");
    seen[size_t(*ax)] = true;
    int64_t dim = s[size_t(*ax)], st = steps[i];
    if (st == 0)
      return evalError("step 0 on axis " + Twine(axes[i]));
    int64_t b = (*starts)[i], e = (*ends)[i];
    if (b < 0)
      b = std::max<int64_t>(b, -dim - 1) + dim;
    if (e < 0)
      e = std::max<int64_t>(e, -dim - 1) + dim;
    int64_t count;
    if (st > 0) {
      b = std::min(std::max<int64_t>(b, 0), dim);
      e = std::min(std::max<int64_t>(e, 0), dim);
      count = e > b ? (e - b + st - 1) / st : 0;
    } else {
      b = std::min(std::max<int64_t>(b, -1), dim - 1);
      e = std::min(std::max<int64_t>(e, -1), dim - 1);
      count = b > e ? (b - e + (-st) - 1) / (-st) : 0;
    }
    first[size_t(*ax)] = b;
    step[size_t(*ax)] = st;
    shape[size_t(*ax)] = count;
  }
  Expected<ConstTensor> r = makeTensor(in[0].type.dtype, shape);
  if (!r)
    return r.takeError();
  std::vector<int64_t> inStrides = strides(s), coord(size_t(rank), 0);
  int64_t total = r->type.numElements();
  for (int64_t i = 0; i < total; ++i) {
    int64_t k = 0;
    for (int64_t d = 0; d < rank; ++d)
      k += (first[size_t(d)] + coord[size_t(d)] * step[size_t(d)]) *
           inStrides[size_t(d)];
    copyElem(in[0], k, *r, i);
    for (int64_t d = rank; d-- > 0;) {
      if (++coord[size_t(d)] < shape[size_t(d)])
        break;
      coord[size_t(d)] = 0;
    }
  }
  out.push_back(std::move(*r));
  return Error::success();
}

Error evalExpand(const Node &n, ArrayRef<ConstTensor> in, Outs &out) {
  if (Error e = expectInputs(n, in, 2, 2))
    return e;
  auto dims = intList(in[1], "shape");
  if (!dims)
    return dims.takeError();
  Shape want(dims->begin(), dims->end());
  Expected<Shape> shape = broadcastShapes(in[0].type.shape, want);
  if (!shape)
    return shape.takeError();
  Expected<ConstTensor> r = makeTensor(in[0].type.dtype, *shape);
  if (!r)
    return r.takeError();
  std::vector<int64_t> idx = broadcastIndex(*shape, in[0].type.shape);
  for (size_t i = 0; i < idx.size(); ++i)
    copyElem(in[0], idx[i], *r, int64_t(i));
  out.push_back(std::move(*r));
  return Error::success();
}

/// ONNX TensorProto.DataType codes of the Cast targets tlc holds.
Expected<DType> castTarget(int64_t to) {
  switch (to) {
  case 1:
    return DType::F32; // FLOAT
  case 6:
    return DType::I32; // INT32
  case 7:
  case 9:
    return DType::I64; // INT64, BOOL (held as i64 0/1)
  default:
    return evalError("'to' = " + Twine(to) +
                     " is not supported; expected FLOAT (1), INT32 (6), "
                     "INT64 (7) or BOOL (9)");
  }
}

Error evalCast(const Node &n, ArrayRef<ConstTensor> in, Outs &out) {
  if (Error e = expectInputs(n, in, 1, 1))
    return e;
  auto to = n.attrs.getInt("to", -1);
  if (!to)
    return to.takeError();
  auto dtype = castTarget(*to);
  if (!dtype)
    return dtype.takeError();
  Expected<ConstTensor> r = makeTensor(*dtype, in[0].type.shape);
  if (!r)
    return r.takeError();
  bool toBool = *to == 9;
  for (int64_t i = 0; i < r->type.numElements(); ++i) {
    if (*dtype == DType::F32) {
      setFloat(*r, i, getFloat(in[0], i));
      continue;
    }
    int64_t v;
    if (isInt(in[0].type.dtype)) {
      v = getInt(in[0], i);
    } else {
      double f = getFloat(in[0], i);
      if (toBool) {
        v = f != 0.0;
      } else {
        // Out-of-range float -> int casts are undefined in ONNX; refuse.
        double lim = *dtype == DType::I32 ? 2147483648.0 : 9.2233720368547758e18;
        if (!(std::fabs(f) < lim))
          return evalError("value " + std::to_string(f) + " does not fit " +
                           dtypeName(*dtype));
        v = int64_t(f); // truncation toward zero, as C and numpy
      }
    }
    if (toBool)
      v = v != 0;
    if (*dtype == DType::I32 &&
        (v < std::numeric_limits<int32_t>::min() ||
         v > std::numeric_limits<int32_t>::max()))
      return evalError("value " + Twine(v) + " does not fit i32");
    setInt(*r, i, v);
  }
  out.push_back(std::move(*r));
  return Error::success();
}

/// The comparison \p op ("Equal", "Less", "LessOrEqual", "Greater",
/// "GreaterOrEqual") of \p x and \p y.
template <typename T> bool compare(StringRef op, T x, T y) {
  if (op == "Equal")
    return x == y;
  if (op == "Less")
    return x < y;
  if (op == "LessOrEqual")
    return x <= y;
  if (op == "Greater")
    return x > y;
  return x >= y; // GreaterOrEqual
}

bool isComparison(StringRef op) {
  return op == "Equal" || op == "Less" || op == "LessOrEqual" ||
         op == "Greater" || op == "GreaterOrEqual";
}

/// Add, Sub, Mul, Div and the comparisons (Equal, Less, LessOrEqual,
/// Greater, GreaterOrEqual; opset 16, booleans out held as i64 0/1): two
/// inputs of one dtype, broadcast. f32 comparisons compare the f32 values
/// (NaN compares false, as IEEE-754 and numpy).
Error evalBinary(const Node &n, ArrayRef<ConstTensor> in, Outs &out) {
  if (Error e = expectInputs(n, in, 2, 2))
    return e;
  const ConstTensor &a = in[0], &b = in[1];
  if (a.type.dtype != b.type.dtype)
    return evalError("inputs have dtypes " + dtypeName(a.type.dtype) +
                     " and " + dtypeName(b.type.dtype));
  Expected<Shape> shape = broadcastShapes(a.type.shape, b.type.shape);
  if (!shape)
    return shape.takeError();
  bool isCompare = isComparison(n.op);
  Expected<ConstTensor> r =
      makeTensor(isCompare ? DType::I64 : a.type.dtype, *shape);
  if (!r)
    return r.takeError();
  std::vector<int64_t> ia = broadcastIndex(*shape, a.type.shape);
  std::vector<int64_t> ib = broadcastIndex(*shape, b.type.shape);
  char op = StringSwitch<char>(n.op)
                .Case("Add", '+')
                .Case("Sub", '-')
                .Case("Mul", '*')
                .Case("Div", '/')
                .Default('=');
  for (size_t i = 0; i < ia.size(); ++i) {
    int64_t k = int64_t(i);
    if (!isInt(a.type.dtype)) {
      double x = getFloat(a, ia[i]), y = getFloat(b, ib[i]);
      if (isCompare) {
        setInt(*r, k, compare(n.op, float(x), float(y)));
        continue;
      }
      double v = op == '+' ? x + y : op == '-' ? x - y : op == '*' ? x * y
                                                                   : x / y;
      setFloat(*r, k, v);
      continue;
    }
    int64_t x = getInt(a, ia[i]), y = getInt(b, ib[i]), v = 0;
    bool overflow = false;
    switch (op) {
    case '+':
      overflow = __builtin_add_overflow(x, y, &v);
      break;
    case '-':
      overflow = __builtin_sub_overflow(x, y, &v);
      break;
    case '*':
      overflow = __builtin_mul_overflow(x, y, &v);
      break;
    case '/':
      if (y == 0)
        return evalError("integer division by zero");
      overflow = x == std::numeric_limits<int64_t>::min() && y == -1;
      v = overflow ? 0 : x / y; // truncation toward zero (C++ semantics)
      break;
    default:
      v = compare(n.op, x, y);
      break;
    }
    if (a.type.dtype == DType::I32 && !isCompare &&
        (v < std::numeric_limits<int32_t>::min() ||
         v > std::numeric_limits<int32_t>::max()))
      overflow = true;
    if (overflow)
      return evalError("integer overflow in " + n.op);
    setInt(*r, k, v);
  }
  out.push_back(std::move(*r));
  return Error::success();
}

/// Checks that \p t holds ONNX booleans (i64 0/1 in tlc); \p what names it.
Error checkBool(const ConstTensor &t, StringRef what) {
  if (t.type.dtype != DType::I64)
    return evalError(what + " must be boolean (held as i64), got " +
                     t.type.str());
  for (int64_t i = 0; i < t.type.numElements(); ++i)
    if (uint64_t(getInt(t, i)) > 1)
      return evalError(what + " holds " + Twine(getInt(t, i)) +
                       " at element " + Twine(i) + "; booleans are 0 or 1");
  return Error::success();
}

/// And, Or, Xor (opset 7): two boolean inputs, broadcast; a boolean out.
Error evalLogical(const Node &n, ArrayRef<ConstTensor> in, Outs &out) {
  if (Error e = expectInputs(n, in, 2, 2))
    return e;
  if (Error e = checkBool(in[0], "A"))
    return e;
  if (Error e = checkBool(in[1], "B"))
    return e;
  Expected<Shape> shape = broadcastShapes(in[0].type.shape, in[1].type.shape);
  if (!shape)
    return shape.takeError();
  Expected<ConstTensor> r = makeTensor(DType::I64, *shape);
  if (!r)
    return r.takeError();
  std::vector<int64_t> ia = broadcastIndex(*shape, in[0].type.shape);
  std::vector<int64_t> ib = broadcastIndex(*shape, in[1].type.shape);
  for (size_t i = 0; i < ia.size(); ++i) {
    bool x = getInt(in[0], ia[i]) != 0, y = getInt(in[1], ib[i]) != 0;
    bool v = n.op == "And" ? (x && y) : n.op == "Or" ? (x || y) : (x != y);
    setInt(*r, int64_t(i), v);
  }
  out.push_back(std::move(*r));
  return Error::success();
}

/// Not (opset 1): one boolean input; its negation.
Error evalNot(const Node &n, ArrayRef<ConstTensor> in, Outs &out) {
  if (Error e = expectInputs(n, in, 1, 1))
    return e;
  if (Error e = checkBool(in[0], "X"))
    return e;
  ConstTensor r = in[0];
  for (int64_t i = 0; i < r.type.numElements(); ++i)
    setInt(r, i, getInt(in[0], i) == 0);
  out.push_back(std::move(r));
  return Error::success();
}

Error evalWhere(const Node &n, ArrayRef<ConstTensor> in, Outs &out) {
  if (Error e = expectInputs(n, in, 3, 3))
    return e;
  const ConstTensor &c = in[0], &x = in[1], &y = in[2];
  if (!isInt(c.type.dtype))
    return evalError("condition must be boolean (held as i64)");
  if (x.type.dtype != y.type.dtype)
    return evalError("X and Y have dtypes " + dtypeName(x.type.dtype) +
                     " and " + dtypeName(y.type.dtype));
  Expected<Shape> s1 = broadcastShapes(c.type.shape, x.type.shape);
  if (!s1)
    return s1.takeError();
  Expected<Shape> shape = broadcastShapes(*s1, y.type.shape);
  if (!shape)
    return shape.takeError();
  Expected<ConstTensor> r = makeTensor(x.type.dtype, *shape);
  if (!r)
    return r.takeError();
  std::vector<int64_t> ic = broadcastIndex(*shape, c.type.shape);
  std::vector<int64_t> ix = broadcastIndex(*shape, x.type.shape);
  std::vector<int64_t> iy = broadcastIndex(*shape, y.type.shape);
  for (size_t i = 0; i < ic.size(); ++i) {
    if (getInt(c, ic[i]))
      copyElem(x, ix[i], *r, int64_t(i));
    else
      copyElem(y, iy[i], *r, int64_t(i));
  }
  out.push_back(std::move(*r));
  return Error::success();
}

Error evalRange(const Node &n, ArrayRef<ConstTensor> in, Outs &out) {
  if (Error e = expectInputs(n, in, 3, 3))
    return e;
  DType t = in[0].type.dtype;
  for (const ConstTensor &x : in)
    if (x.type.dtype != t || x.type.numElements() != 1)
      return evalError("start, limit and delta must be scalars of one dtype");
  double start = getFloat(in[0], 0), limit = getFloat(in[1], 0),
         delta = getFloat(in[2], 0);
  if (delta == 0)
    return evalError("delta is 0");
  // ONNX Range: number_of_elements = max(ceil((limit - start) / delta), 0).
  double count = std::ceil((limit - start) / delta);
  if (!(count >= 1) || count > double(kMaxFoldedElements))
    return evalError("the range has " + std::to_string(count) +
                     " elements; expected 1 to the folding limit");
  Expected<ConstTensor> r = makeTensor(t, {int64_t(count)});
  if (!r)
    return r.takeError();
  for (int64_t i = 0; i < int64_t(count); ++i) {
    if (isInt(t))
      setInt(*r, i, getInt(in[0], 0) + i * getInt(in[2], 0));
    else
      setFloat(*r, i, float(start) + float(i) * float(delta));
  }
  out.push_back(std::move(*r));
  return Error::success();
}

Error evalConstantOfShape(const Node &n, ArrayRef<ConstTensor> in, Outs &out) {
  if (Error e = expectInputs(n, in, 1, 1))
    return e;
  auto dims = intList(in[0], "shape");
  if (!dims)
    return dims.takeError();
  DType t = DType::F32;
  double fill = 0;
  if (n.attrs.has("value")) {
    const AttrValue &v = n.attrs.values.at("value");
    if (auto *ints = std::get_if<std::vector<int64_t>>(&v);
        ints && ints->size() == 1) {
      t = DType::I64;
      fill = double((*ints)[0]);
    } else if (auto *fl = std::get_if<std::vector<double>>(&v);
               fl && fl->size() == 1) {
      fill = (*fl)[0];
    } else {
      return evalError("attribute 'value' must be a list of one number");
    }
  }
  // The importer marks an INT32 fill value with value_dtype = "i32".
  auto valueDType = n.attrs.getString("value_dtype", "");
  if (!valueDType)
    return valueDType.takeError();
  if (*valueDType == "i32" && t == DType::I64)
    t = DType::I32;
  else if (!valueDType->empty())
    return evalError("attribute 'value_dtype' must be \"i32\" with an "
                     "integer value");
  Expected<ConstTensor> r = makeTensor(t, Shape(dims->begin(), dims->end()));
  if (!r)
    return r.takeError();
  int64_t ifill = isInt(t) ? std::get<std::vector<int64_t>>(
                                 n.attrs.values.at("value"))[0]
                           : 0;
  for (int64_t i = 0; i < r->type.numElements(); ++i) {
    if (isInt(t))
      setInt(*r, i, ifill);
    else
      setFloat(*r, i, fill);
  }
  out.push_back(std::move(*r));
  return Error::success();
}

/// A Constant node with a value_float(s) / value_int(s) attribute (the
/// importer turns ONNX tensor-valued Constants into weights directly).
Error evalConstant(const Node &n, ArrayRef<ConstTensor> in, Outs &out) {
  if (Error e = expectInputs(n, in, 0, 0))
    return e;
  if (n.attrs.values.size() != 1)
    return evalError("expected exactly one attribute: value_float, "
                     "value_floats, value_int or value_ints");
  const auto &[name, v] = *n.attrs.values.begin();
  bool scalar = name == "value_float" || name == "value_int";
  std::vector<double> f;
  std::vector<int64_t> i;
  if (name == "value_float" || name == "value_floats") {
    if (auto *d = std::get_if<double>(&v); d && scalar)
      f = {*d};
    else if (auto *l = std::get_if<std::vector<double>>(&v))
      f = *l;
    else if (auto *li = std::get_if<std::vector<int64_t>>(&v))
      f.assign(li->begin(), li->end());
    else if (auto *x = std::get_if<int64_t>(&v); x && scalar)
      f = {double(*x)};
    else
      return evalError("attribute '" + name + "' has the wrong kind");
  } else if (name == "value_int" || name == "value_ints") {
    if (auto *x = std::get_if<int64_t>(&v); x && scalar)
      i = {*x};
    else if (auto *l = std::get_if<std::vector<int64_t>>(&v))
      i = *l;
    else
      return evalError("attribute '" + name + "' has the wrong kind");
  } else {
    return evalError("attribute '" + name +
                     "' is not supported; expected value_float, "
                     "value_floats, value_int or value_ints");
  }
  bool isF = !f.empty() || name == "value_floats";
  size_t count = isF ? f.size() : i.size();
  Shape shape;
  if (!scalar)
    shape.push_back(int64_t(count));
  Expected<ConstTensor> r = makeTensor(isF ? DType::F32 : DType::I64, shape);
  if (!r)
    return r.takeError();
  for (size_t k = 0; k < count; ++k) {
    if (isF)
      setFloat(*r, int64_t(k), f[k]);
    else
      setInt(*r, int64_t(k), i[k]);
  }
  out.push_back(std::move(*r));
  return Error::success();
}

Error evalIdentity(const Node &n, ArrayRef<ConstTensor> in, Outs &out) {
  if (Error e = expectInputs(n, in, 1, 1))
    return e;
  out.push_back(in[0]);
  return Error::success();
}

using EvalFn = Error (*)(const Node &, ArrayRef<ConstTensor>, Outs &);

EvalFn lookupEval(StringRef op) {
  return StringSwitch<EvalFn>(op)
      .Case("Shape", evalShape)
      .Case("Gather", evalGather)
      .Case("Unsqueeze", evalUnsqueeze)
      .Case("Squeeze", evalSqueeze)
      .Case("Reshape", evalReshape)
      .Case("Flatten", evalFlatten)
      .Case("Concat", evalConcat)
      .Case("Slice", evalSlice)
      .Case("Expand", evalExpand)
      .Case("Cast", evalCast)
      .Cases("Add", "Sub", "Mul", "Div", "Equal", evalBinary)
      .Cases("Less", "LessOrEqual", "Greater", "GreaterOrEqual", evalBinary)
      .Cases("And", "Or", "Xor", evalLogical)
      .Case("Not", evalNot)
      .Case("Where", evalWhere)
      .Case("Range", evalRange)
      .Case("ConstantOfShape", evalConstantOfShape)
      .Case("Constant", evalConstant)
      .Case("Identity", evalIdentity)
      .Default(nullptr);
}

} // namespace

bool hasConstantEvaluator(StringRef op) { return lookupEval(op) != nullptr; }

Expected<Shape> viewOutputShape(const Node &node, ArrayRef<ConstTensor> inputs) {
  if (node.op == "Unsqueeze")
    return unsqueezeShape(node, inputs);
  if (node.op == "Squeeze")
    return squeezeShape(node, inputs);
  return evalError("not a view op");
}

Error evaluateConstantNode(const Node &node, ArrayRef<ConstTensor> inputs,
                           std::vector<ConstTensor> &outputs) {
  EvalFn fn = lookupEval(node.op);
  assert(fn && "no evaluator; check hasConstantEvaluator first");
  if (node.op != "Shape")
    for (const ConstTensor &t : inputs)
      if (t.data.size() != t.type.byteSize())
        return evalError("input of type " + t.type.str() + " has " +
                         Twine(t.data.size()) + " bytes");
  for (const ConstTensor &t : inputs)
    if (t.type.dtype == DType::F16)
      return evalError("f16 constants are not supported");
  outputs.clear();
  if (Error e = fn(node, inputs, outputs))
    return e;
  if (outputs.size() != node.outputs.size())
    return evalError(node.op + " has 1 output, the node lists " +
                     Twine(node.outputs.size()));
  return Error::success();
}

} // namespace tlc
