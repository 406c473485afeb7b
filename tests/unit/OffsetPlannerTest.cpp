//===- tests/unit/OffsetPlannerTest.cpp - Lower bound, checker, planners --===//
//
// The lower bound and the checker on hand-made cases and against naive O(n^2)
// references on random placements; every planner's output on random traces
// validated by the checker; the search's heights against a brute-force
// optimum on tiny traces; determinism.
//
//===----------------------------------------------------------------------===//
#include "PlannerTestUtil.h"
#include "passes/OffsetPlanner.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>

using namespace tlc;
using llvm::ArrayRef;

namespace {

/// The error message of \p e, or "" on success.
std::string messageOf(llvm::Error e) {
  if (!e)
    return "";
  return llvm::toString(std::move(e));
}

/// Naive lower bound: the live bytes at every step between the extremes.
uint64_t naiveLowerBound(ArrayRef<LiveRange> ranges) {
  uint64_t best = 0;
  for (const LiveRange &probe : ranges) {
    uint64_t live = 0; // a maximum is reached at some buffer's start
    for (const LiveRange &r : ranges)
      if (r.start <= probe.start && probe.start < r.end)
        live += r.size;
    best = std::max(best, live);
  }
  return best;
}

/// Naive checker: any two buffers overlapping in time and in bytes.
bool naiveOverlap(ArrayRef<LiveRange> ranges, ArrayRef<uint64_t> offsets) {
  for (size_t i = 0; i < ranges.size(); ++i)
    for (size_t j = i + 1; j < ranges.size(); ++j) {
      const LiveRange &a = ranges[i], &b = ranges[j];
      if (a.size == 0 || b.size == 0)
        continue;
      bool time = a.start < b.end && b.start < a.end;
      bool bytes =
          offsets[i] < offsets[j] + b.size && offsets[j] < offsets[i] + a.size;
      if (time && bytes)
        return true;
    }
  return false;
}

std::vector<LiveRange> randomTrace(std::mt19937 &rng, int n, int steps,
                                   uint64_t maxSize, uint64_t granule) {
  std::vector<LiveRange> out;
  std::uniform_int_distribution<int64_t> start(0, steps - 1);
  std::uniform_int_distribution<uint64_t> size(1, maxSize / granule);
  for (int i = 0; i < n; ++i) {
    int64_t s = start(rng);
    std::uniform_int_distribution<int64_t> len(1,
                                               std::max<int64_t>(1, steps / 3));
    out.push_back({s, s + len(rng), size(rng) * granule});
  }
  return out;
}

TEST(OffsetPlannerLowerBound, HandMade) {
  EXPECT_EQ(computeLowerBound({}), 0u);
  // Half-open: [0,2) and [2,4) never live together.
  EXPECT_EQ(computeLowerBound({{0, 2, 4}, {2, 4, 4}}), 4u);
  EXPECT_EQ(computeLowerBound({{0, 3, 4}, {1, 2, 2}, {2, 5, 8}}), 12u);
  // MiniMalloc's examples/input.12.csv: optimal height 12.
  EXPECT_EQ(computeLowerBound(
                {{0, 3, 4}, {3, 9, 4}, {0, 9, 4}, {9, 21, 4}, {0, 21, 4}}),
            12u);
}

TEST(OffsetPlannerLowerBound, MatchesNaive) {
  std::mt19937 rng(7);
  for (int iter = 0; iter < 200; ++iter) {
    auto trace = randomTrace(rng, 1 + iter % 40, 30, 1000, 1);
    EXPECT_EQ(computeLowerBound(trace), naiveLowerBound(trace));
  }
}

TEST(OffsetPlannerCheck, AcceptsValidPlacement) {
  std::vector<LiveRange> r = {{0, 4, 16}, {0, 2, 16}, {2, 4, 16}, {4, 6, 32}};
  EXPECT_EQ(messageOf(checkOffsets(r, {0, 16, 16, 0}, 16, 32u)), "");
}

TEST(OffsetPlannerCheck, RejectsOverlap) {
  // Buffer 2 overlaps buffer 0's last bytes while both are live.
  std::vector<LiveRange> r = {{0, 4, 16}, {0, 4, 16}, {1, 3, 8}};
  std::string msg = messageOf(checkOffsets(r, {0, 24, 8}, 8, std::nullopt));
  EXPECT_NE(msg.find("buffers 0 and 2 overlap"), std::string::npos) << msg;
  // The same bytes at disjoint times are fine.
  EXPECT_EQ(
      messageOf(checkOffsets({{0, 2, 8}, {2, 4, 8}}, {0, 0}, 8, std::nullopt)),
      "");
}

TEST(OffsetPlannerCheck, RejectsOverlapBeyondNeighbour) {
  // A long buffer below reaches past the next one's offset.
  std::vector<LiveRange> r = {{0, 4, 100}, {0, 4, 10}, {1, 2, 10}};
  std::string msg = messageOf(checkOffsets(r, {0, 100, 50}, 1, std::nullopt));
  EXPECT_NE(msg.find("buffers 0 and 2 overlap"), std::string::npos) << msg;
}

TEST(OffsetPlannerCheck, RejectsMisalignmentCapacityAndCount) {
  std::vector<LiveRange> r = {{0, 1, 8}, {0, 1, 8}};
  EXPECT_NE(messageOf(checkOffsets(r, {0, 12}, 8, std::nullopt))
                .find("buffer 1: offset 12 is not a multiple"),
            std::string::npos);
  EXPECT_NE(messageOf(checkOffsets(r, {0, 8}, 8, 15u))
                .find("exceed the capacity of 15 bytes"),
            std::string::npos);
  EXPECT_NE(messageOf(checkOffsets(r, {0}, 8, std::nullopt)).find("1 offsets"),
            std::string::npos);
  EXPECT_NE(messageOf(checkOffsets(r, {UINT64_MAX - 7, 0}, 1, std::nullopt))
                .find("overflows"),
            std::string::npos);
}

TEST(OffsetPlannerCheck, AgreesWithNaiveOnRandomPlacements) {
  std::mt19937 rng(11);
  int rejected = 0;
  for (int iter = 0; iter < 500; ++iter) {
    auto trace = randomTrace(rng, 2 + iter % 30, 20, 64, 1);
    std::uniform_int_distribution<uint64_t> off(0, 300);
    std::vector<uint64_t> offsets;
    for (size_t i = 0; i < trace.size(); ++i)
      offsets.push_back(off(rng));
    bool naive = naiveOverlap(trace, offsets);
    std::string msg = messageOf(checkOffsets(trace, offsets, 1, std::nullopt));
    EXPECT_EQ(naive, !msg.empty()) << msg;
    rejected += naive;
  }
  EXPECT_GT(rejected, 50); // the test exercises both outcomes
  EXPECT_LT(rejected, 450);
}

TEST(OffsetPlannerVerify, RejectsBadRanges) {
  EXPECT_NE(messageOf(verifyLiveRanges({{3, 3, 8}}, 1)).find("buffer 0"),
            std::string::npos);
  EXPECT_NE(messageOf(verifyLiveRanges({{0, 1, 8}}, 0)).find("alignment 0"),
            std::string::npos);
  EXPECT_NE(
      messageOf(verifyLiveRanges(
                    {{0, 1, kMaxPlannerBytes}, {0, 1, kMaxPlannerBytes}}, 1))
          .find("total of the sizes"),
      std::string::npos);
  auto plan = planArena({{5, 2, 8}}, ArenaOptions());
  ASSERT_FALSE(bool(plan));
  EXPECT_NE(llvm::toString(plan.takeError()).find("expected start < end"),
            std::string::npos);
}

TEST(OffsetPlanners, RandomTracesAreValid) {
  std::mt19937 rng(3);
  for (int iter = 0; iter < 120; ++iter) {
    uint64_t alignment = (iter % 3 == 0) ? 1 : (iter % 3 == 1 ? 16 : 256);
    auto trace = randomTrace(rng, 1 + iter % 60, 40, 5000, 1);
    uint64_t lb = computeLowerBound(trace);
    auto noAlias = planNoAlias(trace, alignment);
    auto greedy = planGreedyBySize(trace, alignment);
    ArenaOptions options = deterministicOptions();
    options.alignment = alignment;
    options.timeLimitSeconds = 0.02;
    auto arena = planArena(trace, options);
    ASSERT_TRUE(noAlias && greedy && arena);
    for (const OffsetPlan *p : {&*noAlias, &*greedy, &*arena}) {
      EXPECT_EQ(
          messageOf(checkOffsets(trace, p->offsets, alignment, p->height)), "")
          << p->strategy << " iter " << iter;
      EXPECT_GE(p->height, lb);
    }
    EXPECT_LE(arena->height, greedy->height);
    EXPECT_LE(greedy->height, noAlias->height);
  }
}

TEST(OffsetPlanners, ArenaMatchesBruteForceOnTinyTraces) {
  std::mt19937 rng(5);
  int searched = 0;
  for (int iter = 0; iter < 60; ++iter) {
    auto trace = randomTrace(rng, 4 + iter % 4, 6, 8, 1);
    uint64_t optimum = bruteForceOptimum(trace);
    auto greedy = planGreedyBySize(trace, 1);
    ArenaOptions options = deterministicOptions();
    options.timeLimitSeconds = 0.5;
    auto arena = planArena(trace, options);
    ASSERT_TRUE(greedy && arena);
    EXPECT_EQ(arena->height, optimum) << "iter " << iter;
    EXPECT_EQ(messageOf(checkOffsets(trace, arena->offsets, 1, optimum)), "");
    if (greedy->height > optimum)
      ++searched;
    // With the capacity set to the optimum the arena planner fits it.
    options.capacity = optimum;
    auto fit = planArena(trace, options);
    ASSERT_TRUE(bool(fit));
    EXPECT_LE(fit->height, optimum);
  }
  EXPECT_GT(searched, 0); // some traces need the search, not only the greedy
}

TEST(OffsetPlanners, ProvedOptimalIsOptimal) {
  std::mt19937 rng(9);
  for (int iter = 0; iter < 40; ++iter) {
    auto trace = randomTrace(rng, 5 + iter % 3, 5, 6, 1);
    ArenaOptions options = deterministicOptions();
    options.timeLimitSeconds = 0.2;
    auto arena = planArena(trace, options);
    ASSERT_TRUE(bool(arena));
    if (arena->provedOptimal) {
      EXPECT_EQ(arena->height, bruteForceOptimum(trace));
    }
  }
}

TEST(OffsetPlanners, Deterministic) {
  std::mt19937 rng(13);
  auto trace = randomTrace(rng, 150, 60, 1 << 16, 512);
  ArenaOptions options = deterministicOptions();
  options.alignment = 512;
  options.timeLimitSeconds = 0.1;
  auto a = planArena(trace, options);
  auto b = planArena(trace, options);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->offsets, b->offsets);
  EXPECT_EQ(a->strategy, b->strategy);
  auto g1 = planGreedyBySize(trace, 512), g2 = planGreedyBySize(trace, 512);
  ASSERT_TRUE(g1 && g2);
  EXPECT_EQ(g1->offsets, g2->offsets);
}

TEST(OffsetPlanners, EmptyAndZeroSize) {
  auto empty = planArena({}, ArenaOptions());
  ASSERT_TRUE(bool(empty));
  EXPECT_EQ(empty->height, 0u);
  std::vector<LiveRange> r = {{0, 2, 0}, {0, 2, 8}, {1, 3, 0}};
  auto arena = planArena(r, ArenaOptions());
  ASSERT_TRUE(bool(arena));
  EXPECT_EQ(arena->height, 8u);
  EXPECT_EQ(messageOf(checkOffsets(r, arena->offsets, 1, 8u)), "");
}

} // namespace
