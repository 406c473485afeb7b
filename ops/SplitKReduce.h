//===- ops/SplitKReduce.h - Lowering to shaders/splitk_reduce.comp -*- C++
//-*-===//
//
// The split-K reduction and GEMM epilogue: Y = sum_s P[s] + beta * C (+ Z),
// one memory-bound dispatch (shaders/splitk_reduce.comp). SplitKReduce
// (ops/SplitKReduce.cpp) is the op; GemmResidual (ops/GemmResidual.cpp)
// reuses the dispatch with S = 1 to add its bias in place.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_OPS_SPLITKREDUCE_H
#define TLC_OPS_SPLITKREDUCE_H

#include "ops/OpDef.h"

#include <optional>

namespace tlc {

/// Parameters of one splitk_reduce.comp dispatch; sizes in elements.
struct SplitKReduceArgs {
  uint32_t slices = 1; // S: P is S x M x N
  uint32_t m = 1, n = 1;
  /// C is read as C[row * cStrideM + col * cStrideN] (0 along broadcast
  /// dims) and scaled by beta.
  bool hasC = false;
  uint32_t cStrideM = 0, cStrideN = 0;
  float beta = 1.0f;
  /// Z (M * N elements, row-major) is added last.
  bool hasZ = false;
  /// Shape ranges: M as an expression over symbols (m is then its upper
  /// bound); the element count and the grid become run-time values.
  std::optional<DimExpr> mDim;
};

/// One dispatch of shaders/splitk_reduce.comp: bindings 0 = operand \p p,
/// 1 = operand \p c (\p p when !hasC), 2 = operand \p z (\p p when !hasZ),
/// 3 = operand \p y (written). vec4 accesses when N is a multiple of 4 (the
/// bound offsets must be multiples of 16 bytes, which the planner's 256-byte
/// alignment gives); one invocation per vec4 (element) of Y.
DispatchDesc lowerSplitKReduce(const SplitKReduceArgs &args, unsigned p,
                               unsigned c, unsigned z, unsigned y);

} // namespace tlc

#endif // TLC_OPS_SPLITKREDUCE_H
