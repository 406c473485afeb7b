//===- passes/OffsetPlannerGreedy.cpp - Greedy best-fit placement ---------===//
//
// The greedy planners: buffers taken one at a time in a fixed order, each put
// into the tightest gap left between the buffers already placed that overlap
// it in time. With decreasing size as the order this is TFLite's arena planner
// and XLA's GlobalDecreasingSizeBestFitHeap; planArena runs several orders and
// keeps the best, as XLA's heap-simulator chooser does.
//
// Traces have up to ~60k buffers, of which thousands may be live together, so
// a placement must not scan the placed time-neighbours one by one (that costs
// one step per time-overlapping pair: 180M on iopddl Y_1). GapIndex finds the
// best-fit gap from the unions of occupied bytes kept in a segment tree over
// time; the result is the same as the scan's (tests/unit keeps the scan as
// the reference).
//
//===----------------------------------------------------------------------===//
#include "passes/OffsetPlannerGapIndex.h"
#include "passes/OffsetPlannerInternal.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/MathExtras.h"

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
  case GreedyOrder::SizeClass:
    return "greedy-by-size-class";
  case GreedyOrder::SizeLength:
    return "greedy-by-size-length";
  case GreedyOrder::Length:
    return "greedy-by-length";
  case GreedyOrder::Area:
    return "greedy-by-area";
  case GreedyOrder::Start:
    return "greedy-by-start";
  case GreedyOrder::PeakLength:
    return "greedy-by-peak-length";
  case GreedyOrder::PeakStart:
    return "greedy-by-peak-start";
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
  // Size classes: floor(log4(size)), so sizes within a factor of 4 share one
  // and the longer-lived go first among them.
  auto sizeClass = [&](uint32_t i) {
    return ranges[i].size == 0 ? -1 : int(llvm::Log2_64(ranges[i].size) / 2);
  };
  // The peak: the first step where the live bytes reach the lower bound.
  // Stacked first, the buffers live there take exactly the lower bound.
  int64_t peak = 0;
  if (order == GreedyOrder::PeakLength || order == GreedyOrder::PeakStart) {
    std::vector<std::pair<int64_t, int64_t>> events; // (step, +-size)
    for (const LiveRange &r : ranges) {
      events.push_back({r.start, int64_t(r.size)});
      events.push_back({r.end, -int64_t(r.size)});
    }
    llvm::sort(events); // ends (negative) before starts at one step
    int64_t live = 0, best = -1;
    for (auto [step, delta] : events) {
      live += delta;
      if (live > best) {
        best = live;
        peak = step;
      }
    }
  }
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
    case GreedyOrder::SizeClass:
      if (sizeClass(a) != sizeClass(b))
        return sizeClass(a) > sizeClass(b);
      if (length(a) != length(b))
        return length(a) > length(b);
      if (ra.size != rb.size)
        return ra.size > rb.size;
      if (ra.start != rb.start)
        return ra.start < rb.start;
      break;
    case GreedyOrder::SizeLength:
      if (ra.size != rb.size)
        return ra.size > rb.size;
      if (length(a) != length(b))
        return length(a) > length(b);
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
    case GreedyOrder::PeakLength:
    case GreedyOrder::PeakStart: {
      bool pa = ra.start <= peak && peak < ra.end;
      bool pb = rb.start <= peak && peak < rb.end;
      if (pa != pb)
        return pa;
      if (pa && order == GreedyOrder::PeakLength && length(a) != length(b))
        return length(a) > length(b);
      if (pa && order == GreedyOrder::PeakStart && ra.start != rb.start)
        return ra.start < rb.start;
      if (ra.size != rb.size)
        return ra.size > rb.size;
      if (ra.start != rb.start)
        return ra.start < rb.start;
      break;
    }
    }
    return a < b;
  };
  llvm::sort(perm, less);
  return perm;
}

std::vector<uint64_t> placeBestFit(ArrayRef<LiveRange> ranges,
                                   ArrayRef<uint32_t> order, uint64_t *work) {
  assert(order.size() == ranges.size() && "order must be a permutation");
  std::vector<uint64_t> offsets(ranges.size(), 0);
  GapIndex index(ranges);
  for (uint32_t b : order) {
    uint64_t size = ranges[b].size;
    offsets[b] = index.findBestFit(b, size);
    if (size > 0)
      index.insert(b, offsets[b], offsets[b] + size);
  }
  if (work)
    *work += index.work();
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
