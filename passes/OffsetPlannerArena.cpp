//===- passes/OffsetPlannerArena.cpp - The arena planner ------------------===//
//
// planArena: the best of several greedy orders (XLA's heap-simulator chooser
// keeps the smallest of its algorithms' heaps the same way), then the exact
// search when the greedy height is above the lower bound or the capacity.
// Each search for a plan within a capacity (a probe) runs two searches in
// turn, a portfolio: the search by lowest gap (OffsetPlannerSkyline.cpp) with
// kSkylineShare of the probe's budget, then MiniMalloc's search by buffer
// (OffsetPlannerSearch.cpp) with the rest. The first is strongest where the
// lower bound binds (perfect packings, MiniMalloc's challenge files), the
// second where the plan must leave gaps (minimalloc D: 1,025,024 for a
// lower bound of 986,112).
//
//  - with a capacity, one probe at it;
//  - without, a binary search on the height between the lower bound and the
//    best height of the search-seed orders (kSearchSeedOrders) or of the
//    search so far, each probe a search with a share of the remaining
//    budget. Heights of canonical plans are sums of sizes, so the
//    probes step by the greatest common divisor of the sizes.
//
// The greedy orders after the first run while their work (GapIndex work
// units, the costliest pass so far as the estimate of the next) fits the
// budget (kGreedyWorkPerSecond), so the largest traces get fewer orders; the
// order by size always runs, so the result is never above planGreedyBySize's.
//
// The search keeps every pair of time-overlapping buffers in memory, so it
// runs only on traces with at most kMaxSearchPairs such pairs; larger traces
// (tens of thousands of buffers) get the greedy result.
//
//===----------------------------------------------------------------------===//
#include "passes/OffsetPlannerInternal.h"

#include "llvm/ADT/STLExtras.h"

#include <cmath>
#include <ctime>
#include <numeric>

using namespace llvm;

namespace tlc {

using namespace planner_detail;

namespace {
/// Largest number of time-overlapping buffer pairs the search is run on.
constexpr uint64_t kMaxSearchPairs = 2'000'000;
/// Largest number of buffers the searches are run on: a node of either
/// costs time linear in the partition's buffers or sections, too slow to get
/// anywhere within a budget on the 10k-60k buffer traces (measured: 61 nodes
/// of the search by lowest gap in 1 s on somas pangu_2.6B).
constexpr size_t kMaxSearchBuffers = 5'000;
/// Largest number of (section, live buffer) entries the search by lowest gap
/// is run on (4 bytes each).
constexpr uint64_t kMaxSectionEntries = 16'000'000;
/// GapIndex work units the greedy passes may spend per second of budget:
/// measured 60-160M/s in CPU time on one core of a 2-core x86-64 VM under
/// a load of ~15 (iopddl S_1 and Y_1, somas pangu_2.6B), so 80M keeps the
/// greedy phase near the budget on a busy machine.
constexpr double kGreedyWorkPerSecond = 80e6;
/// The share of a probe's work budget the search by lowest gap gets first.
constexpr double kSkylineShare = 0.3;
} // namespace

double processCpuSeconds() {
  timespec ts{};
  if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
    return 0; // no CPU clock: the work budget alone decides
  return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

Expected<OffsetPlan> planArena(ArrayRef<LiveRange> ranges,
                               const ArenaOptions &options) {
  if (Error e = verifyLiveRanges(ranges, options.alignment))
    return e;
  if (!(options.timeLimitSeconds >= 0) || options.timeLimitSeconds > 1e6)
    return createStringError(inconvertibleErrorCode(),
                             "time limit %g s: expected 0 to 1e6 seconds",
                             options.timeLimitSeconds);
  CpuGuard guard;
  guard.deadline = options.cpuDeadlineSeconds
                       ? *options.cpuDeadlineSeconds
                       : processCpuSeconds() + 1.1 * options.timeLimitSeconds;
  std::vector<LiveRange> aligned = alignSizes(ranges, options.alignment);

  // 1. The greedy orders; the first (by size) wins ties and always runs. A
  // next order runs only if one more pass as costly as the costliest so far
  // still fits the budget; it stops once a plan meets the lower bound (or the
  // capacity).
  uint64_t lowerBound = computeLowerBound(aligned);
  double greedyBudget = options.timeLimitSeconds * kGreedyWorkPerSecond;
  OffsetPlan best;
  uint64_t bestAligned = UINT64_MAX;
  uint64_t greedyWork = 0, largestPass = 0;
  // The best height of the orders that seed the search (see
  // kSearchSeedOrders).
  uint64_t seedAligned = UINT64_MAX;
  double longestPassCpu = 0;
  for (GreedyOrder order : kAllGreedyOrders) {
    if (order != GreedyOrder::Size &&
        (bestAligned == lowerBound ||
         (options.capacity && bestAligned <= *options.capacity) ||
         double(greedyWork + largestPass) > greedyBudget))
      break;
    // The guard: one more pass as long as the longest so far must fit.
    double passStart = processCpuSeconds();
    if (order != GreedyOrder::Size &&
        passStart + longestPassCpu > guard.deadline) {
      guard.fired = true;
      break;
    }
    uint64_t passWork = 0;
    std::vector<uint64_t> offsets =
        placeBestFit(aligned, greedyOrdering(aligned, order), &passWork);
    longestPassCpu =
        std::max(longestPassCpu, processCpuSeconds() - passStart);
    greedyWork += passWork;
    largestPass = std::max(largestPass, passWork);
    uint64_t h = planHeight(aligned, offsets);
    if (llvm::is_contained(kSearchSeedOrders, order))
      seedAligned = std::min(seedAligned, h);
    if (h < bestAligned) {
      bestAligned = h;
      best.offsets = std::move(offsets);
      best.strategy = greedyOrderName(order).str();
    }
  }
  auto finish = [&]() {
    best.height = planHeight(ranges, best.offsets);
    best.cpuGuardFired = guard.fired;
    if (bestAligned == lowerBound)
      best.provedOptimal = true;
    return std::move(best);
  };
  if (bestAligned == lowerBound)
    return finish();
  if (options.capacity && bestAligned <= *options.capacity)
    return finish();
  // The search by buffer keeps every time-overlapping pair; the search by
  // lowest gap keeps, per section, the buffers live there.
  bool byBuffer = ranges.size() <= kMaxSearchBuffers &&
                  countOverlapPairs(aligned, kMaxSearchPairs) <= kMaxSearchPairs;
  bool byGap = ranges.size() <= kMaxSearchBuffers &&
               countSectionEntries(aligned, kMaxSectionEntries) <=
                   kMaxSectionEntries;
  if (!(byBuffer || byGap) || guard.fired)
    return finish();

  // 2. The search.
  uint64_t budget =
      uint64_t(std::llround(options.timeLimitSeconds * kSearchWorkPerSecond));
  uint64_t spent = 0;
  // The binary search runs below the seed orders' height, `ceiling`: the
  // height it starts from decides its probes, and this one makes them what
  // they were before the size-class orders existed.
  uint64_t ceiling = seedAligned;
  auto probe = [&](uint64_t capacity, uint64_t share) {
    SearchOutcome out;
    if (byGap) {
      uint64_t first =
          byBuffer ? uint64_t(double(share) * kSkylineShare) : share;
      out = searchSkylineWithinCapacity(aligned, capacity, first, guard);
      spent += out.work;
      best.searchNodes += out.nodes;
    }
    if (byBuffer && out.status == SearchOutcome::OutOfBudget && !guard.fired) {
      uint64_t rest = share > out.work ? share - out.work : 1;
      out = searchWithinCapacity(aligned, capacity, rest, guard);
      spent += out.work;
      best.searchNodes += out.nodes;
    }
    if (out.status == SearchOutcome::Found) {
      uint64_t h = planHeight(aligned, out.offsets);
      ceiling = std::min(ceiling, h);
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
  // Stops once lo reaches bestAligned too: nothing found above it could win.
  while (lo < ceiling && lo < bestAligned && spent < budget && !guard.fired) {
    uint64_t hi = ceiling - step; // the largest height still worth trying
    // The first probe is at the lower bound, which the greedy often misses
    // while the search meets it quickly; then a binary search. Each probe
    // gets a third of what is left: a feasible probe often ends quickly, an
    // infeasible one rarely does.
    uint64_t mid = first ? lo : lo + (hi - lo) / step / 2 * step;
    first = false;
    uint64_t share = std::max<uint64_t>((budget - spent) / 3, 1);
    SearchOutcome::Status status = probe(mid, share);
    if (status == SearchOutcome::Found)
      continue; // ceiling dropped to <= mid
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
