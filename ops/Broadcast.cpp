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

} // namespace tlc
