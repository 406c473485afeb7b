//===- ops/Unary.cpp - Shared pieces of elementwise unary ops -------------===//
//
// Lowering of shaders/unary.comp: vec4 accesses whenever the element count
// is a multiple of 4 (tensor offsets are 256-byte aligned by the planner),
// and a few elements per invocation on large tensors, so that the kernel
// runs at memory bandwidth (docs/performance.md, "Elementwise").
//
//===----------------------------------------------------------------------===//
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

uint32_t elementwiseItemsPerInvocation(uint64_t units) {
  // A full H100 holds 132 SMs x 2048 = 270k resident invocations: below
  // ~1M units one per invocation keeps every SM busy; above, 2-4 per
  // invocation amortize the index math and the workgroup launches.
  if (units >= (uint64_t(4) << 20))
    return 4;
  if (units >= (uint64_t(1) << 20))
    return 2;
  return 1;
}

DispatchDesc lowerUnary(UnaryOpCode code, const DimExpr &n, float p0,
                        float p1) {
  DispatchDesc d;
  d.shader = "unary";
  // vec4 only when every n in the range is a multiple of 4.
  bool vec4 = n.isMultipleOf(4);
  DimExpr units = vec4 ? *exactDiv(n, 4) : n;
  uint32_t items = elementwiseItemsPerInvocation(uint64_t(units.upperBound()));
  d.specConstants = spec::u32s({0, uint32_t(code), floatBits(p0),
                                floatBits(p1), vec4 ? 1u : 0u, items});
  setDim(d, 0, n);
  d.operands = {0, 1};
  d.writes = {1};
  setGrid1D(d, ceilDiv(units, items), 256);
  return d;
}

} // namespace tlc
