//===- tests/unit/RuntimeCoopMatTest.cpp - Tensor-core device features ---===//
//
// VK_NV_cooperative_matrix support in the runtime: checkTensorCoreCapabilities
// on capability lists (refusals name the shader, the capability and the
// feature), enabledTensorCoreFeatures (all or nothing), and on the default
// device (lavapipe, which has no cooperative matrices) that the flag reads
// false, that the device is still created without validation messages and
// that a plan holding the embedded shaders/gemm_coopmat.comp is refused
// before anything reaches the driver.
//
//===----------------------------------------------------------------------===//
#include "RuntimeTestUtil.h"

#include "runtime/DeviceImpl.h"
#include "runtime/PhysicalDevices.h"
#include "runtime/ShaderCheck.h"
#include "spirv/EmbeddedShaders.h"

#include "llvm/ADT/SmallVector.h"

#include <string>

using namespace tlc;
using namespace tlc::testing;

namespace {

// SPIR-V 1.6 section 3.31 "Capability".
constexpr uint32_t kShader = 1, kFloat16 = 9, kGroupNonUniform = 61,
                   kStorageBuffer16BitAccess = 4433, kVulkanMemoryModel = 5345,
                   kVulkanMemoryModelDeviceScope = 5346,
                   kCooperativeMatrixNV = 5357;

TensorCoreFeatures allFeatures() {
  TensorCoreFeatures f;
  f.cooperativeMatrix = f.shaderFloat16 = f.vulkanMemoryModel =
      f.vulkanMemoryModelDeviceScope = true;
  return f;
}

bool contains(const std::string &s, const char *part) {
  return s.find(part) != std::string::npos;
}

TEST(RuntimeCoopMat, RefusesEachCapabilityWithoutItsFeature) {
  // The capabilities of build/shaders/gemm_coopmat.spv.
  llvm::SmallVector<uint32_t, 6> caps = {kShader, kFloat16, kGroupNonUniform,
                                         kVulkanMemoryModel,
                                         kCooperativeMatrixNV};
  std::string msg = errorText(checkTensorCoreCapabilities(
      caps, TensorCoreFeatures(), "shaders[2] ('gemm_coopmat')"));
  ASSERT_FALSE(msg.empty());
  // CooperativeMatrixNV is reported first, whatever the declaration order.
  EXPECT_TRUE(contains(msg, "shaders[2] ('gemm_coopmat')")) << msg;
  EXPECT_TRUE(contains(msg, "capability CooperativeMatrixNV")) << msg;
  EXPECT_TRUE(contains(msg, "feature cooperativeMatrix")) << msg;
  EXPECT_TRUE(contains(msg, "VK_NV_cooperative_matrix")) << msg;
  EXPECT_TRUE(
      contains(msg, "compile the plan with --target=gpu (no tensor cores)"))
      << msg;

  struct Case {
    uint32_t capability;
    bool TensorCoreFeatures::*feature;
    const char *capName, *featureName;
  };
  const Case cases[] = {
      {kCooperativeMatrixNV, &TensorCoreFeatures::cooperativeMatrix,
       "CooperativeMatrixNV", "cooperativeMatrix"},
      {kFloat16, &TensorCoreFeatures::shaderFloat16, "Float16",
       "shaderFloat16"},
      {kVulkanMemoryModel, &TensorCoreFeatures::vulkanMemoryModel,
       "VulkanMemoryModel", "vulkanMemoryModel"},
      {kVulkanMemoryModelDeviceScope,
       &TensorCoreFeatures::vulkanMemoryModelDeviceScope,
       "VulkanMemoryModelDeviceScope", "vulkanMemoryModelDeviceScope"},
  };
  for (const Case &c : cases) {
    TensorCoreFeatures f = allFeatures();
    f.*c.feature = false;
    std::string m = errorText(
        checkTensorCoreCapabilities({kShader, c.capability}, f, "shader x"));
    EXPECT_TRUE(contains(m, "shader x")) << c.capName << ": " << m;
    EXPECT_TRUE(contains(m, (std::string("capability ") + c.capName).c_str()))
        << m;
    EXPECT_TRUE(
        contains(m, (std::string("feature ") + c.featureName + " ").c_str()))
        << m;
    EXPECT_TRUE(contains(m, "--target=gpu (no tensor cores)")) << m;
    // Only that capability needs that feature.
    EXPECT_EQ(errorText(checkTensorCoreCapabilities({kShader}, f, "x")), "");
  }
}

TEST(RuntimeCoopMat, AcceptsWhatTheDeviceEnables) {
  llvm::SmallVector<uint32_t, 6> caps = {kShader, kFloat16, kVulkanMemoryModel,
                                         kVulkanMemoryModelDeviceScope,
                                         kCooperativeMatrixNV};
  EXPECT_EQ(errorText(checkTensorCoreCapabilities(caps, allFeatures(), "x")),
            "");
  // Device scope is needed only by shaders that declare it.
  TensorCoreFeatures noDeviceScope = allFeatures();
  noDeviceScope.vulkanMemoryModelDeviceScope = false;
  caps.erase(llvm::find(caps, kVulkanMemoryModelDeviceScope));
  EXPECT_EQ(errorText(checkTensorCoreCapabilities(caps, noDeviceScope, "x")),
            "");
  // Ordinary and fp16-storage shaders need none of the features.
  EXPECT_EQ(errorText(checkTensorCoreCapabilities(
                {kShader, kGroupNonUniform, kStorageBuffer16BitAccess},
                TensorCoreFeatures(), "x")),
            "");
  EXPECT_EQ(
      errorText(checkTensorCoreCapabilities({}, TensorCoreFeatures(), "x")),
      "");
}

TEST(RuntimeCoopMat, FeaturesAreEnabledAllOrNothing) {
  // fp16 arithmetic and the Vulkan memory model alone (lavapipe offers both)
  // are not enabled: a stray Float16 in another shader stays an error.
  DeviceInfo d;
  d.shaderFloat16 = d.vulkanMemoryModel = d.vulkanMemoryModelDeviceScope = true;
  TensorCoreFeatures f = enabledTensorCoreFeatures(d);
  EXPECT_FALSE(f.cooperativeMatrix || f.shaderFloat16 || f.vulkanMemoryModel ||
               f.vulkanMemoryModelDeviceScope);
  EXPECT_NE(errorText(checkTensorCoreCapabilities({kShader, kFloat16}, f, "x")),
            "");

  d.cooperativeMatrixNV = true;
  d.vulkanMemoryModelDeviceScope = false;
  f = enabledTensorCoreFeatures(d);
  EXPECT_TRUE(f.cooperativeMatrix && f.shaderFloat16 && f.vulkanMemoryModel);
  EXPECT_FALSE(f.vulkanMemoryModelDeviceScope);
  d.vulkanMemoryModelDeviceScope = true;
  EXPECT_TRUE(enabledTensorCoreFeatures(d).vulkanMemoryModelDeviceScope);
}

TEST(RuntimeCoopMat, ListedDevicesAreConsistent) {
  auto devices = listDevices();
  ASSERT_TRUE(bool(devices)) << llvm::toString(devices.takeError());
  for (const DeviceInfo &d : *devices) {
    if (d.cooperativeMatrixNV) {
      EXPECT_TRUE(d.shaderFloat16) << d.name;
      EXPECT_TRUE(d.vulkanMemoryModel) << d.name;
    }
    if (d.vulkanMemoryModelDeviceScope) {
      EXPECT_TRUE(d.vulkanMemoryModel) << d.name;
    }
  }
}

TEST(RuntimeCoopMat, DefaultDeviceWithoutCoopMatRefusesTensorCoreShaders) {
  std::unique_ptr<Device> device = makeTestDevice();
  ASSERT_TRUE(device);
  const DeviceInfo &info = device->info();
  if (info.type != "cpu")
    GTEST_SKIP() << "default device " << info.name
                 << " is not a CPU implementation (lavapipe)";
  EXPECT_FALSE(info.cooperativeMatrixNV) << info.name;
  EXPECT_EQ(device->counters().validationMessages, 0u);

  const EmbeddedShader *s = findEmbeddedShader("gemm_coopmat");
  ASSERT_NE(s, nullptr) << "shaders/gemm_coopmat.comp is not embedded";
  Plan plan;
  plan.modelName = "coopmat";
  PlanShader shader;
  shader.name = "gemm_coopmat";
  shader.spirv.assign(s->words, s->words + s->numWords);
  plan.shaders.push_back(std::move(shader));
  std::string msg =
      errorText(checkPlanShaders(plan, device->impl().limits, info));
  EXPECT_TRUE(contains(msg, "shaders[0] ('gemm_coopmat')")) << msg;
  EXPECT_TRUE(contains(msg, "CooperativeMatrixNV")) << msg;
  EXPECT_TRUE(contains(msg, "--target=gpu (no tensor cores)")) << msg;

  // The device still runs ordinary plans (RuntimeTestUtil's unary plan).
  PlanBuilder b("still-works");
  uint32_t x = b.ioTensor("x", TensorRole::Input, 4);
  uint32_t y = b.ioTensor("y", TensorRole::Output, 4);
  b.unary(UnaryOpCode::Relu, x, y, 0);
  EXPECT_EQ(errorText(checkPlanShaders(b.plan, device->impl().limits, info)),
            "");
}

} // namespace
