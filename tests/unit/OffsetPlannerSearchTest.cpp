//===- tests/unit/OffsetPlannerSearchTest.cpp - The exact searches --------===//
//
// The two searches of planArena's portfolio (by lowest gap, by buffer)
// against a brute-force optimum on tiny traces (a plan within the optimum is
// found, none below it), on perfect packings built here (guillotine tilings
// whose optimum is their height), and the CPU-time guard.
//
//===----------------------------------------------------------------------===//
#include "PlannerTestUtil.h"
#include "passes/OffsetPlanner.h"
#include "passes/OffsetPlannerInternal.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>

using namespace tlc;
using namespace tlc::planner_detail;
using llvm::ArrayRef;

namespace {

std::string messageOf(llvm::Error e) {
  return e ? llvm::toString(std::move(e)) : "";
}

std::vector<LiveRange> randomTrace(std::mt19937 &rng, int n) {
  std::vector<LiveRange> out;
  std::uniform_int_distribution<int64_t> start(0, 5), len(1, 3);
  std::uniform_int_distribution<uint64_t> size(1, 8);
  for (int i = 0; i < n; ++i) {
    int64_t s = start(rng);
    out.push_back({s, s + len(rng), size(rng)});
  }
  return out;
}

/// A guillotine tiling of height x steps into n buffers: each step is
/// covered by buffers adding up to `height`, so the lower bound and the
/// optimum are `height`. Pieces are cut across time or across memory (at
/// multiples of 16 bytes), the piece to cut chosen at random.
std::vector<LiveRange> perfectPacking(std::mt19937 &rng, int n,
                                      uint64_t height) {
  struct Piece {
    int64_t t0, t1;
    uint64_t y0, y1;
  };
  std::vector<Piece> pieces = {{0, 2 * n, 0, height}};
  while (int(pieces.size()) < n) {
    Piece &p = pieces[rng() % pieces.size()];
    bool canTime = p.t1 - p.t0 >= 2, canMem = (p.y1 - p.y0) / 16 >= 2;
    if (!canTime && !canMem)
      continue;
    Piece q = p;
    if (canTime && (!canMem || rng() % 2)) {
      int64_t t = p.t0 + 1 + int64_t(rng() % uint64_t(p.t1 - p.t0 - 1));
      p.t1 = q.t0 = t;
    } else {
      uint64_t y = p.y0 + 16 * (1 + rng() % ((p.y1 - p.y0) / 16 - 1));
      p.y1 = q.y0 = y;
    }
    pieces.push_back(q);
  }
  std::shuffle(pieces.begin(), pieces.end(), rng);
  std::vector<LiveRange> out;
  for (const Piece &p : pieces)
    out.push_back({p.t0, p.t1, p.y1 - p.y0});
  return out;
}

using SearchFn = SearchOutcome (*)(ArrayRef<LiveRange>, uint64_t, uint64_t,
                                   CpuGuard &);

CpuGuard noGuard() {
  CpuGuard guard;
  guard.deadline = 1e18;
  return guard;
}

void expectExactOnTinyTraces(SearchFn search, const char *name) {
  std::mt19937 rng(21);
  for (int iter = 0; iter < 80; ++iter) {
    auto trace = randomTrace(rng, 3 + iter % 5);
    uint64_t optimum = bruteForceOptimum(trace);
    CpuGuard guard = noGuard();
    SearchOutcome at = search(trace, optimum, 100'000'000, guard);
    ASSERT_EQ(at.status, SearchOutcome::Found) << name << " iter " << iter;
    EXPECT_EQ(messageOf(checkOffsets(trace, at.offsets, 1, optimum)), "")
        << name << " iter " << iter;
    SearchOutcome below = search(trace, optimum - 1, 100'000'000, guard);
    EXPECT_EQ(below.status, SearchOutcome::Infeasible)
        << name << " iter " << iter;
  }
}

TEST(OffsetPlannerSearch, LowestGapMatchesBruteForce) {
  expectExactOnTinyTraces(searchSkylineWithinCapacity, "lowest gap");
}

TEST(OffsetPlannerSearch, ByBufferMatchesBruteForce) {
  expectExactOnTinyTraces(searchWithinCapacity, "by buffer");
}

TEST(OffsetPlannerSearch, LowestGapSolvesPerfectPackings) {
  std::mt19937 rng(34);
  for (int iter = 0; iter < 24; ++iter) {
    int n = 20 + 10 * (iter % 8);
    auto trace = perfectPacking(rng, n, 1 << 14);
    ASSERT_EQ(computeLowerBound(trace), uint64_t(1) << 14);
    CpuGuard guard = noGuard();
    SearchOutcome out =
        searchSkylineWithinCapacity(trace, 1 << 14, 500'000'000, guard);
    ASSERT_EQ(out.status, SearchOutcome::Found) << "n " << n << " iter " << iter;
    EXPECT_EQ(messageOf(checkOffsets(trace, out.offsets, 1, 1 << 14)), "");
  }
}

TEST(OffsetPlannerSearch, ArenaProvesPerfectPackingsOptimal) {
  std::mt19937 rng(55);
  for (int n : {60, 120}) {
    auto trace = perfectPacking(rng, n, 1 << 16);
    ArenaOptions options = deterministicOptions();
    options.alignment = 16;
    options.timeLimitSeconds = 2;
    auto plan = planArena(trace, options);
    ASSERT_TRUE(bool(plan));
    EXPECT_EQ(plan->height, uint64_t(1) << 16) << "n " << n;
    EXPECT_TRUE(plan->provedOptimal);
    EXPECT_FALSE(plan->cpuGuardFired);
    EXPECT_EQ(messageOf(checkOffsets(trace, plan->offsets, 16, 1 << 16)), "");
  }
}

TEST(OffsetPlannerSearch, CpuGuardReturnsTheGreedyPlan) {
  // A deadline already past: the first greedy plan is still made and valid,
  // nothing more runs, and the plan says the guard fired.
  std::mt19937 rng(89);
  auto trace = perfectPacking(rng, 300, 1 << 20);
  ArenaOptions options;
  options.timeLimitSeconds = 10;
  options.cpuDeadlineSeconds = processCpuSeconds() - 1;
  double start = processCpuSeconds();
  auto plan = planArena(trace, options);
  ASSERT_TRUE(bool(plan));
  auto greedy = planGreedyBySize(trace, 1);
  ASSERT_TRUE(bool(greedy));
  ASSERT_GT(greedy->height, computeLowerBound(trace)); // search would run
  EXPECT_TRUE(plan->cpuGuardFired);
  EXPECT_EQ(plan->offsets, greedy->offsets);
  EXPECT_LT(processCpuSeconds() - start, 2.0);
  EXPECT_EQ(messageOf(checkOffsets(trace, plan->offsets, 1, std::nullopt)), "");
}

} // namespace
