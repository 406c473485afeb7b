//===- ops/Binary.cpp - Shared parts of elementwise binary ops ------------===//
#include "ops/Binary.h"
#include "ops/Broadcast.h"
#include "ops/OpUtil.h"

#include <cmath>

using namespace llvm;

namespace tlc {

Error inferBinaryTypes(const Node &node, ArrayRef<InputInfo> in,
                       SmallVectorImpl<TensorType> &out) {
  if (Error e = checkKnownAttrs(node, {}))
    return e;
  if (Error e = checkInputCount(in, 2, 2))
    return e;
  if (Error e = checkF32(in, 0, "A"))
    return e;
  if (Error e = checkF32(in, 1, "B"))
    return e;
  Expected<Shape> s = broadcastShapes(in[0].type.shape, in[1].type.shape);
  if (!s)
    return s.takeError();
  if (s->size() > kBinaryMaxRank)
    return opError("broadcast rank " + Twine(s->size()) +
                   " exceeds the supported maximum of " +
                   Twine(kBinaryMaxRank));
  TensorType y{DType::F32, *s};
  if (Error e = checkFits32(y, "output"))
    return e;
  out.push_back(y);
  return Error::success();
}

/// One element of \p code in f32, as IEEE-754 and C's powf define it.
static float applyBinary(BinaryOpCode code, float x, float y) {
  switch (code) {
  case BinaryOpCode::Add:
    return x + y;
  case BinaryOpCode::Mul:
    return x * y;
  case BinaryOpCode::Sub:
    return x - y;
  case BinaryOpCode::Div:
    return x / y;
  case BinaryOpCode::Pow:
    return float(std::pow(double(x), double(y)));
  }
  return 0.0f;
}

void referenceBinary(BinaryOpCode code, const HostTensor &a,
                     const HostTensor &b, HostTensor &out) {
  const Shape &os = out.type.shape;
  Shape sa = broadcastStrides(a.type.shape, os);
  Shape sb = broadcastStrides(b.type.shape, os);
  Shape idx(os.size(), 0);
  int64_t n = out.type.numElements();
  for (int64_t i = 0; i < n; ++i) {
    int64_t ia = 0, ib = 0;
    for (size_t d = 0; d < os.size(); ++d) {
      ia += idx[d] * sa[d];
      ib += idx[d] * sb[d];
    }
    float x = a.data[ia], y = b.data[ib];
    out.data[i] = applyBinary(code, x, y);
    // Advance the multi-index, innermost dim fastest.
    for (size_t d = os.size(); d-- > 0;) {
      if (++idx[d] < os[d])
        break;
      idx[d] = 0;
    }
  }
}

DispatchDesc lowerBinary(BinaryOpCode code, const TensorType &a,
                         const TensorType &b, const TensorType &out) {
  // Pad to kBinaryMaxRank with leading dims of size 1 (stride 0).
  Shape os(kBinaryMaxRank - out.shape.size(), 1);
  os.append(out.shape.begin(), out.shape.end());
  Shape sa = broadcastStrides(a.shape, os);
  Shape sb = broadcastStrides(b.shape, os);
  DispatchDesc d;
  d.shader = "binary";
  uint64_t n = uint64_t(out.numElements());
  d.specConstants = {uint32_t(n), uint32_t(code)};
  for (int64_t v : os)
    d.specConstants.push_back(uint32_t(v));
  for (int64_t v : sa)
    d.specConstants.push_back(uint32_t(v));
  for (int64_t v : sb)
    d.specConstants.push_back(uint32_t(v));
  d.operands = {0, 1, 2};
  d.writes = {2};
  setGrid1D(d, n, 256);
  return d;
}

} // namespace tlc
