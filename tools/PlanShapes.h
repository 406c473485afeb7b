//===- tools/PlanShapes.h - A plan's memory at one shape in its range -*- C++ -*-===//
//
// A plan for a range of shapes is laid out at the bound (every symbol at its
// max). These helpers evaluate it at one shape: each tensor's bytes, the
// live transient bytes per step, and that shape's own lower bound (the peak
// of live bytes under the plan's schedule), so that `tlc inspect --at` and
// the dumps can say how much the bound's layout reserves beyond what a shape
// needs.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_TOOLS_PLANSHAPES_H
#define TLC_TOOLS_PLANSHAPES_H

#include "codegen/Plan.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace tlc {

/// One value per Plan::symbols entry, in that order.
struct ShapePoint {
  std::vector<int64_t> values;
};

/// Parses `NAME=VALUE[,NAME=VALUE...]` (`tlc inspect --at`) against
/// \p plan's symbols; symbols not named take their max. Errors: a plan
/// without symbols, a malformed item (expected NAME=VALUE), an unknown
/// name (the message lists the plan's symbols), a name given twice, a value
/// outside the symbol's range (the message gives the range).
llvm::Expected<ShapePoint> parseShapePoint(const Plan &plan,
                                           llvm::StringRef spec);

/// Every symbol at its max.
ShapePoint boundPoint(const Plan &plan);

/// "W=100, N=3".
std::string shapePointStr(const Plan &plan, const ShapePoint &at);

/// Tensor \p t's dims at \p at (its plan shape when static).
std::vector<int64_t> tensorShapeAt(const Plan &plan, const PlanTensor &t,
                                   const ShapePoint &at);

/// Bytes of tensor \p t at \p at: product of tensorShapeAt times the dtype's
/// size (t.bytes when static).
uint64_t tensorBytesAt(const Plan &plan, const PlanTensor &t,
                       const ShapePoint &at);

/// Live transient bytes at each schedule step with tensors sized at \p at
/// (liveBytesPerStep of PlanReport.h is the same at the bound); size
/// plan.numSteps.
std::vector<uint64_t> liveBytesPerStepAt(const Plan &plan,
                                         const ShapePoint &at);

/// The largest of liveBytesPerStepAt: the lower bound of any memory plan
/// for that one shape under this schedule, in bytes.
uint64_t lowerBoundAt(const Plan &plan, const ShapePoint &at);

/// The shape in the range whose own lower bound is largest, among the
/// corners of the symbols' ranges and, when there are few symbols, a grid
/// of 9 values per symbol (live bytes are sums of tensor sizes, polynomial
/// in the symbols, so their maxima lie at corners except where floor, min
/// or max bend them: the grid covers those). Planning at the bound reserves
/// every tensor at its own largest size; when the sizes peak at different
/// shapes (a tensor of size S beside one of size S_max - S), the plan's
/// bytes exceed this lower bound, and the difference is what planning at
/// the bound wastes. Shapes that break a requirement of the plan
/// (Plan::requirements) are skipped: no run has them. shapesTried counts
/// the shapes examined.
struct WorstShape {
  ShapePoint at;
  uint64_t lowerBound = 0;
  size_t shapesTried = 0;
};
WorstShape worstShapeInRange(const Plan &plan);

} // namespace tlc

#endif // TLC_TOOLS_PLANSHAPES_H
