//===- tests/unit/PlannerTestUtil.h - Shared by the planner tests -*- C++ -*-===//
#ifndef TLC_TESTS_UNIT_PLANNERTESTUTIL_H
#define TLC_TESTS_UNIT_PLANNERTESTUTIL_H

#include "passes/OffsetPlanner.h"

#include <limits>

namespace tlc {

/// planArena options whose plan depends on the work budget only: the
/// CPU-time guard off, so heights and offsets do not depend on this machine's
/// speed (a sanitizer build runs several times slower).
inline ArenaOptions deterministicOptions() {
  ArenaOptions options;
  options.cpuDeadlineSeconds = std::numeric_limits<double>::infinity();
  return options;
}

} // namespace tlc

#endif // TLC_TESTS_UNIT_PLANNERTESTUTIL_H
