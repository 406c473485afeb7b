//===- tests/unit/RuntimeTest.cpp - Runtime executes plans correctly ------===//
//
// Hand-built plans of shaders/unary.comp dispatches, run on the default
// device with the validation layers on; results are checked against the CPU
// reference of Relu, and every test asserts zero validation messages.
//
//===----------------------------------------------------------------------===//
#include "RuntimeTestUtil.h"

#include <cmath>

using namespace tlc;
using namespace tlc::testing;

namespace {

/// x -> relu -> t (transient) -> copy -> y, with the barrier the dependency
/// needs and t released after its last use. \p n elements.
Plan reluCopyPlan(int64_t n) {
  PlanBuilder b("relu_copy");
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

class RuntimeTest : public ::testing::Test {
protected:
  void SetUp() override {
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

TEST_F(RuntimeTest, ReluThenCopyMatchesCpuReference) {
  const int64_t n = 100003; // 391 workgroups, the last one partial
  auto lp = LoadedPlan::load(*device, reluCopyPlan(n));
  ASSERT_TRUE(bool(lp)) << llvm::toString(lp.takeError());
  for (uint32_t seed = 1; seed <= 3; ++seed) {
    std::vector<float> x = testValues(size_t(n), seed);
    ASSERT_FALSE(bool((*lp)->setInput(0, asBytes(x))));
    llvm::Error e = (*lp)->run();
    ASSERT_FALSE(bool(e)) << llvm::toString(std::move(e));
    std::vector<float> y = asFloats((*lp)->output(0));
    ASSERT_EQ(y, reluReference(x)) << "seed " << seed;
  }
}

TEST_F(RuntimeTest, TwoTensorsShareATransientBufferAtOffsets) {
  // x -> relu -> a; a -> copy -> b; b -> copy -> y, a and b in one buffer at
  // aligned offsets 0 and 4096 (descriptor offsets must be honored).
  const int64_t n = 1000;
  PlanBuilder b("offsets");
  uint32_t x = b.ioTensor("x", TensorRole::Input, n);
  uint32_t pool = b.buffer(BufferRole::Transient, 8192);
  uint32_t ta = b.tensor("a", TensorRole::Transient, n, pool, 0);
  uint32_t tb = b.tensor("b", TensorRole::Transient, n, pool, 4096);
  uint32_t y = b.ioTensor("y", TensorRole::Output, n);
  b.unary(UnaryOpCode::Relu, x, ta, 0);
  b.barrier(1);
  b.unary(UnaryOpCode::Copy, ta, tb, 1);
  b.barrier(2);
  b.unary(UnaryOpCode::Copy, tb, y, 2);
  auto lp = LoadedPlan::load(*device, b.plan);
  ASSERT_TRUE(bool(lp)) << llvm::toString(lp.takeError());
  std::vector<float> in = testValues(size_t(n), 7);
  ASSERT_FALSE(bool((*lp)->setInput(0, asBytes(in))));
  ASSERT_FALSE(bool((*lp)->run()));
  EXPECT_EQ(asFloats((*lp)->output(0)), reluReference(in));
}

TEST_F(RuntimeTest, WeightsAreUploadedOnce) {
  // y0 = relu(w) from the Weights buffer (at offset 256); y1 = relu(x).
  const int64_t n = 500;
  std::vector<float> w = testValues(size_t(n), 11);
  PlanBuilder b("weights");
  uint32_t x = b.ioTensor("x", TensorRole::Input, n);
  uint32_t wb = b.buffer(BufferRole::Weights, 256 + uint64_t(n) * 4);
  uint32_t wt = b.tensor("w", TensorRole::Weight, n, wb, 256);
  uint32_t y0 = b.ioTensor("y0", TensorRole::Output, n);
  uint32_t y1 = b.ioTensor("y1", TensorRole::Output, n);
  b.unary(UnaryOpCode::Relu, wt, y0, 0);
  b.unary(UnaryOpCode::Relu, x, y1, 1);
  b.plan.weights.assign(256, 0xAB); // padding before w
  llvm::ArrayRef<uint8_t> wbytes = asBytes(w);
  b.plan.weights.insert(b.plan.weights.end(), wbytes.begin(), wbytes.end());

  auto lp = LoadedPlan::load(*device, b.plan);
  ASSERT_TRUE(bool(lp)) << llvm::toString(lp.takeError());
  // One device-local allocation per plan buffer (x, weights, y0, y1) and one
  // staging per input/output buffer (x, y0, y1); the weights staging is gone.
  EXPECT_EQ(device->counters().memoryAllocations, 4u + 3u);
  for (uint32_t seed = 1; seed <= 2; ++seed) {
    std::vector<float> in = testValues(size_t(n), seed);
    ASSERT_FALSE(bool((*lp)->setInput(0, asBytes(in))));
    ASSERT_FALSE(bool((*lp)->run()));
    EXPECT_EQ(asFloats((*lp)->output(0)), reluReference(w));
    EXPECT_EQ(asFloats((*lp)->output(1)), reluReference(in));
  }
}

TEST_F(RuntimeTest, ThousandRunsAllocateNothing) {
  const int64_t n = 4096;
  auto lp = LoadedPlan::load(*device, reluCopyPlan(n));
  ASSERT_TRUE(bool(lp)) << llvm::toString(lp.takeError());
  RuntimeCounters before = device->counters();
  EXPECT_GT(before.memoryAllocations, 0u);
  EXPECT_GT(before.allocatedBytes, 0u);
  std::vector<float> x = testValues(size_t(n), 3);
  std::vector<float> want = reluReference(x);
  for (int i = 0; i < 1000; ++i) {
    ASSERT_FALSE(bool((*lp)->setInput(0, asBytes(x))));
    llvm::Error e = (*lp)->run();
    ASSERT_FALSE(bool(e)) << "run " << i << ": "
                          << llvm::toString(std::move(e));
  }
  RuntimeCounters after = device->counters();
  EXPECT_EQ(after.memoryAllocations, before.memoryAllocations);
  EXPECT_EQ(after.allocatedBytes, before.allocatedBytes);
  EXPECT_EQ(after.submits, before.submits + 1000);
  EXPECT_EQ(asFloats((*lp)->output(0)), want);
  lp->reset();
  EXPECT_EQ(device->counters().memoryAllocations, 0u);
  EXPECT_EQ(device->counters().allocatedBytes, 0u);
}

TEST_F(RuntimeTest, SetInputChecksIndexAndSize) {
  auto lp = LoadedPlan::load(*device, reluCopyPlan(64));
  ASSERT_TRUE(bool(lp)) << llvm::toString(lp.takeError());
  std::vector<float> shortInput(63, 1.0f);
  std::string e = errorText((*lp)->setInput(0, asBytes(shortInput)));
  EXPECT_NE(e.find("got 252 bytes, expected 256"), std::string::npos) << e;
  e = errorText((*lp)->setInput(1, asBytes(shortInput)));
  EXPECT_NE(e.find("input index 1 out of range"), std::string::npos) << e;
  EXPECT_TRUE((*lp)->output(5).empty());
}

/// x -> relu -> t; t released at step 0; y = copy of t at step 1: a planner
/// bug (reading a released tensor) that poison mode makes visible.
Plan readsReleasedTensor(int64_t n) {
  PlanBuilder b("reads_released");
  uint32_t x = b.ioTensor("x", TensorRole::Input, n);
  uint32_t pool = b.buffer(BufferRole::Transient, uint64_t(n) * 4);
  uint32_t t = b.tensor("t", TensorRole::Transient, n, pool);
  uint32_t y = b.ioTensor("y", TensorRole::Output, n);
  b.unary(UnaryOpCode::Relu, x, t, 0);
  b.release(t, 0);
  b.barrier(1);
  b.unary(UnaryOpCode::Copy, t, y, 1);
  return b.plan;
}

TEST_F(RuntimeTest, PoisonFillsReleasedTensorsWithNaN) {
  const int64_t n = 777;
  std::vector<float> x = testValues(size_t(n), 5);
  for (bool poison : {false, true}) {
    LoadOptions opts;
    opts.poisonReleased = poison;
    auto lp = LoadedPlan::load(*device, readsReleasedTensor(n), opts);
    ASSERT_TRUE(bool(lp)) << llvm::toString(lp.takeError());
    ASSERT_FALSE(bool((*lp)->setInput(0, asBytes(x))));
    ASSERT_FALSE(bool((*lp)->run()));
    llvm::ArrayRef<uint8_t> out = (*lp)->output(0);
    if (!poison) {
      EXPECT_EQ(asFloats(out), reluReference(x));
      continue;
    }
    for (int64_t i = 0; i < n; ++i) {
      uint32_t bits;
      std::memcpy(&bits, out.data() + i * 4, 4);
      ASSERT_EQ(bits, 0x7FC00000u) << "element " << i;
    }
  }
}

TEST_F(RuntimeTest, PoisonKeepsCorrectPlansCorrect) {
  const int64_t n = 3000;
  LoadOptions opts;
  opts.poisonReleased = true;
  auto lp = LoadedPlan::load(*device, reluCopyPlan(n), opts);
  ASSERT_TRUE(bool(lp)) << llvm::toString(lp.takeError());
  std::vector<float> x = testValues(size_t(n), 9);
  for (int i = 0; i < 3; ++i) {
    ASSERT_FALSE(bool((*lp)->setInput(0, asBytes(x))));
    ASSERT_FALSE(bool((*lp)->run()));
    EXPECT_EQ(asFloats((*lp)->output(0)), reluReference(x));
  }
}

TEST_F(RuntimeTest, PlanWithoutCommandsCopiesNothingAndRuns) {
  // An output that no dispatch writes keeps its staging contents (zero).
  PlanBuilder b("empty");
  b.ioTensor("y", TensorRole::Output, 16);
  auto lp = LoadedPlan::load(*device, b.plan);
  ASSERT_TRUE(bool(lp)) << llvm::toString(lp.takeError());
  EXPECT_FALSE(bool((*lp)->run()));
  EXPECT_EQ((*lp)->output(0).size(), 64u);
}

} // namespace
