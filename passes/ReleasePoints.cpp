//===- passes/ReleasePoints.cpp - Where each transient's memory is freed --===//
//
// A transient tensor's memory returns to the planner right after the step of
// its last use: that is its release point. Codegen emits a Release command
// there, so the plan states explicitly when memory may be reused (and
// `tlc run --poison-released` can fill it with NaN to catch early frees).
//
//===----------------------------------------------------------------------===//
#include "passes/Passes.h"

namespace tlc {

std::vector<std::vector<ValueId>> computeReleasePoints(const Graph &g,
                                                       const Liveness &live) {
  std::vector<std::vector<ValueId>> after(size_t(live.numSteps));
  for (ValueId v = 0; v < g.values.size(); ++v)
    if (live.isTransient[v])
      after[size_t(live.intervals[v].last)].push_back(v);
  return after;
}

} // namespace tlc
