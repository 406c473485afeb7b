//===- tests/unit/OffsetPlannerGreedyTest.cpp - Fast greedy vs naive ------===//
//
// The greedy best-fit placer finds gaps through a segment tree of occupied
// byte ranges (GapIndex). These tests hold it to the naive definition: for
// each buffer in order, collect every placed buffer that overlaps it in time,
// sort them by offset and take the smallest gap that fits (the lowest on
// ties), else the top. Offsets must agree exactly, under every greedy order,
// on random traces with shared steps, touching buffers and zero sizes; every
// plan must pass the checker; and the arena planner must be deterministic
// and never above greedy by size.
//
//===----------------------------------------------------------------------===//
#include "PlannerTestUtil.h"
#include "passes/OffsetPlanner.h"
#include "passes/OffsetPlannerInternal.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <iterator>
#include <random>

using namespace tlc;
using namespace tlc::planner_detail;
using llvm::ArrayRef;

namespace {

/// The reference: best fit by scanning every placed time-neighbour, O(n^2).
std::vector<uint64_t> naiveBestFit(ArrayRef<LiveRange> ranges,
                                   ArrayRef<uint32_t> order) {
  std::vector<uint64_t> offsets(ranges.size(), 0);
  std::vector<bool> placed(ranges.size(), false);
  for (uint32_t b : order) {
    const LiveRange &r = ranges[b];
    std::vector<std::pair<uint64_t, uint64_t>> blocks; // [lo, hi) bytes
    for (size_t o = 0; o < ranges.size(); ++o)
      if (placed[o] && ranges[o].start < r.end && r.start < ranges[o].end)
        blocks.push_back({offsets[o], offsets[o] + ranges[o].size});
    std::sort(blocks.begin(), blocks.end());
    uint64_t top = 0, best = UINT64_MAX, bestGap = UINT64_MAX;
    for (auto [lo, hi] : blocks) {
      if (lo > top && lo - top >= r.size && lo - top < bestGap) {
        bestGap = lo - top;
        best = top;
      }
      top = std::max(top, hi);
    }
    offsets[b] = best != UINT64_MAX ? best : top;
    placed[b] = r.size > 0;
  }
  return offsets;
}

/// Random traces on few steps (many shared endpoints and touching
/// intervals), sizes from a small set (ties, exact fits) or a wide range,
/// some zero-size buffers.
std::vector<LiveRange> randomTrace(std::mt19937 &rng, int n, int steps,
                                   bool fewSizes) {
  std::vector<LiveRange> out;
  std::uniform_int_distribution<int64_t> start(0, steps - 1);
  std::uniform_int_distribution<int64_t> len(1, std::max(1, steps / 2));
  std::uniform_int_distribution<uint64_t> wide(0, 5000);
  std::uniform_int_distribution<int> pick(0, 5);
  const uint64_t sizes[] = {0, 8, 16, 24, 64, 128};
  for (int i = 0; i < n; ++i) {
    int64_t s = start(rng);
    out.push_back({s, s + len(rng), fewSizes ? sizes[pick(rng)] : wide(rng)});
  }
  return out;
}

TEST(OffsetPlannerGreedy, AgreesWithNaiveBestFit) {
  std::mt19937 rng(17);
  int compared = 0;
  for (int iter = 0; iter < 300; ++iter) {
    auto trace =
        randomTrace(rng, 1 + iter % 90, 3 + iter % 40, /*fewSizes=*/iter % 2);
    for (GreedyOrder order : kAllGreedyOrders) {
      std::vector<uint32_t> perm = greedyOrdering(trace, order);
      std::vector<uint64_t> fast = placeBestFit(trace, perm);
      ASSERT_EQ(fast, naiveBestFit(trace, perm))
          << greedyOrderName(order).str() << " iter " << iter;
      EXPECT_FALSE(bool(checkOffsets(trace, fast, 1, std::nullopt)))
          << greedyOrderName(order).str() << " iter " << iter;
      ++compared;
    }
  }
  EXPECT_EQ(compared, 300 * std::size(kAllGreedyOrders));
}

TEST(OffsetPlannerGreedy, AgreesWithNaiveOnLargerTraces) {
  // Long traces reach deep segment-tree nodes and lists of many fragments.
  std::mt19937 rng(23);
  for (int iter = 0; iter < 4; ++iter) {
    auto trace = randomTrace(rng, 1200, 400 + 300 * iter, iter % 2);
    std::vector<uint32_t> perm = greedyOrdering(trace, GreedyOrder::Size);
    EXPECT_EQ(placeBestFit(trace, perm), naiveBestFit(trace, perm))
        << "iter " << iter;
  }
}

TEST(OffsetPlannerGreedy, HandMadeGaps) {
  // A gap must be free over the whole lifetime: A [0,2) and B [2,4) share
  // bytes [0,10), C [0,4) goes on top of both; D [1,3) finds no byte free
  // below 20; E [3,4) does not meet D (half-open) but meets B and C.
  std::vector<LiveRange> t = {
      {0, 2, 10}, {2, 4, 10}, {0, 4, 10}, {1, 3, 5}, {3, 4, 5}};
  std::vector<uint64_t> got = placeBestFit(t, {0, 1, 2, 3, 4});
  EXPECT_EQ(got, (std::vector<uint64_t>{0, 0, 10, 20, 20}));
  EXPECT_EQ(got, naiveBestFit(t, {0, 1, 2, 3, 4}));

  // The smallest fitting gap wins over the lowest: buffers 1 and 3 end at
  // step 1, leaving gaps [10,40) and [50,70) over [1,4); buffer 5 (20
  // bytes) takes the exact fit at 50.
  std::vector<LiveRange> u = {
      {0, 4, 10}, // at 0
      {0, 1, 30}, // at 10
      {0, 4, 10}, // at 40
      {0, 1, 20}, // at 50
      {0, 4, 10}, // at 70
      {1, 4, 20}, // at 50
  };
  std::vector<uint64_t> ug = placeBestFit(u, {0, 1, 2, 3, 4, 5});
  EXPECT_EQ(ug, (std::vector<uint64_t>{0, 10, 40, 50, 70, 50}));
  EXPECT_EQ(ug, naiveBestFit(u, {0, 1, 2, 3, 4, 5}));
  // With 15 bytes, the 20-byte gap is still the smallest that fits.
  u[5].size = 15;
  EXPECT_EQ(placeBestFit(u, {0, 1, 2, 3, 4, 5})[5], 50u);
  // With 25 bytes only the 30-byte gap fits.
  u[5].size = 25;
  EXPECT_EQ(placeBestFit(u, {0, 1, 2, 3, 4, 5})[5], 10u);
  // With 31 bytes nothing fits: the top.
  u[5].size = 31;
  EXPECT_EQ(placeBestFit(u, {0, 1, 2, 3, 4, 5})[5], 80u);
}

TEST(OffsetPlannerGreedy, ArenaNeverAboveGreedyAndDeterministic) {
  std::mt19937 rng(29);
  for (int iter = 0; iter < 12; ++iter) {
    auto trace = randomTrace(rng, 50 + 40 * iter, 200, iter % 2);
    ArenaOptions options = deterministicOptions();
    options.timeLimitSeconds = 0.01;
    auto greedy = planGreedyBySize(trace, 1);
    auto a = planArena(trace, options), b = planArena(trace, options);
    ASSERT_TRUE(greedy && a && b);
    EXPECT_LE(a->height, greedy->height) << "iter " << iter;
    EXPECT_EQ(a->offsets, b->offsets) << "iter " << iter;
    EXPECT_FALSE(bool(checkOffsets(trace, a->offsets, 1, std::nullopt)));
    // planGreedyBySize is the naive best fit in size order.
    EXPECT_EQ(greedy->offsets,
              naiveBestFit(trace, greedyOrdering(trace, GreedyOrder::Size)));
  }
}

} // namespace
