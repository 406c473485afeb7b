//===- passes/OffsetPlannerArena.cpp - The arena planner ------------------===//
//
// planArena: the best of several greedy orders (XLA's heap-simulator chooser
// keeps the smallest of its algorithms' heaps the same way), then the exact
// search when the greedy height is above the lower bound or the capacity:
//
//  - with a capacity, one search for a plan within it;
//  - without, a binary search on the height between the lower bound and the
//    best height found so far, each probe a search with a share of the
//    remaining budget. Heights of canonical plans are sums of sizes, so the
//    probes step by the greatest common divisor of the sizes.
//
// Traces with many time-overlapping pairs get fewer greedy orders (see
// kGreedyPairsPerSecond); the order by size always runs, so the result is
// never above planGreedyBySize's.
//
// The search keeps every pair of time-overlapping buffers in memory, so it
// runs only on traces with at most kMaxSearchPairs such pairs; larger traces
// (tens of thousands of buffers) get the greedy result.
//
//===----------------------------------------------------------------------===//
#include "passes/OffsetPlannerInternal.h"

#include "llvm/ADT/STLExtras.h"

#include <cmath>
#include <numeric>

using namespace llvm;

namespace tlc {

using namespace planner_detail;

namespace {
/// Largest number of time-overlapping buffer pairs the search is run on.
constexpr uint64_t kMaxSearchPairs = 2'000'000;
/// Largest number of buffers the search is run on.
constexpr size_t kMaxSearchBuffers = 5'000;
/// Time-overlapping pairs one greedy pass handles per second of budget
/// (CPU time on one core of a 2-core x86-64 VM: ~15M/s on iopddl Y_1).
constexpr double kGreedyPairsPerSecond = 15e6;
} // namespace

Expected<OffsetPlan> planArena(ArrayRef<LiveRange> ranges,
                               const ArenaOptions &options) {
  if (Error e = verifyLiveRanges(ranges, options.alignment))
    return e;
  if (!(options.timeLimitSeconds >= 0) || options.timeLimitSeconds > 1e6)
    return createStringError(inconvertibleErrorCode(),
                             "time limit %g s: expected 0 to 1e6 seconds",
                             options.timeLimitSeconds);
  std::vector<LiveRange> aligned = alignSizes(ranges, options.alignment);

  // 1. The greedy orders; the first (by size) wins ties. A greedy pass costs
  // about the number of time-overlapping pairs, so the orders after the
  // first run only while their total stays within the budget.
  uint64_t pairs = countOverlapPairs(aligned, UINT64_MAX);
  double greedyBudget = options.timeLimitSeconds * kGreedyPairsPerSecond;
  OffsetPlan best;
  uint64_t bestAligned = UINT64_MAX;
  double greedySpent = 0;
  for (GreedyOrder order : kAllGreedyOrders) {
    if (order != GreedyOrder::Size &&
        greedySpent + double(pairs) > greedyBudget)
      break;
    greedySpent += double(pairs);
    std::vector<uint64_t> offsets =
        placeBestFit(aligned, greedyOrdering(aligned, order));
    uint64_t h = planHeight(aligned, offsets);
    if (h < bestAligned) {
      bestAligned = h;
      best.offsets = std::move(offsets);
      best.strategy = greedyOrderName(order).str();
    }
  }
  uint64_t lowerBound = computeLowerBound(aligned);
  auto finish = [&]() {
    best.height = planHeight(ranges, best.offsets);
    if (bestAligned == lowerBound)
      best.provedOptimal = true;
    return std::move(best);
  };
  if (bestAligned == lowerBound)
    return finish();
  if (options.capacity && bestAligned <= *options.capacity)
    return finish();
  if (ranges.size() > kMaxSearchBuffers || pairs > kMaxSearchPairs)
    return finish();

  // 2. The search.
  uint64_t budget =
      uint64_t(std::llround(options.timeLimitSeconds * kSearchWorkPerSecond));
  uint64_t spent = 0;
  auto probe = [&](uint64_t capacity, uint64_t share) {
    SearchOutcome out = searchWithinCapacity(aligned, capacity, share);
    spent += out.work;
    best.searchNodes += out.nodes;
    if (out.status == SearchOutcome::Found) {
      uint64_t h = planHeight(aligned, out.offsets);
      if (h < bestAligned) {
        bestAligned = h;
        best.offsets = std::move(out.offsets);
        best.strategy = "search";
      }
    }
    return out.status;
  };
  if (options.capacity) {
    probe(*options.capacity, budget);
    return finish();
  }
  uint64_t step = 0;
  for (const LiveRange &r : aligned)
    step = std::gcd(step, r.size);
  if (step == 0)
    return finish();
  // Heights stay multiples of `step`; lo is the smallest height not yet
  // ruled out, proven when every probe below it was proven infeasible.
  uint64_t lo = (lowerBound + step - 1) / step * step;
  bool loProven = true;
  bool first = true;
  while (lo < bestAligned && spent < budget) {
    uint64_t hi = bestAligned - step; // the largest height still worth trying
    // The first probe is at the lower bound, which the greedy often misses
    // while the search meets it quickly; then a binary search. Each probe
    // gets a third of what is left: a feasible probe often ends quickly, an
    // infeasible one rarely does.
    uint64_t mid = first ? lo : lo + (hi - lo) / step / 2 * step;
    first = false;
    uint64_t share = std::max<uint64_t>((budget - spent) / 3, 1);
    SearchOutcome::Status status = probe(mid, share);
    if (status == SearchOutcome::Found)
      continue; // bestAligned dropped to <= mid
    if (status == SearchOutcome::OutOfBudget)
      loProven = false;
    lo = mid + step;
  }
  OffsetPlan plan = finish();
  if (loProven && lo >= bestAligned)
    plan.provedOptimal = true;
  return plan;
}

} // namespace tlc
