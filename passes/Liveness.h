//===- passes/Liveness.h - Live intervals of tensors ------------*- C++ -*-===//
#ifndef TLC_PASSES_LIVENESS_H
#define TLC_PASSES_LIVENESS_H

#include "ir/Graph.h"

#include <cstdint>
#include <vector>

namespace tlc {

/// A live interval in schedule steps, inclusive on both ends: the tensor is
/// written during step `first` and last read during step `last`. For the
/// half-open form used by offset planners: [first, last + 1).
struct LiveInterval {
  int64_t first = -1; // -1: the tensor is never live (unused)
  int64_t last = -1;
  bool isLive() const { return first >= 0; }
  bool overlaps(const LiveInterval &o) const {
    return isLive() && o.isLive() && first <= o.last && o.first <= last;
  }
};

/// Result of liveness analysis, indexed by ValueId.
struct Liveness {
  int64_t numSteps = 0;
  std::vector<LiveInterval> intervals;
  /// True for tensors whose memory the planner places: node outputs that are
  /// not graph outputs. Inputs, outputs and weights live in their own
  /// buffers for the whole run.
  std::vector<bool> isTransient;
  /// Storage root of each tensor (itself unless it is a view, an in-place
  /// output or a Concat slice sharing another tensor's memory).
  std::vector<ValueId> storageRoot;
  /// Byte offset of each tensor inside its storage root (a Concat input
  /// computed in its slice of the output); empty when every offset is 0.
  std::vector<uint64_t> storageOffset;
  bool isAlias(ValueId v) const { return storageRoot[v] != v; }
  /// Byte offset of \p v inside storageRoot[v].
  uint64_t offsetInRoot(ValueId v) const {
    return storageOffset.empty() ? 0 : storageOffset[v];
  }
};

} // namespace tlc

#endif // TLC_PASSES_LIVENESS_H
