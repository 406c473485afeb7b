//===- passes/OffsetPlannerGapIndex.h - Free gaps over time -----*- C++ -*-===//
//
// The index the greedy best-fit placer asks "which is the smallest free gap
// over this buffer's whole lifetime?". Scanning every placed buffer that
// overlaps the new one in time costs one step per time-overlapping pair
// (180M pairs on a 62k-buffer trace); this index's cost instead grows with
// the number of gaps and occupied fragments near the answer.
//
// Layout: a segment tree over the elementary sections [t_i, t_{i+1})
// between consecutive distinct steps. A placed buffer's byte range is added
// to the O(log T) nodes that tile its sections ("own" lists) and to every
// ancestor of those nodes ("subtree" lists). Each list is the union of its
// byte ranges, kept as sorted, disjoint, non-touching fragments. The bytes
// occupied anywhere in a query interval are then the union of the subtree
// lists of the nodes tiling the interval and the own lists of their
// ancestors: about 2 log T lists, whatever the number of buffers. The free
// gaps of that union are enumerated by a leapfrog over the lists (a
// position is free when no list has a fragment containing it), so
// fragments covered by another list's fragment are skipped.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_PASSES_OFFSETPLANNERGAPINDEX_H
#define TLC_PASSES_OFFSETPLANNERGAPINDEX_H

#include "passes/OffsetPlanner.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"

#include <cstdint>
#include <vector>

namespace tlc {
namespace planner_detail {

/// Occupied byte ranges of placed buffers over time; answers best-fit
/// queries. Built for one trace; buffers are named by their index in it.
class GapIndex {
public:
  /// An index over the steps of \p ranges, with nothing placed yet. The
  /// ranges must outlive the index. O(n log n).
  explicit GapIndex(llvm::ArrayRef<LiveRange> ranges);

  /// Marks bytes [lo, hi) occupied over buffer \p buffer's live interval.
  /// Requires lo < hi. O(log T) list updates.
  void insert(uint32_t buffer, uint64_t lo, uint64_t hi);

  /// The best-fit offset (bytes) for \p size bytes over buffer \p buffer's
  /// live interval: the bottom of the smallest maximal free gap of at least
  /// \p size bytes below the top of the occupied bytes (the lowest such gap
  /// on ties), else that top (0 when nothing overlapping is placed). Gaps
  /// are maximal runs of bytes free over the whole interval, so this is
  /// exactly what scanning the placed time-neighbours sorted by offset
  /// finds.
  uint64_t findBestFit(uint32_t buffer, uint64_t size);

  /// Work units spent so far (lists visited and fragments stepped over by
  /// queries, nodes updated by inserts). Deterministic: callers budget by
  /// it instead of the clock.
  uint64_t work() const { return workUnits; }

private:
  /// Bytes [lo, hi) occupied.
  struct Fragment {
    uint64_t lo, hi;
  };
  using FragmentList = std::vector<Fragment>;
  struct Node {
    FragmentList own;     // buffers whose tiling includes this node
    FragmentList subtree; // own lists of this node and all descendants
  };

  static void addToList(FragmentList &list, uint64_t lo, uint64_t hi);
  void insertAt(uint32_t node, uint32_t lo, uint32_t hi, uint32_t first,
                uint32_t last, uint64_t bytesLo, uint64_t bytesHi);
  void collect(uint32_t node, uint32_t lo, uint32_t hi, uint32_t first,
               uint32_t last);

  /// Sections [first, last) of each buffer.
  std::vector<uint32_t> firstSection, lastSection;
  uint32_t numSections = 1;
  /// Nodes in depth-first order: the node of sections [lo, hi) has its left
  /// child at node + 1 and its right child at node + 2 * (mid - lo).
  std::vector<Node> nodes;
  /// Scratch of findBestFit: the lists of one query and a cursor in each.
  struct Cursor {
    const Fragment *at, *end;
  };
  llvm::SmallVector<Cursor, 64> cursors;
  uint64_t workUnits = 0;
};

} // namespace planner_detail
} // namespace tlc

#endif // TLC_PASSES_OFFSETPLANNERGAPINDEX_H
