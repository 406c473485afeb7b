//===- tests/unit/RuntimeTimingTest.cpp - GPU timestamps and profiles -----===//
//
// LoadedPlan::runTimed and runProfiled on the default device (lavapipe in
// CI, which has timestamps) with validation on: times are positive, the
// plan's GPU time is inside the whole command buffer's, the profile has one
// ordered slice per dispatch, results stay correct, and with timestamps off
// the host time remains and the reason is given. Also the copy benchmark.
//
//===----------------------------------------------------------------------===//
#include "RuntimeTestUtil.h"

using namespace tlc;
using namespace tlc::testing;

namespace {

/// x -> relu -> t -> copy -> y: two dispatches, one barrier.
Plan twoDispatchPlan(int64_t n) {
  PlanBuilder b("timed");
  uint32_t x = b.ioTensor("x", TensorRole::Input, n);
  uint32_t pool = b.buffer(BufferRole::Transient, uint64_t(n) * 4);
  uint32_t t = b.tensor("t", TensorRole::Transient, n, pool);
  uint32_t y = b.ioTensor("y", TensorRole::Output, n);
  b.unary(UnaryOpCode::Relu, x, t, 0);
  b.barrier(1);
  b.unary(UnaryOpCode::Copy, t, y, 1);
  b.release(t, 1);
  return b.plan;
}

class RuntimeTimingTest : public ::testing::Test {
protected:
  void SetUp() override {
    setenv("TLC_PIPELINE_CACHE", "off", 1);
    device = makeTestDevice();
    ASSERT_NE(device, nullptr);
  }
  void TearDown() override {
    if (device) {
      EXPECT_EQ(device->counters().validationMessages, 0u);
    }
  }
  std::unique_ptr<Device> device;
};

TEST_F(RuntimeTimingTest, RunTimedReportsGpuAndHostTime) {
  const int64_t n = 65536;
  auto lp = LoadedPlan::load(*device, twoDispatchPlan(n));
  ASSERT_TRUE(bool(lp)) << llvm::toString(lp.takeError());
  ASSERT_TRUE((*lp)->hasGpuTimestamps())
      << (*lp)->timestampsUnavailableReason().str();
  EXPECT_EQ((*lp)->timestampsUnavailableReason(), "");
  std::vector<float> x = testValues(size_t(n), 7);
  ASSERT_FALSE(bool((*lp)->setInput(0, asBytes(x))));
  for (int r = 0; r < 3; ++r) {
    auto t = (*lp)->runTimed();
    ASSERT_TRUE(bool(t)) << llvm::toString(t.takeError());
    EXPECT_GT(t->hostMicros, 0.0);
    EXPECT_GT(t->gpuMicros, 0.0);
    EXPECT_GE(t->gpuTotalMicros, t->gpuMicros);
    // The GPU work happened between submit and the fence: a 10% margin
    // covers clock-domain rounding.
    EXPECT_LE(t->gpuTotalMicros, t->hostMicros * 1.1 + 5.0);
  }
  EXPECT_EQ(asFloats((*lp)->output(0)), reluReference(x));
}

TEST_F(RuntimeTimingTest, ProfileHasOneOrderedSlicePerDispatch) {
  const int64_t n = 4096;
  Plan plan = twoDispatchPlan(n);
  auto lp = LoadedPlan::load(*device, plan);
  ASSERT_TRUE(bool(lp)) << llvm::toString(lp.takeError());
  std::vector<float> x = testValues(size_t(n), 3);
  ASSERT_FALSE(bool((*lp)->setInput(0, asBytes(x))));
  for (int r = 0; r < 2; ++r) { // recorded once, submitted twice
    auto prof = (*lp)->runProfiled();
    ASSERT_TRUE(bool(prof)) << llvm::toString(prof.takeError());
    ASSERT_EQ(prof->size(), 2u);
    EXPECT_EQ((*prof)[0].command, 0u); // relu
    EXPECT_EQ((*prof)[1].command, 2u); // copy, after the barrier
    double end = 0;
    for (const DispatchTiming &d : *prof) {
      EXPECT_GE(d.startMicros, end);
      EXPECT_GE(d.endMicros, d.startMicros);
      end = d.endMicros;
    }
    EXPECT_GT(end, 0.0);
    EXPECT_EQ(asFloats((*lp)->output(0)), reluReference(x));
  }
  // The normal run still works after profiling.
  ASSERT_FALSE(bool((*lp)->run()));
  EXPECT_EQ(asFloats((*lp)->output(0)), reluReference(x));
}

TEST_F(RuntimeTimingTest, WithoutTimestampsHostTimeOnly) {
  LoadOptions opts;
  opts.timestamps = false;
  auto lp = LoadedPlan::load(*device, twoDispatchPlan(1024), opts);
  ASSERT_TRUE(bool(lp)) << llvm::toString(lp.takeError());
  EXPECT_FALSE((*lp)->hasGpuTimestamps());
  EXPECT_NE((*lp)->timestampsUnavailableReason().find("turned off"),
            std::string::npos);
  auto t = (*lp)->runTimed();
  ASSERT_TRUE(bool(t)) << llvm::toString(t.takeError());
  EXPECT_GT(t->hostMicros, 0.0);
  EXPECT_LT(t->gpuMicros, 0.0);
  auto prof = (*lp)->runProfiled();
  ASSERT_FALSE(bool(prof));
  EXPECT_NE(errorText(prof.takeError()).find("cannot profile"),
            std::string::npos);
}

TEST_F(RuntimeTimingTest, DeviceCopyIsTimedAndFreesItsMemory) {
  uint64_t before = device->counters().memoryAllocations;
  auto c = timeDeviceCopy(*device, 1 << 20, 1, 3);
  ASSERT_TRUE(bool(c)) << llvm::toString(c.takeError());
  ASSERT_EQ(c->size(), 3u);
  for (const RunTiming &t : *c) {
    EXPECT_GT(t.gpuMicros, 0.0);
    EXPECT_GT(t.hostMicros, 0.0);
  }
  EXPECT_EQ(device->counters().memoryAllocations, before);
  auto none = timeDeviceCopy(*device, 0, 0, 1);
  ASSERT_FALSE(bool(none));
  EXPECT_NE(errorText(none.takeError()).find("0 bytes"), std::string::npos);
}

} // namespace
