//===- tests/unit/OpReductionGpuTest.cpp - Subgroup reductions ------------===//
//
// LayerNormalization, Softmax, GlobalAveragePool and ReduceMean (large
// boxes) compiled for the "gpu" profile use the subgroup builds of their
// shaders (layernorm_subgroup, softmax_subgroup, global_avgpool_subgroup,
// reduce_mean_subgroup: subgroupAdd / subgroupMax). They must match the ops' naive CPU references
// on any device with subgroup arithmetic, lavapipe included, for row
// lengths below, at and above the workgroup size and not multiples of any
// subgroup size. Also: the runtime's capability check refuses such shaders
// on a device without subgroup arithmetic, with an error naming the shader
// and the capability.
//
//===----------------------------------------------------------------------===//
#include "OpTestUtil.h"

#include "driver/Pipeline.h"
#include "runtime/ShaderCheck.h"
#include "spirv/EmbeddedShaders.h"

#include <gtest/gtest.h>

#include <algorithm>

using namespace llvm;
using namespace tlc;
namespace tt = tlc::testing;
using tt::OpOperand;

namespace {

/// Compiles the one-node graph for the "gpu" profile, checks that its one
/// dispatch uses \p shader, runs it and compares with the CPU reference.
void expectGpuMatches(StringRef op, const Attributes &attrs,
                      const std::vector<OpOperand> &operands,
                      StringRef shader) {
  auto ref = tt::runReference(op, attrs, operands);
  ASSERT_TRUE(bool(ref)) << toString(ref.takeError());
  Expected<Graph> g = tt::buildOneNodeGraph(op, attrs, operands);
  ASSERT_TRUE(bool(g)) << toString(g.takeError());
  CompileOptions copts;
  Expected<KernelTarget> target = kernelTargetByName("gpu");
  ASSERT_TRUE(bool(target)) << toString(target.takeError());
  copts.target = *target;
  Expected<Plan> plan = compileGraph(std::move(*g), copts);
  ASSERT_TRUE(bool(plan)) << toString(plan.takeError());
  unsigned uses = 0;
  for (const PlanCommand &c : plan->commands)
    if (c.kind == CommandKind::Dispatch &&
        plan->shaders[c.shader].name == shader)
      ++uses;
  EXPECT_EQ(uses, 1u) << op.str() << " should dispatch " << shader.str();
  auto outs = tt::runPlanOnDevice(*plan, operands);
  ASSERT_TRUE(bool(outs)) << toString(outs.takeError());
  ASSERT_EQ(outs->size(), 1u);
  EXPECT_LE(tt::relativeL2((*outs)[0], (*ref)[0]), tt::kTolerance)
      << op.str() << " max abs diff " << tt::maxAbsDiff((*outs)[0], (*ref)[0]);
}

TEST(OpReductionGpu, LayerNormSubgroupMatchesReference) {
  // Row lengths: 1, below a subgroup, not a multiple of 32, the workgroup
  // size, GPT-2's 768 and one well above (several elements per invocation).
  for (int64_t cols : {1, 7, 45, 128, 768, 5001}) {
    Attributes a;
    a.values["axis"] = int64_t(-1);
    a.values["epsilon"] = 1e-5;
    uint32_t seed = uint32_t(cols);
    expectGpuMatches("LayerNormalization", a,
                     {{tt::randomTensor({3, cols}, seed, -2.0f, 3.0f)},
                      {tt::randomTensor({cols}, seed + 1), true},
                      {tt::randomTensor({cols}, seed + 2), true}},
                     "layernorm_subgroup");
  }
}

TEST(OpReductionGpu, SoftmaxSubgroupMatchesReference) {
  struct Case {
    Shape shape;
    int64_t axis;
  };
  // Last axis (GPT-2's scores), an inner axis (strided rows), a row of one
  // element and rows longer than the workgroup.
  for (const Case &c : {Case{{2, 12, 128}, -1}, Case{{4, 33, 5}, 1},
                        Case{{6, 1}, -1}, Case{{2, 1000}, -1}}) {
    Attributes a;
    a.values["axis"] = c.axis;
    expectGpuMatches("Softmax", a,
                     {{tt::randomTensor(c.shape, 7, -8.0f, 8.0f)}},
                     "softmax_subgroup");
  }
}

TEST(OpReductionGpu, ReduceMeanWideBoxesUseSubgroups) {
  // A spatial mean (box 33x20 = 660 elements, strided: the reduced dims are
  // not innermost) takes the workgroup-per-output build; a small box keeps
  // one invocation per output.
  {
    Attributes a;
    a.values["axes"] = std::vector<int64_t>{1, 2};
    a.values["keepdims"] = int64_t(1);
    expectGpuMatches("ReduceMean", a,
                     {{tt::randomTensor({2, 33, 20, 3}, 11, -1.0f, 2.0f)}},
                     "reduce_mean_subgroup");
  }
  {
    Attributes a;
    a.values["axes"] = std::vector<int64_t>{-1};
    a.values["keepdims"] = int64_t(0);
    expectGpuMatches("ReduceMean", a,
                     {{tt::randomTensor({64, 7}, 12)}}, "reduce_mean");
  }
}

TEST(OpReductionGpu, GlobalAveragePoolSubgroupMatchesReference) {
  for (Shape s : {Shape{1, 5, 7, 7}, Shape{2, 3, 40, 31}, Shape{1, 2, 1, 1}})
    expectGpuMatches("GlobalAveragePool", Attributes(),
                     {{tt::randomTensor(s, 13, -1.0f, 3.0f)}},
                     "global_avgpool_subgroup");
}

TEST(OpReductionGpu, CpuProfileKeepsSharedMemoryReductions) {
  // The "cpu" profile must not depend on subgroup arithmetic.
  Expected<KernelTarget> cpu = kernelTargetByName("cpu");
  ASSERT_TRUE(bool(cpu));
  EXPECT_FALSE(cpu->subgroupArithmetic);
  Expected<KernelTarget> gpu = kernelTargetByName("gpu");
  ASSERT_TRUE(bool(gpu));
  EXPECT_TRUE(gpu->subgroupArithmetic);
}

/// Capabilities the embedded module \p name declares.
SmallVector<uint32_t, 8> capabilitiesOf(StringRef name) {
  const EmbeddedShader *s = findEmbeddedShader(name);
  EXPECT_NE(s, nullptr) << name.str();
  if (!s)
    return {};
  auto iface = readShaderInterface(ArrayRef(s->words, s->numWords), name);
  EXPECT_TRUE(bool(iface)) << toString(iface.takeError());
  return iface ? iface->capabilities : SmallVector<uint32_t, 8>{};
}

constexpr uint32_t kGroupNonUniformArithmetic = 63; // SPIR-V 1.6, 3.31

TEST(ShaderCapabilities, SubgroupBuildsDeclareArithmetic) {
  for (StringRef name : {"layernorm_subgroup", "softmax_subgroup",
                         "reduce_mean_subgroup", "global_avgpool_subgroup"}) {
    auto caps = capabilitiesOf(name);
    EXPECT_TRUE(is_contained(caps, kGroupNonUniformArithmetic)) << name.str();
  }
  for (StringRef name :
       {"layernorm", "softmax", "reduce_mean", "global_avgpool"}) {
    auto caps = capabilitiesOf(name);
    EXPECT_FALSE(is_contained(caps, kGroupNonUniformArithmetic)) << name.str();
  }
}

TEST(ShaderCapabilities, DeviceWithoutArithmeticIsRefused) {
  auto caps = capabilitiesOf("layernorm_subgroup");
  uint32_t basic = VK_SUBGROUP_FEATURE_BASIC_BIT;
  uint32_t all = basic | VK_SUBGROUP_FEATURE_ARITHMETIC_BIT;
  EXPECT_FALSE(bool(checkShaderCapabilities(caps, all,
                                            VK_SHADER_STAGE_COMPUTE_BIT,
                                            "shaders[0] ('layernorm_subgroup')")));
  Error e = checkShaderCapabilities(caps, basic, VK_SHADER_STAGE_COMPUTE_BIT,
                                    "shaders[0] ('layernorm_subgroup')");
  ASSERT_TRUE(bool(e));
  std::string msg = toString(std::move(e));
  EXPECT_NE(msg.find("shaders[0] ('layernorm_subgroup')"), std::string::npos)
      << msg;
  EXPECT_NE(msg.find("GroupNonUniformArithmetic"), std::string::npos) << msg;
  EXPECT_NE(msg.find("--target=cpu"), std::string::npos) << msg;
  // Subgroups only in fragment shaders: refused as well.
  Error f = checkShaderCapabilities(caps, all, VK_SHADER_STAGE_FRAGMENT_BIT,
                                    "s");
  ASSERT_TRUE(bool(f));
  EXPECT_NE(toString(std::move(f)).find("compute"), std::string::npos);
  // The shared-memory build needs nothing.
  EXPECT_FALSE(bool(checkShaderCapabilities(capabilitiesOf("layernorm"), 0, 0,
                                            "s")));
}

} // namespace
