//===- passes/OffsetPlannerGreedy.cpp - Greedy best-fit placement ---------===//
//
// The greedy planners: buffers taken one at a time in a fixed order, each put
// into the tightest gap left between the buffers already placed that overlap
// it in time. With decreasing size as the order this is TFLite's arena planner
// and XLA's GlobalDecreasingSizeBestFitHeap; planArena runs several orders and
// keeps the best, as XLA's heap-simulator chooser does.
//
// Traces have up to ~60k buffers, of which thousands may be live together, so
// finding a buffer's placed time-neighbours must not scan every placed
// buffer: a segment tree over the compressed steps stores each placed buffer
// at the O(log T) nodes that tile its interval, and a query walks only the
// subtrees that hold placed buffers. The neighbours found are then sorted by
// offset, so the cost is about the number of time-overlapping pairs times a
// log factor. (Keeping each node's list sorted and merging them instead was
// measured slower: long intervals touch many small lists.)
//
//===----------------------------------------------------------------------===//
#include "passes/OffsetPlannerInternal.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"

#include <algorithm>
#include <cassert>

using namespace llvm;

namespace tlc {
namespace planner_detail {

std::vector<LiveRange> alignSizes(ArrayRef<LiveRange> ranges,
                                  uint64_t alignment) {
  std::vector<LiveRange> out(ranges.begin(), ranges.end());
  for (LiveRange &r : out)
    r.size = (r.size + alignment - 1) / alignment * alignment;
  return out;
}

uint64_t planHeight(ArrayRef<LiveRange> ranges, ArrayRef<uint64_t> offsets) {
  uint64_t height = 0;
  for (size_t i = 0; i < ranges.size(); ++i)
    height = std::max(height, offsets[i] + ranges[i].size);
  return height;
}

StringRef greedyOrderName(GreedyOrder order) {
  switch (order) {
  case GreedyOrder::Size:
    return "greedy-by-size";
  case GreedyOrder::Length:
    return "greedy-by-length";
  case GreedyOrder::Area:
    return "greedy-by-area";
  case GreedyOrder::Start:
    return "greedy-by-start";
  }
  return "greedy";
}

std::vector<uint32_t> greedyOrdering(ArrayRef<LiveRange> ranges,
                                     GreedyOrder order) {
  std::vector<uint32_t> perm(ranges.size());
  for (uint32_t i = 0; i < perm.size(); ++i)
    perm[i] = i;
  auto length = [&](uint32_t i) {
    return uint64_t(ranges[i].end - ranges[i].start);
  };
  auto area = [&](uint32_t i) {
    return (unsigned __int128)ranges[i].size * length(i);
  };
  auto less = [&](uint32_t a, uint32_t b) {
    const LiveRange &ra = ranges[a], &rb = ranges[b];
    switch (order) {
    case GreedyOrder::Size:
      // Ties by start: on the SOMAS traces, breaking ties by lifetime
      // instead costs up to 3% of height.
      if (ra.size != rb.size)
        return ra.size > rb.size;
      if (ra.start != rb.start)
        return ra.start < rb.start;
      break;
    case GreedyOrder::Length:
      if (length(a) != length(b))
        return length(a) > length(b);
      if (ra.size != rb.size)
        return ra.size > rb.size;
      break;
    case GreedyOrder::Area:
      if (area(a) != area(b))
        return area(a) > area(b);
      if (ra.size != rb.size)
        return ra.size > rb.size;
      break;
    case GreedyOrder::Start:
      if (ra.start != rb.start)
        return ra.start < rb.start;
      if (ra.size != rb.size)
        return ra.size > rb.size;
      break;
    }
    return a < b;
  };
  llvm::sort(perm, less);
  return perm;
}

namespace {

/// Placed buffers indexed by time: a segment tree over the elementary
/// sections [t_i, t_{i+1}) between consecutive distinct steps. A buffer is
/// stored at the nodes of the canonical tiling of its sections; every buffer
/// stored in a node that intersects a query interval overlaps it in time.
class PlacedIndex {
public:
  explicit PlacedIndex(ArrayRef<LiveRange> ranges) : ranges(ranges) {
    SmallVector<int64_t, 0> steps;
    steps.reserve(2 * ranges.size());
    for (const LiveRange &r : ranges) {
      steps.push_back(r.start);
      steps.push_back(r.end);
    }
    llvm::sort(steps);
    steps.erase(std::unique(steps.begin(), steps.end()), steps.end());
    numSections = steps.size() > 1 ? steps.size() - 1 : 1;
    first.resize(ranges.size());
    last.resize(ranges.size());
    for (size_t i = 0; i < ranges.size(); ++i) {
      const LiveRange &r = ranges[i];
      first[i] =
          std::lower_bound(steps.begin(), steps.end(), r.start) - steps.begin();
      last[i] =
          std::lower_bound(steps.begin(), steps.end(), r.end) - steps.begin();
    }
    stored.resize(4 * numSections);
    subtreeCount.assign(4 * numSections, 0);
    stamp.assign(ranges.size(), 0);
  }

  /// Records buffer \p b as placed.
  void insert(uint32_t b) { insert(1, 0, numSections, b); }

  /// Calls \p fn once for every placed buffer overlapping buffer \p b in
  /// time.
  template <typename Fn> void forEachOverlap(uint32_t b, Fn fn) {
    ++query;
    visit(1, 0, numSections, first[b], last[b], fn);
  }

private:
  void insert(unsigned node, uint32_t lo, uint32_t hi, uint32_t b) {
    ++subtreeCount[node];
    if (first[b] <= lo && hi <= last[b]) {
      stored[node].push_back(b);
      return;
    }
    uint32_t mid = lo + (hi - lo) / 2;
    if (first[b] < mid)
      insert(2 * node, lo, mid, b);
    if (last[b] > mid)
      insert(2 * node + 1, mid, hi, b);
  }

  template <typename Fn>
  void visit(unsigned node, uint32_t lo, uint32_t hi, uint32_t qlo,
             uint32_t qhi, Fn &fn) {
    if (subtreeCount[node] == 0 || hi <= qlo || qhi <= lo)
      return;
    for (uint32_t o : stored[node]) {
      if (stamp[o] == query)
        continue;
      stamp[o] = query;
      fn(o);
    }
    if (hi - lo == 1)
      return;
    uint32_t mid = lo + (hi - lo) / 2;
    visit(2 * node, lo, mid, qlo, qhi, fn);
    visit(2 * node + 1, mid, hi, qlo, qhi, fn);
  }

  ArrayRef<LiveRange> ranges;
  size_t numSections = 1;
  std::vector<uint32_t> first, last; // section span [first, last) per buffer
  std::vector<SmallVector<uint32_t, 2>> stored;
  std::vector<uint32_t> subtreeCount;
  std::vector<uint32_t> stamp; // last query that reported the buffer
  uint32_t query = 0;
};

} // namespace

std::vector<uint64_t> placeBestFit(ArrayRef<LiveRange> ranges,
                                   ArrayRef<uint32_t> order) {
  assert(order.size() == ranges.size() && "order must be a permutation");
  std::vector<uint64_t> offsets(ranges.size(), 0);
  PlacedIndex index(ranges);
  struct Block {
    uint64_t lo, hi; // bytes [lo, hi) of one placed neighbour
  };
  SmallVector<Block, 0> blocks;
  for (uint32_t b : order) {
    uint64_t size = ranges[b].size;
    blocks.clear();
    index.forEachOverlap(b, [&](uint32_t o) {
      blocks.push_back({offsets[o], offsets[o] + ranges[o].size});
    });
    llvm::sort(blocks,
               [](const Block &x, const Block &y) { return x.lo < y.lo; });
    uint64_t top = 0;
    uint64_t bestOffset = UINT64_MAX, bestGap = UINT64_MAX;
    for (const Block &blk : blocks) {
      if (blk.lo > top) {
        uint64_t gap = blk.lo - top;
        if (gap >= size && gap < bestGap) {
          bestGap = gap;
          bestOffset = top;
          if (gap == size)
            break; // an exact fit: nothing higher can be better
        }
      }
      top = std::max(top, blk.hi);
    }
    offsets[b] = bestOffset != UINT64_MAX ? bestOffset : top;
    if (size > 0)
      index.insert(b);
  }
  return offsets;
}

} // namespace planner_detail

using namespace planner_detail;

Expected<OffsetPlan> planGreedyBySize(ArrayRef<LiveRange> ranges,
                                      uint64_t alignment) {
  if (Error e = verifyLiveRanges(ranges, alignment))
    return e;
  std::vector<LiveRange> aligned = alignSizes(ranges, alignment);
  OffsetPlan plan;
  plan.strategy = greedyOrderName(GreedyOrder::Size).str();
  plan.offsets =
      placeBestFit(aligned, greedyOrdering(aligned, GreedyOrder::Size));
  plan.height = planHeight(ranges, plan.offsets);
  return plan;
}

} // namespace tlc
