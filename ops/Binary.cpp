//===- ops/Binary.cpp - Shared parts of elementwise binary ops ------------===//
//
// The shape rule, CPU reference and lowering of Add, Mul, Sub, Div and Pow.
// The lowering merges dims the inputs traverse alike (same-shape operands
// become one dim) and picks shaders/binary.comp's vec4 path when the
// innermost merged dim allows it (docs/performance.md, "Elementwise").
//
//===----------------------------------------------------------------------===//
#include "ops/Binary.h"
#include "ops/Broadcast.h"
#include "ops/OpUtil.h"
#include "ops/Unary.h"

#include <cassert>

#include <cmath>
#include <limits>

using namespace llvm;

namespace tlc {

Error inferBinaryTypes(const Node &node, ArrayRef<InputInfo> in,
                       SmallVectorImpl<TensorType> &out) {
  return inferBinaryTypesWithAttrs(node, in, out, {});
}

Error inferBinaryTypesWithAttrs(const Node &node, ArrayRef<InputInfo> in,
                                SmallVectorImpl<TensorType> &out,
                                ArrayRef<StringRef> attrs) {
  if (Error e = checkKnownAttrs(node, attrs))
    return e;
  if (Error e = checkInputCount(in, 2, 2))
    return e;
  // f32 everywhere; i32 and i64 on the host (shape arithmetic that folds).
  for (unsigned i = 0; i < 2; ++i)
    if (Error e = checkDType(in, i, i == 0 ? "A" : "B",
                             {DType::F32, DType::I32, DType::I64}))
      return e;
  if (in[0].type.dtype != in[1].type.dtype)
    return opError("inputs A and B have dtypes " +
                   dtypeName(in[0].type.dtype) + " and " +
                   dtypeName(in[1].type.dtype) + "; expected one dtype");
  Expected<SymShape> s = broadcastShapes(in[0].type.dims(), in[1].type.dims());
  if (!s)
    return s.takeError();
  if (s->size() > kBinaryMaxRank)
    return opError("broadcast rank " + Twine(s->size()) +
                   " exceeds the supported maximum of " +
                   Twine(kBinaryMaxRank));
  TensorType y = TensorType::withDims(in[0].type.dtype, *s);
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
  case BinaryOpCode::Max:
    return x > y ? x : y;
  case BinaryOpCode::Min:
    return x < y ? x : y;
  case BinaryOpCode::PRelu:
    return x < 0 ? y * x : x;
  case BinaryOpCode::Fmod:
    return std::fmod(x, y);
  case BinaryOpCode::Mod: // f32 Mod needs fmod = 1 (the shape rule)
    return std::fmod(x, y);
  }
  return 0.0f;
}

/// One element of \p code on integers, with ONNX's integer semantics
/// (division truncates toward zero, as C++); errors on division by zero and
/// on results outside int64 or, for i32 tensors, int32.
static Expected<int64_t> applyIntBinary(BinaryOpCode code, int64_t x,
                                        int64_t y, DType dtype) {
  int64_t v = 0;
  bool overflow = false;
  switch (code) {
  case BinaryOpCode::Add:
    overflow = __builtin_add_overflow(x, y, &v);
    break;
  case BinaryOpCode::Sub:
    overflow = __builtin_sub_overflow(x, y, &v);
    break;
  case BinaryOpCode::Mul:
    overflow = __builtin_mul_overflow(x, y, &v);
    break;
  case BinaryOpCode::Div:
    if (y == 0)
      return opError("integer division by zero");
    overflow = x == std::numeric_limits<int64_t>::min() && y == -1;
    v = overflow ? 0 : x / y;
    break;
  case BinaryOpCode::Max:
    v = std::max(x, y);
    break;
  case BinaryOpCode::Min:
    v = std::min(x, y);
    break;
  case BinaryOpCode::Fmod:
  case BinaryOpCode::Mod:
    if (y == 0)
      return opError("integer division by zero");
    v = y == -1 ? 0 : x % y; // INT64_MIN % -1 overflows in C++
    if (code == BinaryOpCode::Mod && v != 0 && (v < 0) != (y < 0))
      v += y;
    break;
  case BinaryOpCode::Pow:
  case BinaryOpCode::PRelu:
    return opError("this op takes f32");
  }
  if (dtype == DType::I32 && (v < std::numeric_limits<int32_t>::min() ||
                              v > std::numeric_limits<int32_t>::max()))
    overflow = true;
  if (overflow)
    return opError("integer overflow");
  return v;
}

Error referenceBinary(BinaryOpCode code, const HostTensor &a,
                      const HostTensor &b, HostTensor &out) {
  const Shape &os = out.type.shape;
  bool isFloat = out.type.dtype == DType::F32;
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
    if (isFloat) {
      out.f32()[i] = applyBinary(code, a.f32()[ia], b.f32()[ib]);
    } else {
      Expected<int64_t> v =
          applyIntBinary(code, a.intAt(ia), b.intAt(ib), out.type.dtype);
      if (!v)
        return v.takeError();
      out.setInt(i, *v);
    }
    // Advance the multi-index, innermost dim fastest.
    for (size_t d = os.size(); d-- > 0;) {
      if (++idx[d] < os[d])
        break;
      idx[d] = 0;
    }
  }
  return Error::success();
}

BinaryLayout coalesceBinary(ArrayRef<DimExpr> out, ArrayRef<DimExpr> sa,
                            ArrayRef<DimExpr> sb) {
  SymShape strides[2] = {SymShape(sa.begin(), sa.end()),
                         SymShape(sb.begin(), sb.end())};
  MergedDims m = mergeBroadcastDims(out, strides);
  return BinaryLayout{m.dims, m.strides[0], m.strides[1], m.vec4};
}

DispatchDesc lowerBinary(BinaryOpCode code, const TensorType &a,
                         const TensorType &b, const TensorType &out) {
  SymShape od = out.dims();
  BinaryLayout l = coalesceBinary(od, broadcastStrides(a.dims(), od),
                                  broadcastStrides(b.dims(), od));
  DispatchDesc d;
  // Integers (Add, Sub, Mul of i32 or i64): shaders/binary_int.comp, the
  // same index space and constants with WIDE (i64) in VEC4's place.
  bool isInt = out.dtype == DType::I32 || out.dtype == DType::I64;
  if (isInt)
    l.vec4 = false;
  d.shader = isInt ? "binary_int" : "binary";
  DimExpr n = out.numElementsExpr();
  // Constants 0 TOTAL, 1 OP, 2-7 dims, 8-13 A's strides, 14-19 B's (all
  // dims: run-time values of binary_dyn when symbolic), 20 VEC4, 21 ITEMS.
  d.specConstants = spec::u32s({0, uint32_t(code)});
  setDim(d, 0, n);
  setBroadcastConstants(d, l.dims, {l.sa, l.sb}, 2, {8, 14});
  DimExpr units = l.vec4 ? *exactDiv(n, 4) : n;
  uint32_t items = elementwiseItemsPerInvocation(uint64_t(units.upperBound()));
  d.specConstants.push_back(
      spec::u32(isInt ? out.dtype == DType::I64 : l.vec4 ? 1u : 0u));
  d.specConstants.push_back(spec::u32(items));
  d.operands = {0, 1, 2};
  d.writes = {2};
  setGrid1D(d, ceilDiv(units, items), 256);
  return d;
}

} // namespace tlc
