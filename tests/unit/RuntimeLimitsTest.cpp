//===- tests/unit/RuntimeLimitsTest.cpp - Plans the device cannot run -----===//
//
// LoadedPlan::load refuses plans that exceed the device's limits, with the
// numbers, before allocating anything; bad shaders are refused by name. The
// limits are read from the device, so the same tests hold on lavapipe
// (128 MiB bindings, 2 GiB heap) and on a large GPU.
//
//===----------------------------------------------------------------------===//
#include "RuntimeTestUtil.h"

#include "runtime/DeviceImpl.h"
#include "runtime/VkCheck.h"

using namespace tlc;
using namespace tlc::testing;

namespace {

class RuntimeLimitsTest : public ::testing::Test {
protected:
  void SetUp() override {
    device = makeTestDevice();
    ASSERT_NE(device, nullptr);
  }
  void TearDown() override {
    if (!device)
      return;
    EXPECT_EQ(device->counters().validationMessages, 0u);
    EXPECT_EQ(device->counters().memoryAllocations, 0u)
        << "a refused plan must not allocate";
  }
  /// Loads \p plan, expects a refusal, returns its message.
  std::string refusal(const Plan &plan) {
    auto lp = LoadedPlan::load(*device, plan);
    if (lp) {
      ADD_FAILURE() << "plan '" << plan.modelName << "' was accepted";
      return "";
    }
    return llvm::toString(lp.takeError());
  }
  std::unique_ptr<Device> device;
};

/// One transient tensor of \p n f32 elements in a buffer of its own, read
/// by a dispatch (so that it is a descriptor binding).
Plan bigTransientPlan(int64_t n) {
  PlanBuilder b("big");
  uint32_t x = b.ioTensor("x", TensorRole::Input, 256);
  uint32_t pool = b.buffer(BufferRole::Transient, uint64_t(n) * 4);
  uint32_t t = b.tensor("big", TensorRole::Transient, n, pool);
  b.unary(UnaryOpCode::Copy, x, t, 0);
  return b.plan;
}

TEST_F(RuntimeLimitsTest, BindingOverMaxStorageBufferRangeIsRefused) {
  // A bound tensor just over the binding limit. Where the allocation limit
  // is the smaller one (an H100: 4 GiB - 1 range, 4 GiB - 2 MiB
  // allocations), the buffer is refused for that limit instead.
  const DeviceInfo &info = device->info();
  uint64_t range = info.maxStorageBufferRange;
  uint64_t bytes = (range + 256) & ~uint64_t(255);
  std::string e = refusal(bigTransientPlan(int64_t(bytes / 4)));
  EXPECT_NE(e.find(formatBytes(bytes)), std::string::npos) << e;
  if (bytes > info.maxMemoryAllocationSize) {
    EXPECT_NE(e.find("maxMemoryAllocationSize"), std::string::npos) << e;
    return;
  }
  EXPECT_NE(e.find("maxStorageBufferRange"), std::string::npos) << e;
  EXPECT_NE(e.find(formatBytes(range)), std::string::npos) << e;
  EXPECT_NE(e.find("'big'"), std::string::npos) << e;
}

TEST_F(RuntimeLimitsTest, BufferOverMaxMemoryAllocationSizeIsRefused) {
  // Each buffer has its own allocation; a buffer over the limit is refused
  // even when every tensor in it is small.
  const DeviceInfo &info = device->info();
  uint64_t bytes = (info.maxMemoryAllocationSize + 256) & ~uint64_t(255);
  PlanBuilder b("oversized");
  uint32_t buf = b.buffer(BufferRole::Transient, bytes);
  b.tensor("small", TensorRole::Transient, 64, buf);
  std::string e = refusal(b.plan);
  EXPECT_NE(e.find("plan buffer 0 (transient) needs " + formatBytes(bytes)),
            std::string::npos)
      << e;
  EXPECT_NE(e.find(formatBytes(info.maxMemoryAllocationSize)),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("maxMemoryAllocationSize"), std::string::npos) << e;
}

TEST_F(RuntimeLimitsTest, PlanLargerThanTheHeapIsRefused) {
  // Buffers that each fit every per-buffer limit but together exceed the
  // heap that device-local buffers use.
  const Device::Impl &d = device->impl();
  uint64_t heap = d.memory.memoryHeaps[d.heapOf(MemoryKind::DeviceLocal)].size;
  uint64_t each = std::min<uint64_t>(device->info().maxStorageBufferRange,
                                     device->info().maxMemoryAllocationSize);
  each &= ~uint64_t(255);
  uint64_t count = heap / each + 1;
  ASSERT_LT(count, 4096u) << "test would need too many buffers";
  PlanBuilder b("huge");
  for (uint64_t i = 0; i < count; ++i) {
    uint32_t buf = b.buffer(BufferRole::Transient, each);
    b.tensor("t" + std::to_string(i), TensorRole::Transient, int64_t(each / 4),
             buf);
  }
  std::string e = refusal(b.plan);
  EXPECT_NE(e.find("plan needs"), std::string::npos) << e;
  EXPECT_NE(e.find("heap"), std::string::npos) << e;
  EXPECT_NE(e.find(formatBytes(heap)), std::string::npos) << e;
  EXPECT_NE(e.find(formatBytes(count * each)), std::string::npos) << e;
}

TEST_F(RuntimeLimitsTest, AlignmentBelowDeviceMinimumIsRefused) {
  uint32_t minAlign = device->info().minStorageBufferOffsetAlignment;
  if (minAlign < 2)
    GTEST_SKIP() << "every alignment is a multiple of " << minAlign;
  PlanBuilder b("misaligned", minAlign / 2);
  b.ioTensor("y", TensorRole::Output, 16);
  std::string e = refusal(b.plan);
  EXPECT_NE(
      e.find("minStorageBufferOffsetAlignment = " + std::to_string(minAlign)),
      std::string::npos)
      << e;
}

TEST_F(RuntimeLimitsTest, TooManyWorkgroupsAreRefused) {
  uint32_t maxX = device->impl().limits.maxComputeWorkGroupCount[0];
  if (maxX == UINT32_MAX)
    GTEST_SKIP();
  Plan plan = bigTransientPlan(256);
  plan.commands[0].groups[0] = maxX + 1;
  std::string e = refusal(plan);
  EXPECT_NE(e.find(std::to_string(maxX + 1) + " workgroups"), std::string::npos)
      << e;
  EXPECT_NE(e.find("maxComputeWorkGroupCount[0]"), std::string::npos) << e;
}

TEST_F(RuntimeLimitsTest, InvalidSpirvIsRefusedByShaderName) {
  Plan plan = bigTransientPlan(256);
  // Keep the magic number (the structural check passes) but cut the module.
  plan.shaders[0].spirv.resize(7);
  std::string e = refusal(plan);
  EXPECT_NE(e.find("shaders[0] ('unary'): invalid SPIR-V"), std::string::npos)
      << e;
}

/// Index of the first instruction with \p opcode in a SPIR-V module.
size_t findInstruction(const std::vector<uint32_t> &words, uint32_t opcode) {
  for (size_t i = 5; i < words.size() && (words[i] >> 16) != 0;
       i += words[i] >> 16)
    if ((words[i] & 0xFFFF) == opcode)
      return i;
  ADD_FAILURE() << "no instruction with opcode " << opcode;
  return 0;
}

TEST_F(RuntimeLimitsTest,
       DispatchBindingFewerTensorsThanTheShaderUsesIsRefused) {
  Plan plan = bigTransientPlan(256);
  plan.commands[0].bindings.resize(1); // unary.comp uses bindings 0 and 1
  plan.commands[0].writes.clear();
  std::string e = refusal(plan);
  EXPECT_NE(e.find("commands[0] ('unary0'): binds 1 tensors but shader "
                   "'unary' uses bindings 0..1"),
            std::string::npos)
      << e;
}

TEST_F(RuntimeLimitsTest,
       DispatchBindingMoreTensorsThanTheShaderUsesIsRefused) {
  Plan plan = bigTransientPlan(256);
  plan.commands[0].bindings.push_back(plan.commands[0].bindings[0]);
  std::string e = refusal(plan);
  EXPECT_NE(e.find("commands[0] ('unary0'): binds 3 tensors but shader "
                   "'unary' uses bindings 0..1"),
            std::string::npos)
      << e;
}

TEST_F(RuntimeLimitsTest, SpecConstantIdPastTheShadersIsRefused) {
  Plan plan = bigTransientPlan(256);
  // unary.comp declares constant ids 0..5.
  plan.commands[0].specConstants.resize(7, 0);
  std::string e = refusal(plan);
  EXPECT_NE(e.find("commands[0] ('unary0'): passes specialization constant "
                   "id 6, but shader 'unary' declares ids up to 5"),
            std::string::npos)
      << e;
}

TEST_F(RuntimeLimitsTest, SpecConstantIdTheShaderLacksIsRefused) {
  Plan plan = bigTransientPlan(256);
  // Renumber unary.comp's constant 1 (OP) to 9: id 1 becomes a gap, which a
  // plan may only pad with 0.
  std::vector<uint32_t> &words = plan.shaders[0].spirv;
  bool renumbered = false;
  for (size_t i = 5; i < words.size() && (words[i] >> 16) != 0;
       i += words[i] >> 16)
    if ((words[i] & 0xFFFF) == 71 && (words[i] >> 16) == 4 &&
        words[i + 2] == 1 && words[i + 3] == 1) { // OpDecorate SpecId 1
      words[i + 3] = 9;
      renumbered = true;
    }
  ASSERT_TRUE(renumbered);
  ASSERT_EQ(plan.commands[0].specConstants.size(), 2u);
  plan.commands[0].specConstants[1] = 5;
  std::string e = refusal(plan);
  EXPECT_NE(e.find("commands[0] ('unary0'): passes specialization constant "
                   "id 1 = 0x5, but shader 'unary' declares no constant with "
                   "that id"),
            std::string::npos)
      << e;
}

TEST_F(RuntimeLimitsTest, ShaderWithoutMainEntryPointIsRefused) {
  Plan plan = bigTransientPlan(256);
  std::vector<uint32_t> &words = plan.shaders[0].spirv;
  size_t entry = findInstruction(words, 15); // OpEntryPoint
  ASSERT_EQ(words[entry + 3], 0x6E69616Du);  // "main", little-endian
  words[entry + 3] = 0x6E69616Eu;            // "nain"
  std::string e = refusal(plan);
  EXPECT_NE(e.find("shaders[0] ('unary'): no GLCompute entry point named "
                   "'main'"),
            std::string::npos)
      << e;
}

TEST_F(RuntimeLimitsTest, WorkgroupLargerThanTheDeviceAllowsIsRefused) {
  uint32_t maxX = device->impl().limits.maxComputeWorkGroupSize[0];
  Plan plan = bigTransientPlan(256);
  std::vector<uint32_t> &words = plan.shaders[0].spirv;
  size_t mode = findInstruction(words, 16); // OpExecutionMode
  ASSERT_EQ(words[mode + 2], 17u);          // LocalSize
  ASSERT_EQ(words[mode + 3], 256u);
  words[mode + 3] = maxX + 1;
  std::string e = refusal(plan);
  EXPECT_NE(
      e.find("workgroup size " + std::to_string(maxX + 1) + " in dimension 0"),
      std::string::npos)
      << e;
  EXPECT_NE(e.find("maxComputeWorkGroupSize[0]"), std::string::npos) << e;
}

TEST_F(RuntimeLimitsTest, StructurallyBrokenPlanIsRefused) {
  Plan plan = bigTransientPlan(256);
  plan.commands[0].bindings[1] = 99;
  std::string e = refusal(plan);
  EXPECT_NE(e.find("bindings[1]"), std::string::npos) << e;
}

} // namespace
