//===- ops/Broadcast.cpp - Numpy-style broadcasting of shapes -------------===//
#include "ops/Broadcast.h"
#include "ops/OpUtil.h"

#include <algorithm>
#include <cassert>

using namespace llvm;

namespace tlc {

static std::string shapeText(ArrayRef<int64_t> s) {
  return "[" + TensorType{DType::F32, Shape(s.begin(), s.end())}.shapeStr() +
         "]";
}

Expected<Shape> broadcastShapes(ArrayRef<int64_t> a, ArrayRef<int64_t> b) {
  size_t rank = std::max(a.size(), b.size());
  Shape out(rank, 1);
  for (size_t i = 0; i < rank; ++i) {
    // i counts from the innermost dim.
    int64_t da = i < a.size() ? a[a.size() - 1 - i] : 1;
    int64_t db = i < b.size() ? b[b.size() - 1 - i] : 1;
    if (da != db && da != 1 && db != 1)
      return opError("shapes " + shapeText(a) + " and " + shapeText(b) +
                     " are not broadcastable: output dim " +
                     Twine(rank - 1 - i) + " would need " + Twine(da) +
                     " and " + Twine(db));
    out[rank - 1 - i] = std::max(da, db);
  }
  return out;
}

Expected<SymShape> broadcastShapes(ArrayRef<DimExpr> a, ArrayRef<DimExpr> b) {
  size_t rank = std::max(a.size(), b.size());
  SymShape out(rank, DimExpr(1));
  for (size_t i = 0; i < rank; ++i) {
    // i counts from the innermost dim.
    DimExpr da = i < a.size() ? a[a.size() - 1 - i] : DimExpr(1);
    DimExpr db = i < b.size() ? b[b.size() - 1 - i] : DimExpr(1);
    bool oneA = da.isConstant() && da.constant() == 1;
    bool oneB = db.isConstant() && db.constant() == 1;
    if (da != db && !oneA && !oneB) {
      bool sym = !da.isConstant() || !db.isConstant();
      return opError("shapes [" + symShapeStr(a) + "] and [" + symShapeStr(b) +
                     "] are not broadcastable: output dim " +
                     Twine(rank - 1 - i) + " would need " + da.str() +
                     " and " + db.str() +
                     (sym ? " (a symbolic dim broadcasts only against an "
                            "equal dim or 1)"
                          : ""));
    }
    out[rank - 1 - i] = oneA ? db : da;
  }
  return out;
}

/// Row-major element strides of \p shape, as expressions.
static SymShape symRowMajorStrides(ArrayRef<DimExpr> shape) {
  SymShape s(shape.size(), DimExpr(1));
  for (size_t i = shape.size(); i-- > 1;)
    s[i - 1] = s[i] * shape[i];
  return s;
}

SymShape broadcastStrides(ArrayRef<DimExpr> in, ArrayRef<DimExpr> out) {
  assert(in.size() <= out.size() && "input rank exceeds broadcast rank");
  SymShape inStrides = symRowMajorStrides(in);
  SymShape s(out.size(), DimExpr(0));
  size_t lead = out.size() - in.size();
  for (size_t i = 0; i < in.size(); ++i) {
    bool one = in[i].isConstant() && in[i].constant() == 1;
    assert((one || in[i] == out[lead + i]) && "not broadcastable");
    s[lead + i] = one ? DimExpr(0) : inStrides[i];
  }
  return s;
}

MergedDims mergeBroadcastDims(ArrayRef<DimExpr> out,
                              ArrayRef<SymShape> strides) {
  MergedDims l;
  size_t n = strides.size();
  l.strides.resize(n);
  for (size_t d = 0; d < out.size(); ++d) {
    if (out[d].isConstant() && out[d].constant() == 1)
      continue; // contributes nothing to any index
    // Merge into the previous (outer) dim when every input steps through
    // both as one run: contiguous or broadcast along both.
    bool merge = !l.dims.empty();
    for (size_t k = 0; merge && k < n; ++k)
      merge = l.strides[k].back() == strides[k][d] * out[d];
    if (merge) {
      l.dims.back() *= out[d];
      for (size_t k = 0; k < n; ++k)
        l.strides[k].back() = strides[k][d];
      continue;
    }
    l.dims.push_back(out[d]);
    for (size_t k = 0; k < n; ++k)
      l.strides[k].push_back(strides[k][d]);
  }
  if (l.dims.empty()) { // a single element
    l.dims.push_back(1);
    for (size_t k = 0; k < n; ++k)
      l.strides[k].push_back(0);
  }
  // vec4 must hold at every point of a range: a multiple of 4 for every
  // value, and unit or zero innermost strides (these are constants: the
  // innermost kept dim of an input is its last non-1 dim).
  l.vec4 = l.dims.back().isMultipleOf(4);
  for (size_t k = 0; k < n; ++k) {
    const DimExpr &s = l.strides[k].back();
    l.vec4 = l.vec4 && s.isConstant() && (s.constant() == 0 || s.constant() == 1);
  }
  return l;
}

Shape broadcastStrides(ArrayRef<int64_t> in, ArrayRef<int64_t> out) {
  assert(in.size() <= out.size() && "input rank exceeds broadcast rank");
  Shape inStrides = rowMajorStrides(in);
  Shape s(out.size(), 0);
  size_t lead = out.size() - in.size();
  for (size_t i = 0; i < in.size(); ++i) {
    assert((in[i] == out[lead + i] || in[i] == 1) && "not broadcastable");
    s[lead + i] = in[i] == 1 ? 0 : inStrides[i];
  }
  return s;
}

std::vector<int64_t> broadcastIndices(ArrayRef<int64_t> in,
                                      ArrayRef<int64_t> out) {
  Shape strides = broadcastStrides(in, out);
  int64_t n = 1;
  for (int64_t d : out)
    n *= d;
  std::vector<int64_t> idx(static_cast<size_t>(n));
  Shape coord(out.size(), 0);
  for (int64_t i = 0; i < n; ++i) {
    int64_t k = 0;
    for (size_t d = 0; d < out.size(); ++d)
      k += coord[d] * strides[d];
    idx[size_t(i)] = k;
    for (size_t d = out.size(); d-- > 0;) {
      if (++coord[d] < out[d])
        break;
      coord[d] = 0;
    }
  }
  return idx;
}

void setBroadcastConstants(DispatchDesc &d, ArrayRef<DimExpr> dims,
                           ArrayRef<SymShape> strides, unsigned dimsId,
                           ArrayRef<unsigned> stridesIds) {
  assert(dims.size() <= kBroadcastKernelRank &&
         strides.size() == stridesIds.size() && "checked by the shape rule");
  size_t pad = kBroadcastKernelRank - dims.size();
  for (unsigned k = 0; k < kBroadcastKernelRank; ++k) {
    setDim(d, dimsId + k, k < pad ? DimExpr(1) : dims[k - pad]);
    for (size_t i = 0; i < strides.size(); ++i)
      setDim(d, stridesIds[i] + k,
             k < pad ? DimExpr(0) : strides[i][k - pad]);
  }
}

} // namespace tlc
