//===- tests/unit/PlannerTestUtil.h - Shared by the planner tests -*- C++ -*-===//
#ifndef TLC_TESTS_UNIT_PLANNERTESTUTIL_H
#define TLC_TESTS_UNIT_PLANNERTESTUTIL_H

#include "passes/OffsetPlanner.h"

#include "llvm/ADT/ArrayRef.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <numeric>
#include <vector>

namespace tlc {

/// planArena options whose plan depends on the work budget only: the
/// CPU-time guard off, so heights and offsets do not depend on this machine's
/// speed (a sanitizer build runs several times slower).
inline ArenaOptions deterministicOptions() {
  ArenaOptions options;
  options.cpuDeadlineSeconds = std::numeric_limits<double>::infinity();
  return options;
}

/// Brute-force optimum: every order, each buffer at the top of the placed
/// buffers it overlaps in time (every pushed-down plan arises so).
inline uint64_t bruteForceOptimum(llvm::ArrayRef<LiveRange> ranges) {
  std::vector<int> perm(ranges.size());
  std::iota(perm.begin(), perm.end(), 0);
  uint64_t best = UINT64_MAX;
  do {
    std::vector<uint64_t> off(ranges.size(), 0);
    uint64_t height = 0;
    for (size_t k = 0; k < perm.size(); ++k) {
      const LiveRange &b = ranges[perm[k]];
      uint64_t o = 0;
      for (size_t q = 0; q < k; ++q) {
        const LiveRange &p = ranges[perm[q]];
        if (p.start < b.end && b.start < p.end)
          o = std::max(o, off[perm[q]] + p.size);
      }
      off[perm[k]] = o;
      height = std::max(height, o + b.size);
    }
    best = std::min(best, height);
  } while (std::next_permutation(perm.begin(), perm.end()));
  return best;
}

} // namespace tlc

#endif // TLC_TESTS_UNIT_PLANNERTESTUTIL_H
