//===- passes/OffsetPlannerGapIndex.cpp - Free gaps over time -------------===//
//
// The segment tree of occupied byte ranges described in
// OffsetPlannerGapIndex.h. Measured on iopddl Y_1 (62k buffers, 180M
// time-overlapping pairs): a query visits ~15 lists and ~260 candidate
// positions, where a scan of the time-neighbours visits ~3,000 buffers.
//
//===----------------------------------------------------------------------===//
#include "passes/OffsetPlannerGapIndex.h"

#include "llvm/ADT/STLExtras.h"

#include <algorithm>
#include <cassert>

using namespace llvm;

namespace tlc {
namespace planner_detail {

GapIndex::GapIndex(ArrayRef<LiveRange> ranges) {
  SmallVector<int64_t, 0> steps;
  steps.reserve(2 * ranges.size());
  for (const LiveRange &r : ranges) {
    steps.push_back(r.start);
    steps.push_back(r.end);
  }
  llvm::sort(steps);
  steps.erase(std::unique(steps.begin(), steps.end()), steps.end());
  numSections = steps.size() > 1 ? uint32_t(steps.size() - 1) : 1;
  firstSection.resize(ranges.size());
  lastSection.resize(ranges.size());
  for (size_t i = 0; i < ranges.size(); ++i) {
    firstSection[i] =
        uint32_t(std::lower_bound(steps.begin(), steps.end(), ranges[i].start) -
                 steps.begin());
    lastSection[i] =
        uint32_t(std::lower_bound(steps.begin(), steps.end(), ranges[i].end) -
                 steps.begin());
  }
  nodes.resize(2 * size_t(numSections) - 1);
}

void GapIndex::addToList(FragmentList &list, uint64_t lo, uint64_t hi) {
  // The first fragment ending at or above lo: it and the ones after it that
  // start at or below hi touch [lo, hi) and merge with it.
  auto first = std::lower_bound(
      list.begin(), list.end(), lo,
      [](const Fragment &f, uint64_t bytes) { return f.hi < bytes; });
  auto last = first;
  while (last != list.end() && last->lo <= hi)
    ++last;
  if (first == last) {
    list.insert(first, Fragment{lo, hi});
    return;
  }
  first->lo = std::min(first->lo, lo);
  first->hi = std::max(std::prev(last)->hi, hi);
  list.erase(first + 1, last);
}

void GapIndex::insert(uint32_t buffer, uint64_t lo, uint64_t hi) {
  assert(lo < hi && "an empty byte range occupies nothing");
  insertAt(0, 0, numSections, firstSection[buffer], lastSection[buffer], lo,
           hi);
}

void GapIndex::insertAt(uint32_t node, uint32_t lo, uint32_t hi, uint32_t first,
                        uint32_t last, uint64_t bytesLo, uint64_t bytesHi) {
  ++workUnits;
  addToList(nodes[node].subtree, bytesLo, bytesHi);
  if (first <= lo && hi <= last) {
    addToList(nodes[node].own, bytesLo, bytesHi);
    return;
  }
  uint32_t mid = lo + (hi - lo) / 2;
  if (first < mid)
    insertAt(node + 1, lo, mid, first, last, bytesLo, bytesHi);
  if (last > mid)
    insertAt(node + 2 * (mid - lo), mid, hi, first, last, bytesLo, bytesHi);
}

void GapIndex::collect(uint32_t node, uint32_t lo, uint32_t hi, uint32_t first,
                       uint32_t last) {
  const Node &n = nodes[node];
  if (hi <= first || last <= lo || n.subtree.empty())
    return;
  ++workUnits;
  if (first <= lo && hi <= last) {
    cursors.push_back({n.subtree.data(), n.subtree.data() + n.subtree.size()});
    return;
  }
  if (!n.own.empty())
    cursors.push_back({n.own.data(), n.own.data() + n.own.size()});
  uint32_t mid = lo + (hi - lo) / 2;
  collect(node + 1, lo, mid, first, last);
  collect(node + 2 * (mid - lo), mid, hi, first, last);
}

uint64_t GapIndex::findBestFit(uint32_t buffer, uint64_t size) {
  cursors.clear();
  collect(0, 0, numSections, firstSection[buffer], lastSection[buffer]);
  size_t numLists = cursors.size();
  uint64_t pos = 0;
  uint64_t bestOffset = UINT64_MAX, bestGap = UINT64_MAX;
  uint64_t steps = 0;
  while (numLists != 0) {
    // Raise pos until no list has a fragment containing it: pos is then the
    // bottom of a gap, which ends at the lowest fragment above it. A list
    // counts as checked when its cursor fragment lies above pos; after pos
    // moves, every other list must be checked again.
    size_t checked = 0, k = 0;
    uint64_t gapEnd = UINT64_MAX;
    while (checked < numLists) {
      Cursor &c = cursors[k];
      while (c.at != c.end && c.at->hi <= pos)
        ++c.at;
      ++steps;
      if (c.at != c.end && c.at->lo <= pos) {
        pos = c.at->hi; // fragments never touch: the next one starts above
        ++c.at;
        gapEnd = c.at != c.end ? c.at->lo : UINT64_MAX;
        checked = 1;
      } else {
        if (c.at != c.end)
          gapEnd = std::min(gapEnd, c.at->lo);
        ++checked;
      }
      k = k + 1 == numLists ? 0 : k + 1;
    }
    if (gapEnd == UINT64_MAX)
      break; // pos is the top of everything occupied
    uint64_t gap = gapEnd - pos;
    if (gap >= size && gap < bestGap) {
      bestGap = gap;
      bestOffset = pos;
      if (gap == size)
        break; // an exact fit: no higher gap can be better
    }
    pos = gapEnd;
  }
  workUnits += steps;
  return bestOffset != UINT64_MAX ? bestOffset : pos;
}

} // namespace planner_detail
} // namespace tlc
