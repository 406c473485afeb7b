//===- ops/Cast.cpp - Cast: convert elements to another dtype -------------===//
//
// ONNX Cast (opset 13) between the dtypes tlc holds: FLOAT (1), INT32 (6),
// INT64 (7) and BOOL (9, held as i64 0/1). Float-to-integer casts truncate
// toward zero (as C and numpy); a float outside the target's range is
// refused when it folds, since ONNX leaves it undefined. On the device
// (shaders/cast.comp, over 32-bit words) such a value gives an undefined
// result, and an i64 converts to the float nearest its magnitude's words'
// sum. A Cast to the input's own dtype is removed
// (passes/RemoveIdentities.cpp).
//
//===----------------------------------------------------------------------===//
#include "ops/OpList.h"
#include "ops/OpUtil.h"
#include "ops/SymbolicOp.h"

#include <cmath>
#include <limits>
#include <string>

using namespace llvm;

namespace tlc {

/// The dtype tlc holds ONNX TensorProto.DataType \p to as.
static Expected<DType> castTarget(const Node &node) {
  Expected<int64_t> to = node.attrs.getInt("to", -1);
  if (!to)
    return to.takeError();
  switch (*to) {
  case 1:
    return DType::F32; // FLOAT
  case 6:
    return DType::I32; // INT32
  case 7:
  case 9:
    return DType::I64; // INT64, BOOL (held as i64 0/1)
  default:
    return opError("'to' = " + Twine(*to) +
                   " is not supported; expected FLOAT (1), INT32 (6), "
                   "INT64 (7) or BOOL (9)");
  }
}

static Error castInferTypes(const Node &node, ArrayRef<InputInfo> in,
                            SmallVectorImpl<TensorType> &out) {
  if (Error e = checkKnownAttrs(node, {"to", "saturate"}))
    return e;
  if (Error e = checkInputCount(in, 1, 1))
    return e;
  if (Error e = checkDType(in, 0, "input", kDataDTypes))
    return e;
  Expected<DType> to = castTarget(node);
  if (!to)
    return to.takeError();
  out.push_back(TensorType::withDims(*to, in[0].type.dims()));
  return Error::success();
}

static Error castReference(const Node &node, ArrayRef<const HostTensor *> in,
                           MutableArrayRef<HostTensor> out) {
  const HostTensor &x = *in[0];
  HostTensor &y = out[0];
  bool toBool = cantFail(node.attrs.getInt("to", -1)) == 9;
  bool fromInt = x.type.dtype != DType::F32;
  for (int64_t i = 0; i < y.numElements(); ++i) {
    if (y.type.dtype == DType::F32) {
      y.setDouble(i, x.doubleAt(i));
      continue;
    }
    int64_t v;
    if (fromInt) {
      v = x.intAt(i);
    } else {
      double f = x.doubleAt(i);
      if (toBool) {
        v = f != 0.0;
      } else {
        double lim =
            y.type.dtype == DType::I32 ? 2147483648.0 : 9.2233720368547758e18;
        if (!(std::fabs(f) < lim))
          return opError("value " + std::to_string(f) + " does not fit " +
                         dtypeName(y.type.dtype));
        v = int64_t(f); // truncation toward zero
      }
    }
    if (toBool)
      v = v != 0;
    if (y.type.dtype == DType::I32 &&
        (v < std::numeric_limits<int32_t>::min() ||
         v > std::numeric_limits<int32_t>::max()))
      return opError("value " + Twine(v) + " does not fit i32");
    y.setInt(i, v);
  }
  return Error::success();
}

/// Code of \p t for shaders/cast.comp's SRC and DST.
static uint32_t castCode(DType t) {
  return t == DType::F32 ? 0 : t == DType::I32 ? 1 : 2;
}

static void castLower(const Node &node, ArrayRef<TensorType> in,
                      ArrayRef<TensorType> out, const KernelTarget &,
                      SmallVectorImpl<DispatchDesc> &d) {
  bool toBool = verifiedValue(node.attrs.getInt("to", -1)) == 9;
  DispatchDesc c;
  c.shader = "cast";
  uint64_t n = uint64_t(out[0].numElements());
  c.specConstants = {spec::u32(uint32_t(n)), spec::u32(castCode(in[0].dtype)),
                     spec::u32(toBool ? 3 : castCode(out[0].dtype))};
  c.operands = {0, 1};
  c.writes = {1};
  setGrid1D(c, n, 256);
  d.push_back(c);
}

/// Integer to integer: the same expressions, when every value they take
/// fits the target dtype.
static Error castFoldSymbolic(const Node &, ArrayRef<SymTensor> in,
                              MutableArrayRef<SymTensor> out) {
  if (out[0].type.dtype != DType::I32 && out[0].type.dtype != DType::I64)
    return opError("a symbolic shape value cast to " +
                   dtypeName(out[0].type.dtype) + " is not a shape value");
  for (size_t i = 0; i < in[0].elems.size(); ++i) {
    const DimExpr &e = in[0].elems[i];
    if (out[0].type.dtype == DType::I32 &&
        (e.lowerBound() < std::numeric_limits<int32_t>::min() ||
         e.upperBound() > std::numeric_limits<int32_t>::max()))
      return opError("value " + e.str() + " does not fit i32");
    out[0].elems[i] = e;
  }
  return Error::success();
}

const OpDef kCastOp = withSymbolicFold(symbolicOp({"Cast",          castInferTypes,
                       castReference,   castLower,
                       /*memory=*/{},   /*referenceDTypes=*/kDataDTypes,
                       /*deviceDTypes=*/kDataDTypes}), castFoldSymbolic);

} // namespace tlc
