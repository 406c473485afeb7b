//===- tests/unit/RuntimeFaultTest.cpp - Error paths of the runtime -------===//
//
// Out-of-memory and device loss cannot be provoked on demand on a real
// device, so these tests use the fault injection of Device::Impl: every
// allocation point of LoadedPlan::load is made to fail in turn, and a run is
// made to report VK_ERROR_DEVICE_LOST. Each time the error must name the
// call and the result, and everything must still be destroyed cleanly (no
// live allocation, no validation message, no leaked object).
//
//===----------------------------------------------------------------------===//
#include "RuntimeTestUtil.h"

#include "runtime/DeviceImpl.h"
#include "runtime/Validation.h"

using namespace tlc;
using namespace tlc::testing;

namespace {

/// x (input), w (weights) -> y0 = relu(w), y1 = relu(x): four plan buffers,
/// three staging buffers and the weights staging buffer, 8 allocations.
Plan weightsPlan() {
  const int64_t n = 300;
  PlanBuilder b("faults");
  uint32_t x = b.ioTensor("x", TensorRole::Input, n);
  uint32_t wb = b.buffer(BufferRole::Weights, uint64_t(n) * 4);
  uint32_t w = b.tensor("w", TensorRole::Weight, n, wb);
  uint32_t y0 = b.ioTensor("y0", TensorRole::Output, n);
  uint32_t y1 = b.ioTensor("y1", TensorRole::Output, n);
  b.unary(UnaryOpCode::Relu, w, y0, 0);
  b.unary(UnaryOpCode::Relu, x, y1, 1);
  b.plan.weights.assign(size_t(n) * 4, 0);
  return b.plan;
}

TEST(RuntimeFaults, OutOfMemoryAtEveryAllocationCleansUp) {
  uint64_t before = processValidationMessages();
  {
    auto device = makeTestDevice();
    ASSERT_NE(device, nullptr);
    Plan plan = weightsPlan();
    int failures = 0;
    for (int k = 1; k < 100; ++k) {
      device->impl().failAllocationCountdown = k;
      auto lp = LoadedPlan::load(*device, plan);
      device->impl().failAllocationCountdown = 0;
      if (lp)
        break;
      ++failures;
      std::string e = llvm::toString(lp.takeError());
      EXPECT_NE(e.find("vkAllocateMemory failed: "
                       "VK_ERROR_OUT_OF_DEVICE_MEMORY"),
                std::string::npos)
          << e;
      EXPECT_NE(e.find("cannot load plan 'faults'"), std::string::npos) << e;
      EXPECT_EQ(device->counters().memoryAllocations, 0u) << "k = " << k;
      EXPECT_EQ(device->counters().allocatedBytes, 0u) << "k = " << k;
    }
    EXPECT_EQ(failures, 8);
    EXPECT_EQ(device->counters().memoryAllocations, 0u);
    EXPECT_EQ(device->counters().validationMessages, 0u);
  }
  // Nothing leaked at vkDestroyDevice either.
  EXPECT_EQ(processValidationMessages(), before);
}

TEST(RuntimeFaults, DeviceLostIsReportedAndTeardownIsClean) {
  uint64_t before = processValidationMessages();
  {
    auto device = makeTestDevice();
    ASSERT_NE(device, nullptr);
    auto lp = LoadedPlan::load(*device, weightsPlan());
    ASSERT_TRUE(bool(lp)) << llvm::toString(lp.takeError());
    ASSERT_FALSE(bool((*lp)->run()));
    device->impl().injectedWaitResult = VK_ERROR_DEVICE_LOST;
    std::string e = errorText((*lp)->run());
    EXPECT_NE(e.find("vkWaitForFences failed: VK_ERROR_DEVICE_LOST"),
              std::string::npos)
        << e;
    e = errorText((*lp)->run());
    EXPECT_NE(e.find("cannot run: an earlier run failed"), std::string::npos)
        << e;
    EXPECT_EQ(device->counters().validationMessages, 0u);
  }
  EXPECT_EQ(processValidationMessages(), before);
}

} // namespace
