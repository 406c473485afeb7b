//===- ops/OpUtil.cpp - Checks and helpers shared by shape rules ----------===//
#include "ops/OpUtil.h"

#include "llvm/ADT/STLExtras.h"

#include <cmath>
#include <cstring>
#include <string>

using namespace llvm;

namespace tlc {

Error opError(const Twine &message) {
  return createStringError(inconvertibleErrorCode(), message.str());
}

Expected<bool> getFlagAttr(const Node &node, StringRef name,
                           bool defaultValue) {
  Expected<int64_t> v = node.attrs.getInt(name, defaultValue ? 1 : 0);
  if (!v)
    return v.takeError();
  if (*v != 0 && *v != 1)
    return opError("attribute '" + name + "' is " + Twine(*v) +
                   "; expected 0 or 1");
  return *v == 1;
}

Error checkKnownAttrs(const Node &node, ArrayRef<StringRef> known) {
  for (const auto &kv : node.attrs.values) {
    if (llvm::is_contained(known, StringRef(kv.first)))
      continue;
    std::string list = known.empty() ? "none" : "";
    for (size_t i = 0; i < known.size(); ++i)
      list += (i ? ", " : "") + known[i].str();
    return opError("unknown attribute '" + kv.first + "'; supported: " + list);
  }
  return Error::success();
}

Error checkInputCount(ArrayRef<InputInfo> in, unsigned min, unsigned max) {
  if (in.size() >= min && in.size() <= max)
    return Error::success();
  std::string want = std::to_string(min);
  if (max != min)
    want += (max == min + 1 ? " or " : " to ") + std::to_string(max);
  return opError("expected " + want + " input" + (max == 1 ? "" : "s") +
                 ", got " + Twine(in.size()));
}

Error checkMaxOutputs(const Node &node, unsigned n, StringRef why) {
  if (node.outputs.size() <= n)
    return Error::success();
  return opError("node lists " + Twine(node.outputs.size()) +
                 " outputs; only " + Twine(n) + " supported (" + why + ")");
}

Error checkF32(ArrayRef<InputInfo> in, unsigned idx, StringRef what) {
  if (in[idx].type.dtype == DType::F32)
    return Error::success();
  return opError("input " + Twine(idx) + " (" + what + ") has dtype " +
                 dtypeName(in[idx].type.dtype) + "; only f32 is supported");
}

Error checkDType(ArrayRef<InputInfo> in, unsigned idx, StringRef what,
                 DTypeSet allowed) {
  if (allowed.contains(in[idx].type.dtype))
    return Error::success();
  return opError("input " + Twine(idx) + " (" + what + ") has dtype " +
                 dtypeName(in[idx].type.dtype) + "; expected " +
                 allowed.str());
}

Error checkRank(const TensorType &t, unsigned rank, StringRef what,
                StringRef layout) {
  if (t.shape.size() == rank)
    return Error::success();
  std::string l = layout.empty() ? "" : " (" + layout.str() + ")";
  return opError(what + " must have rank " + Twine(rank) + l + ", got rank " +
                 Twine(t.shape.size()) + " (" + t.str() + ")");
}

Expected<int64_t> normalizeAxis(int64_t axis, int64_t rank, StringRef attr) {
  if (axis < -rank || axis >= rank)
    return opError("attribute '" + attr + "' is " + Twine(axis) +
                   "; expected a value in [" + Twine(-rank) + ", " +
                   Twine(rank - 1) + "] for rank " + Twine(rank));
  return axis < 0 ? axis + rank : axis;
}

Expected<std::vector<int64_t>> getIntList(const Attributes &attrs,
                                          StringRef name, size_t count,
                                          std::vector<int64_t> def,
                                          int64_t minValue) {
  Expected<std::vector<int64_t>> v = attrs.getInts(name, std::move(def));
  if (!v)
    return v.takeError();
  if (v->size() != count)
    return opError("attribute '" + name + "' has " + Twine(v->size()) +
                   " entries; expected " + Twine(count));
  for (size_t i = 0; i < v->size(); ++i)
    if ((*v)[i] < minValue)
      return opError("attribute '" + name + "'[" + Twine(i) + "] is " +
                     Twine((*v)[i]) +
                     "; expected a value >= " + Twine(minValue));
  return v;
}

Error checkFits32(const TensorType &t, StringRef what) {
  Expected<int64_t> n = checkedNumElements(t.shape, /*allowEmpty=*/true);
  if (!n)
    return opError(what + " " + t.str() + ": " + toString(n.takeError()));
  if (uint64_t(*n) <= 0xffffffffull)
    return Error::success();
  return opError(what + " " + t.str() +
                 " has more than 2^32-1 elements; shaders index with 32 bits");
}

Error checkInputsFit32(ArrayRef<InputInfo> in) {
  for (size_t i = 0; i < in.size(); ++i)
    if (Error e = checkFits32(in[i].type, "input " + std::to_string(i)))
      return e;
  return Error::success();
}

Shape rowMajorStrides(ArrayRef<int64_t> shape) {
  Shape s(shape.size(), 1);
  for (size_t i = shape.size(); i-- > 1;)
    s[i - 1] = s[i] * shape[i];
  return s;
}

SymShape rowMajorStrides(ArrayRef<DimExpr> shape) {
  SymShape s(shape.size(), DimExpr(1));
  for (size_t i = shape.size(); i-- > 1;)
    s[i - 1] = s[i] * shape[i];
  return s;
}

uint32_t floatBits(float v) {
  uint32_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  return bits;
}

Expected<double> normEpsilon(const Node &node) {
  Expected<double> eps = node.attrs.getFloat("epsilon", 1e-5);
  if (!eps)
    return eps.takeError();
  if (!(*eps >= 0.0) || !std::isfinite(*eps))
    return opError("attribute 'epsilon' is " + std::to_string(*eps) +
                   "; expected a finite value >= 0");
  return *eps;
}

} // namespace tlc
