//===- ops/Compare.cpp - Equal, Less, LessOrEqual, Greater, GreaterOrEqual -===//
//
// ONNX comparisons (opset 16): two inputs of one dtype, numpy broadcasting,
// a boolean out (held as i64 0/1, as tlc holds ONNX booleans). f32 inputs
// compare as IEEE-754 floats (NaN compares false). Compile time only
// (folds): GPT-2's causal mask is built from them when its length is fixed.
//
//===----------------------------------------------------------------------===//
#include "ops/BooleanBinary.h"
#include "ops/Broadcast.h"
#include "ops/OpList.h"
#include "ops/OpUtil.h"

using namespace llvm;

namespace tlc {

enum class Comparison { Equal, Less, LessOrEqual, Greater, GreaterOrEqual };

static Comparison comparisonOf(StringRef op) {
  return op == "Equal"         ? Comparison::Equal
         : op == "Less"        ? Comparison::Less
         : op == "LessOrEqual" ? Comparison::LessOrEqual
         : op == "Greater"     ? Comparison::Greater
                               : Comparison::GreaterOrEqual;
}

template <typename T> static bool compare(Comparison c, T x, T y) {
  switch (c) {
  case Comparison::Equal:
    return x == y;
  case Comparison::Less:
    return x < y;
  case Comparison::LessOrEqual:
    return x <= y;
  case Comparison::Greater:
    return x > y;
  case Comparison::GreaterOrEqual:
    return x >= y;
  }
  return false;
}

Error inferBooleanBinaryTypes(const Node &node, ArrayRef<InputInfo> in,
                              SmallVectorImpl<TensorType> &out,
                              DTypeSet allowed) {
  if (Error e = checkKnownAttrs(node, {}))
    return e;
  if (Error e = checkInputCount(in, 2, 2))
    return e;
  for (unsigned i = 0; i < 2; ++i)
    if (Error e = checkDType(in, i, i == 0 ? "A" : "B", allowed))
      return e;
  if (in[0].type.dtype != in[1].type.dtype)
    return opError("inputs have dtypes " + dtypeName(in[0].type.dtype) +
                   " and " + dtypeName(in[1].type.dtype));
  Expected<Shape> s = broadcastShapes(in[0].type.shape, in[1].type.shape);
  if (!s)
    return s.takeError();
  out.push_back(TensorType{DType::I64, *s});
  return Error::success();
}

static Error compareInferTypes(const Node &node, ArrayRef<InputInfo> in,
                               SmallVectorImpl<TensorType> &out) {
  return inferBooleanBinaryTypes(node, in, out, kDataDTypes);
}

static Error compareReference(const Node &node,
                              ArrayRef<const HostTensor *> in,
                              MutableArrayRef<HostTensor> out) {
  Comparison c = comparisonOf(node.op);
  const HostTensor &a = *in[0], &b = *in[1];
  const Shape &os = out[0].type.shape;
  std::vector<int64_t> ia = broadcastIndices(a.type.shape, os);
  std::vector<int64_t> ib = broadcastIndices(b.type.shape, os);
  bool isFloat = a.type.dtype == DType::F32;
  for (size_t i = 0; i < ia.size(); ++i)
    out[0].setInt(int64_t(i),
                  isFloat ? compare(c, a.f32()[ia[i]], b.f32()[ib[i]])
                          : compare(c, a.intAt(ia[i]), b.intAt(ib[i])));
  return Error::success();
}

#define TLC_COMPARISON(NAME)                                                   \
  const OpDef k##NAME##Op = {#NAME,                                            \
                             compareInferTypes,                                \
                             compareReference,                                 \
                             /*lower=*/nullptr,                                \
                             /*memory=*/{},                                    \
                             /*referenceDTypes=*/kDataDTypes,                  \
                             /*deviceDTypes=*/{}};
TLC_COMPARISON(Equal)
TLC_COMPARISON(Less)
TLC_COMPARISON(LessOrEqual)
TLC_COMPARISON(Greater)
TLC_COMPARISON(GreaterOrEqual)
#undef TLC_COMPARISON

} // namespace tlc
