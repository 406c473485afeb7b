//===- tests/unit/OffsetPlannerBenchTest.cpp - Planner on shared traces ---===//
//
// The arena planner on traces nobody in tlc wrote (../shared/planner-bench,
// beside the checkout): plans must pass the checker, stay at or below greedy
// by size, and meet the targets on the traces small enough for a unit test
// (the full table is bench/planner's job). Skips when the folder is absent.
//
//===----------------------------------------------------------------------===//
#include "PlannerTestUtil.h"
#include "passes/OffsetPlanner.h"
#include "passes/TraceCsv.h"

#include "llvm/Support/FileSystem.h"

#include <gtest/gtest.h>

using namespace tlc;

namespace {

std::string benchDir() { return TLC_SOURCE_DIR "/../shared/planner-bench"; }

/// Reads a trace from the bench folder; skips the test when it is absent.
#define LOAD_TRACE(var, relPath)                                               \
  std::string var##Path = benchDir() + "/" + (relPath);                        \
  if (!llvm::sys::fs::exists(var##Path))                                       \
    GTEST_SKIP() << var##Path << " is absent";                                 \
  auto var = readTraceCsv(var##Path);                                          \
  ASSERT_TRUE(bool(var)) << llvm::toString(var.takeError());

std::string messageOf(llvm::Error e) {
  return e ? llvm::toString(std::move(e)) : "";
}

TEST(OffsetPlannerBench, MiniMallocCReachesItsLowerBound) {
  LOAD_TRACE(trace, "minimalloc/C.1048576.csv");
  ArenaOptions options = deterministicOptions();
  options.timeLimitSeconds = 2.0;
  auto plan = planArena(trace->ranges, options);
  ASSERT_TRUE(bool(plan));
  EXPECT_EQ(computeLowerBound(trace->ranges), 1039360u);
  EXPECT_EQ(plan->height, 1039360u);
  EXPECT_EQ(messageOf(checkOffsets(trace->ranges, plan->offsets, 1,
                                   uint64_t(1039360))),
            "");
}

TEST(OffsetPlannerBench, MiniMallocKFitsItsCapacity) {
  LOAD_TRACE(trace, "minimalloc/K.1048576.csv");
  auto greedy = planGreedyBySize(trace->ranges, 1);
  ASSERT_TRUE(bool(greedy));
  EXPECT_GT(greedy->height, 1048576u); // the greedy alone does not fit
  ArenaOptions options = deterministicOptions();
  options.timeLimitSeconds = 5.0;
  options.capacity = 1048576;
  auto plan = planArena(trace->ranges, options);
  ASSERT_TRUE(bool(plan));
  EXPECT_LE(plan->height, 1048576u);
  EXPECT_EQ(messageOf(checkOffsets(trace->ranges, plan->offsets, 1,
                                   uint64_t(1048576))),
            "");
}

TEST(OffsetPlannerBench, RealTracesNearLowerBound) {
  for (const char *name :
       {"iopddl__G_1", "iree__iree_mobilenet", "iree__iree_mobilebert",
        "somas_tensors__resnet50", "somas_tensors__tiny_bert",
        "somas_tensors__bert_base"}) {
    LOAD_TRACE(trace, std::string("real/") + name + ".csv");
    uint64_t lb = computeLowerBound(trace->ranges);
    auto greedy = planGreedyBySize(trace->ranges, 1);
    auto arena = planArena(trace->ranges, deterministicOptions());
    ASSERT_TRUE(greedy && arena);
    EXPECT_EQ(
        messageOf(checkOffsets(trace->ranges, arena->offsets, 1, std::nullopt)),
        "")
        << name;
    EXPECT_LE(arena->height, greedy->height) << name;
    EXPECT_LE(double(arena->height), 1.01 * double(lb)) << name;
  }
}

TEST(OffsetPlannerBench, LargeIopddlTracesNearLowerBound) {
  // 28k and 62k buffers: the greedy placement through GapIndex, with the
  // default budget, must meet 1.01x the lower bound (S_1 needs the size class
  // order) and be the same on a second run.
  for (const char *name : {"iopddl__S_1", "iopddl__Y_1"}) {
    LOAD_TRACE(trace, std::string("real/") + name + ".csv");
    uint64_t lb = computeLowerBound(trace->ranges);
    auto greedy = planGreedyBySize(trace->ranges, 1);
    auto arena = planArena(trace->ranges, deterministicOptions());
    ASSERT_TRUE(greedy && arena);
    EXPECT_EQ(
        messageOf(checkOffsets(trace->ranges, arena->offsets, 1, std::nullopt)),
        "")
        << name;
    EXPECT_LE(arena->height, greedy->height) << name;
    EXPECT_LE(double(arena->height), 1.01 * double(lb)) << name;
    auto again = planArena(trace->ranges, deterministicOptions());
    ASSERT_TRUE(bool(again));
    EXPECT_EQ(again->offsets, arena->offsets) << name;
  }
}

} // namespace
