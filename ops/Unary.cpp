//===- ops/Unary.cpp - Shared pieces of elementwise unary ops -------------===//
#include "ops/Unary.h"
#include "ops/OpUtil.h"

using namespace llvm;

namespace tlc {

Error inferUnaryTypes(const Node &node, ArrayRef<InputInfo> in,
                      SmallVectorImpl<TensorType> &out) {
  return inferUnaryTypesWithAttrs(node, in, out, {});
}

Error inferUnaryTypesWithAttrs(const Node &node, ArrayRef<InputInfo> in,
                               SmallVectorImpl<TensorType> &out,
                               ArrayRef<StringRef> known) {
  if (Error e = checkKnownAttrs(node, known))
    return e;
  if (in.size() != 1)
    return createStringError(inconvertibleErrorCode(),
                             "expected 1 input, got %zu", in.size());
  if (in[0].type.dtype != DType::F32)
    return createStringError(inconvertibleErrorCode(),
                             "input has dtype %s; only f32 is supported",
                             dtypeName(in[0].type.dtype).str().c_str());
  out.push_back(in[0].type);
  return Error::success();
}

DispatchDesc lowerUnary(UnaryOpCode code, int64_t n, float p0, float p1) {
  DispatchDesc d;
  d.shader = "unary";
  d.specConstants = {uint32_t(n), uint32_t(code), floatBits(p0),
                     floatBits(p1)};
  d.operands = {0, 1};
  d.writes = {1};
  setGrid1D(d, uint64_t(n), 256);
  return d;
}

} // namespace tlc
