//===- tests/unit/RuntimeDeviceTest.cpp - Device choice, threads, teardown ===//
//
// Default-device selection (on fabricated device lists), environment
// variable errors, two threads sharing one Device, and a clean teardown as
// judged by the validation layer's leak reports at vkDestroyDevice.
//
//===----------------------------------------------------------------------===//
#include "RuntimeTestUtil.h"

#include "runtime/DeviceImpl.h"
#include "runtime/PhysicalDevices.h"
#include "runtime/Validation.h"

#include <cstdlib>
#include <thread>

using namespace tlc;
using namespace tlc::testing;

namespace {

std::vector<DeviceInfo> fakeDevices(std::vector<std::string> types) {
  std::vector<DeviceInfo> v;
  for (size_t i = 0; i < types.size(); ++i) {
    DeviceInfo d;
    d.index = uint32_t(i);
    d.name = "dev" + std::to_string(i);
    d.type = types[i];
    v.push_back(d);
  }
  return v;
}

uint32_t pick(const std::vector<DeviceInfo> &devs, int requested,
              const char *env) {
  auto r = selectDeviceIndex(devs, requested, env);
  EXPECT_TRUE(bool(r));
  if (!r) {
    llvm::consumeError(r.takeError());
    return ~0u;
  }
  return *r;
}

TEST(RuntimeDeviceSelection, PrefersDiscreteThenAnyGpuThenFirst) {
  EXPECT_EQ(
      pick(fakeDevices({"cpu", "integrated-gpu", "discrete-gpu"}), -1, nullptr),
      2u);
  EXPECT_EQ(
      pick(fakeDevices({"cpu", "virtual-gpu", "integrated-gpu"}), -1, nullptr),
      1u);
  EXPECT_EQ(pick(fakeDevices({"cpu", "other"}), -1, nullptr), 0u);
  // An explicit index wins over TLC_DEVICE, which wins over the type order.
  auto devs = fakeDevices({"cpu", "discrete-gpu"});
  EXPECT_EQ(pick(devs, 0, "1"), 0u);
  EXPECT_EQ(pick(devs, -1, "0"), 0u);
}

TEST(RuntimeDeviceSelection, BadValuesAreErrors) {
  auto devs = fakeDevices({"cpu", "discrete-gpu"});
  std::string e = errorText(selectDeviceIndex(devs, -1, "gpu").takeError());
  EXPECT_NE(e.find("TLC_DEVICE='gpu'"), std::string::npos) << e;
  EXPECT_NE(e.find("0..1"), std::string::npos) << e;
  e = errorText(selectDeviceIndex(devs, -1, "2").takeError());
  EXPECT_NE(e.find("TLC_DEVICE='2'"), std::string::npos) << e;
  e = errorText(selectDeviceIndex(devs, 5, nullptr).takeError());
  EXPECT_NE(e.find("device index 5 is out of range"), std::string::npos) << e;
  e = errorText(selectDeviceIndex({}, -1, nullptr).takeError());
  EXPECT_NE(e.find("no Vulkan physical device"), std::string::npos) << e;
}

TEST(RuntimeDevice, ListsTheDeviceItOpens) {
  auto list = listDevices();
  ASSERT_TRUE(bool(list)) << llvm::toString(list.takeError());
  ASSERT_FALSE(list->empty());
  auto device = makeTestDevice();
  ASSERT_NE(device, nullptr);
  const DeviceInfo &info = device->info();
  ASSERT_LT(info.index, list->size());
  EXPECT_EQ(info.name, (*list)[info.index].name);
  EXPECT_GT(info.maxStorageBufferRange, 0u);
  EXPECT_GT(info.maxMemoryAllocationSize, 0u);
  EXPECT_GT(info.deviceLocalHeapBytes, 0u);
  EXPECT_GT(info.subgroupSize, 0u);
  EXPECT_GE(info.apiVersion, uint32_t(VK_API_VERSION_1_1));
}

TEST(RuntimeDevice, OutOfRangeIndexIsAnError) {
  DeviceOptions opts;
  opts.index = 1000;
  auto d = Device::create(opts);
  ASSERT_FALSE(bool(d));
  std::string e = llvm::toString(d.takeError());
  EXPECT_NE(e.find("device index 1000 is out of range"), std::string::npos)
      << e;
}

TEST(RuntimeDevice, BadTlcValidationValueIsAnError) {
  const char *old = std::getenv("TLC_VALIDATION");
  std::string saved = old ? old : "";
  setenv("TLC_VALIDATION", "yes", 1);
  auto d = Device::create(DeviceOptions());
  if (old)
    setenv("TLC_VALIDATION", saved.c_str(), 1);
  else
    unsetenv("TLC_VALIDATION");
  ASSERT_FALSE(bool(d));
  std::string e = llvm::toString(d.takeError());
  EXPECT_NE(e.find("TLC_VALIDATION='yes'"), std::string::npos) << e;
}

/// x -> relu -> t -> copy -> y.
Plan chainPlan(int64_t n) {
  PlanBuilder b("chain");
  uint32_t x = b.ioTensor("x", TensorRole::Input, n);
  uint32_t pool = b.buffer(BufferRole::Transient, uint64_t(n) * 4);
  uint32_t t = b.tensor("t", TensorRole::Transient, n, pool);
  uint32_t y = b.ioTensor("y", TensorRole::Output, n);
  b.unary(UnaryOpCode::Relu, x, t, 0);
  b.barrier(1);
  b.unary(UnaryOpCode::Copy, t, y, 1);
  return b.plan;
}

TEST(RuntimeDevice, TwoThreadsShareOneDevice) {
  auto device = makeTestDevice();
  ASSERT_NE(device, nullptr);
  const int64_t n = 20000;
  const int runs = 200;
  std::vector<std::string> failures(2);
  auto worker = [&](int id) {
    auto lp = LoadedPlan::load(*device, chainPlan(n));
    if (!lp) {
      failures[id] = llvm::toString(lp.takeError());
      return;
    }
    for (int i = 0; i < runs; ++i) {
      std::vector<float> x = testValues(size_t(n), uint32_t(id * 1000 + i));
      if (llvm::Error e = (*lp)->setInput(0, asBytes(x))) {
        failures[id] = llvm::toString(std::move(e));
        return;
      }
      if (llvm::Error e = (*lp)->run()) {
        failures[id] = llvm::toString(std::move(e));
        return;
      }
      if (asFloats((*lp)->output(0)) != reluReference(x)) {
        failures[id] = "wrong result in run " + std::to_string(i);
        return;
      }
    }
  };
  std::thread a(worker, 0), b(worker, 1);
  a.join();
  b.join();
  EXPECT_EQ(failures[0], "");
  EXPECT_EQ(failures[1], "");
  EXPECT_EQ(device->counters().submits, uint64_t(2 * runs) + 0u);
  EXPECT_EQ(device->counters().validationMessages, 0u);
  EXPECT_EQ(device->counters().memoryAllocations, 0u);
}

TEST(RuntimeDevice, TeardownLeavesNoLeakedObjects) {
  uint64_t before = processValidationMessages();
  {
    auto device = makeTestDevice();
    ASSERT_NE(device, nullptr);
    ASSERT_TRUE(device->impl().validation);
    LoadOptions poison;
    poison.poisonReleased = true;
    auto lp = LoadedPlan::load(*device, chainPlan(1000), poison);
    ASSERT_TRUE(bool(lp)) << llvm::toString(lp.takeError());
    ASSERT_FALSE(bool((*lp)->run()));
    // Destroyed in the usual order: plan, then device (vkDestroyDevice and
    // vkDestroyInstance, where the layer reports leaks).
  }
  EXPECT_EQ(processValidationMessages(), before);
}

TEST(RuntimeDevice, LeakDetectionWorks) {
  // The check above can fail: a buffer created behind the runtime's back
  // and never destroyed is reported when the device goes away.
  uint64_t before = processValidationMessages();
  {
    auto device = makeTestDevice();
    ASSERT_NE(device, nullptr);
    VkBufferCreateInfo bi = {};
    bi.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO;
    bi.size = 256;
    bi.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT;
    VkBuffer leaked = VK_NULL_HANDLE;
    ASSERT_EQ(vkCreateBuffer(device->impl().device, &bi, nullptr, &leaked),
              VK_SUCCESS);
  }
  EXPECT_GT(processValidationMessages(), before);
}

} // namespace

namespace {

TEST(RuntimeDevice, MissingBarrierIsReportedBySyncValidation) {
  // The zero-message assertions of the other tests can fail: a plan whose
  // second dispatch reads the first one's output without a Barrier command
  // is a read-after-write hazard that the validation layer reports.
  auto device = makeTestDevice();
  ASSERT_NE(device, nullptr);
  Plan plan = chainPlan(1000);
  plan.commands.erase(plan.commands.begin() + 1); // the Barrier
  ASSERT_EQ(plan.commands[1].kind, CommandKind::Dispatch);
  auto lp = LoadedPlan::load(*device, plan);
  ASSERT_TRUE(bool(lp)) << llvm::toString(lp.takeError());
  ASSERT_FALSE(bool((*lp)->run()));
  EXPECT_GT(device->counters().validationMessages, 0u);
}

} // namespace
