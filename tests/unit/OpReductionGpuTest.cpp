//===- tests/unit/OpReductionGpuTest.cpp - Subgroup reductions ------------===//
//
// LayerNormalization, Softmax (LogSoftmax, Hardmax), GlobalAveragePool and
// the Reduce* ops (large boxes) compiled for the "gpu" profile use the
// subgroup builds of their shaders (layernorm_subgroup, softmax_subgroup,
// global_avgpool_subgroup, reduce_subgroup: subgroupAdd / subgroupMax /
// subgroupMin / subgroupMul). They must match the ops' naive CPU references
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
#include <cmath>

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
                     "reduce_subgroup");
  }
  {
    Attributes a;
    a.values["axes"] = std::vector<int64_t>{-1};
    a.values["keepdims"] = int64_t(0);
    expectGpuMatches("ReduceMean", a,
                     {{tt::randomTensor({64, 7}, 12)}}, "reduce");
  }
}

TEST(OpReductionGpu, EveryReductionMatchesReference) {
  // Each Reduce* op, as a small box (one invocation per output, "reduce")
  // and as a large strided box (a workgroup per output, "reduce_subgroup"),
  // against its f64 CPU reference. Inputs keep each op finite: LogSum
  // needs positive sums, Prod factors near 1 over 660 elements.
  for (const char *op :
       {"ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd",
        "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp",
        "ReduceSumSquare"}) {
    SCOPED_TRACE(op);
    StringRef name(op);
    float lo = name == "ReduceProd" ? 0.9f : name == "ReduceLogSum" ? 0.1f
                                                                    : -3.0f;
    float hi = name == "ReduceProd" ? 1.1f : 2.0f;
    Attributes wide;
    wide.values["axes"] = std::vector<int64_t>{1, 2};
    expectGpuMatches(op, wide, {{tt::randomTensor({2, 33, 20, 3}, 21, lo, hi)}},
                     "reduce_subgroup");
    Attributes narrow;
    narrow.values["axes"] = std::vector<int64_t>{-1};
    narrow.values["keepdims"] = int64_t(0);
    expectGpuMatches(op, narrow, {{tt::randomTensor({64, 7}, 22, lo, hi)}},
                     "reduce");
  }
}

TEST(OpReductionGpu, LogSoftmaxAndHardmaxMatchReference) {
  // Hardmax on small integers: rows with ties, where only the first
  // maximum is 1.
  HostTensor ties = tt::randomTensor({5, 70}, 23, 0.0f, 4.0f);
  for (float &v : ties.f32())
    v = std::floor(v);
  for (int64_t axis : {int64_t(-1), int64_t(0)}) {
    Attributes a;
    a.values["axis"] = axis;
    expectGpuMatches("Hardmax", a, {{ties}}, "softmax_subgroup");
    expectGpuMatches("LogSoftmax", a,
                     {{tt::randomTensor({5, 70}, 24, -30.0f, 30.0f)}},
                     "softmax_subgroup");
  }
}

TEST(OpReductionGpu, LayerNormMeanAndInvStdDevMatchNaiveStatistics) {
  // LayerNormalization listing Mean and InvStdDev (3x5x300, axis 1: rows of
  // 1500, the subgroup build on "gpu"; axis -1 on "cpu"), against the
  // statistics computed here in f64.
  for (const char *target : {"gpu", "cpu"}) {
    SCOPED_TRACE(target);
    int64_t axis = StringRef(target) == "gpu" ? 1 : -1;
    HostTensor x = tt::randomTensor({3, 5, 300}, 26, -2.0f, 5.0f);
    int64_t cols = axis == 1 ? 1500 : 300, rows = 4500 / cols;
    Attributes a;
    a.values["axis"] = axis;
    a.values["epsilon"] = 1e-3;
    std::vector<OpOperand> ops = {
        {x}, {tt::randomTensor({cols}, 27), true},
        {tt::randomTensor({cols}, 28), true}};
    if (axis == 1) {
      ops[1].tensor.type.shape = {5, 300};
      ops[2].tensor.type.shape = {5, 300};
    }
    Expected<Graph> g = tt::buildOneNodeGraph("LayerNormalization", a, ops);
    ASSERT_TRUE(bool(g)) << toString(g.takeError());
    for (const char *name : {"mean", "inv_std_dev"}) {
      Value v;
      v.name = name;
      ValueId id = cantFail(g->addValue(std::move(v)));
      g->nodes[0].outputs.push_back(id);
      g->outputs.push_back(id);
    }
    g->reindex();
    CompileOptions copts;
    copts.target = cantFail(kernelTargetByName(target));
    Expected<Plan> plan = compileGraph(std::move(*g), copts);
    ASSERT_TRUE(bool(plan)) << toString(plan.takeError());
    auto outs = tt::runPlanOnDevice(*plan, ops);
    ASSERT_TRUE(bool(outs)) << toString(outs.takeError());
    ASSERT_EQ(outs->size(), 3u);
    Shape stat = axis == 1 ? Shape{3, 1, 1} : Shape{3, 5, 1};
    EXPECT_EQ((*outs)[1].type.shape, stat);
    EXPECT_EQ((*outs)[2].type.shape, stat);
    for (int64_t r = 0; r < rows; ++r) {
      double mean = 0, var = 0;
      for (int64_t c = 0; c < cols; ++c)
        mean += x.f32()[r * cols + c];
      mean /= double(cols);
      for (int64_t c = 0; c < cols; ++c)
        var += std::pow(x.f32()[r * cols + c] - mean, 2);
      var /= double(cols);
      EXPECT_NEAR((*outs)[1].f32()[r], mean, 1e-5) << r;
      EXPECT_NEAR((*outs)[2].f32()[r], 1.0 / std::sqrt(var + 1e-3), 1e-5) << r;
    }
  }
}

TEST(OpReductionGpu, TriluMatchesReference) {
  // Upper and lower, diagonals inside, at and past the matrix, as an
  // attribute and as a constant input (moved into the attribute).
  HostTensor x = tt::randomTensor({2, 3, 5, 7}, 29);
  for (int64_t upper : {0, 1})
    for (int64_t k : {-6, -1, 0, 2, 9}) {
      Attributes a;
      a.values["upper"] = upper;
      tt::expectDeviceMatchesReference("Trilu", a,
                                       {{x}, {tt::ints({1}, {k}), true}});
    }
  // By hand: 3x3 ones, lower with k = -1 keeps the 3 elements below the
  // diagonal.
  HostTensor ones(TensorType{DType::F32, {3, 3}});
  tt::assignF32(ones, {1, 1, 1, 1, 1, 1, 1, 1, 1});
  Attributes lower;
  lower.values["upper"] = int64_t(0);
  lower.values["k"] = int64_t(-1);
  auto r = tt::runReference("Trilu", lower, {{ones}});
  ASSERT_TRUE(bool(r)) << toString(r.takeError());
  EXPECT_EQ((*r)[0].f32().vec(),
            (std::vector<float>{0, 0, 0, 1, 0, 0, 1, 1, 0}));
  EXPECT_NE(tt::shapeRule("Trilu", Attributes(), {tt::f32({4})})
                .find("rank >= 2"),
            std::string::npos);
}

TEST(OpReductionGpu, ArgMaxAndArgMinMatchReference) {
  // Small integers in f32, so rows hold ties: the first index, or the last
  // with select_last_index; along an inner and the outer axis.
  HostTensor x = tt::randomTensor({4, 9, 5}, 31, 0.0f, 3.0f);
  for (float &v : x.f32())
    v = std::floor(v);
  for (const char *op : {"ArgMax", "ArgMin"})
    for (int64_t axis : {1, 0, -1})
      for (int64_t last : {0, 1}) {
        SCOPED_TRACE(std::string(op) + " axis " + std::to_string(axis) +
                     " last " + std::to_string(last));
        Attributes a;
        a.values["axis"] = axis;
        a.values["select_last_index"] = last;
        a.values["keepdims"] = int64_t(axis == 0);
        auto ref = tt::runReference(op, a, {{x}});
        auto dev = tt::runOnDevice(op, a, {{x}});
        ASSERT_TRUE(ref && dev);
        ASSERT_EQ((*dev)[0].type, (*ref)[0].type);
        EXPECT_EQ((*dev)[0].type.dtype, DType::I64);
        for (int64_t i = 0; i < (*ref)[0].numElements(); ++i)
          ASSERT_EQ((*dev)[0].intAt(i), (*ref)[0].intAt(i)) << i;
      }
  // By hand: [3, 1, 3, 0] has its max first at 0 and last at 2, its min at 3.
  HostTensor row(TensorType{DType::F32, {4}});
  tt::assignF32(row, {3, 1, 3, 0});
  Attributes first, lastIdx;
  lastIdx.values["select_last_index"] = int64_t(1);
  EXPECT_EQ((*tt::runReference("ArgMax", first, {{row}}))[0].intAt(0), 0);
  EXPECT_EQ((*tt::runReference("ArgMax", lastIdx, {{row}}))[0].intAt(0), 2);
  EXPECT_EQ((*tt::runReference("ArgMin", first, {{row}}))[0].intAt(0), 3);
}

TEST(OpReduction, ReferencesMatchHandComputedValues) {
  // x = [[1, 2, 3], [4, 5, 6]] reduced along axis 1.
  HostTensor x(TensorType{DType::F32, {2, 3}});
  tt::assignF32(x, {1, 2, 3, 4, 5, 6});
  Attributes a;
  a.values["axes"] = std::vector<int64_t>{1};
  a.values["keepdims"] = int64_t(0);
  auto expect = [&](const char *op, std::vector<float> want) {
    auto r = tt::runReference(op, a, {{x}});
    ASSERT_TRUE(bool(r)) << toString(r.takeError());
    ASSERT_EQ((*r)[0].numElements(), 2);
    for (int i = 0; i < 2; ++i)
      EXPECT_NEAR((*r)[0].f32()[i], want[i], 1e-5f * std::fabs(want[i]))
          << op << " " << i;
  };
  expect("ReduceSum", {6, 15});
  expect("ReduceMean", {2, 5});
  expect("ReduceMax", {3, 6});
  expect("ReduceMin", {1, 4});
  expect("ReduceProd", {6, 120});
  expect("ReduceL1", {6, 15});
  expect("ReduceL2", {3.7416574f, 8.7749644f});       // sqrt(14), sqrt(77)
  expect("ReduceSumSquare", {14, 77});
  expect("ReduceLogSum", {1.7917595f, 2.7080502f});   // log 6, log 15
  expect("ReduceLogSumExp", {3.4076059f, 6.4076059f}); // 3 + log(1+e^-1+e^-2)
  // Integers fold (shape arithmetic): the product of [2, 3, 4] is 24.
  Attributes all;
  auto p = tt::runReference("ReduceProd", all,
                            {{tt::ints({3}, {2, 3, 4}), true}});
  ASSERT_TRUE(bool(p)) << toString(p.takeError());
  EXPECT_EQ((*p)[0].type.dtype, DType::I64);
  EXPECT_EQ((*p)[0].intAt(0), 24);
}

TEST(OpReduction, AxesInputAndNoop) {
  // ReduceSum's axes as input 1; no axes with noop_with_empty_axes = 1
  // leaves the input as it is; the same axes twice are refused.
  HostTensor x = tt::randomTensor({3, 4}, 25);
  auto r = tt::runReference("ReduceSum", Attributes(),
                            {{x}, {tt::ints({1}, {-1}), true}});
  ASSERT_TRUE(bool(r)) << toString(r.takeError());
  ASSERT_EQ((*r)[0].type.shape, (Shape{3, 1}));
  for (int i = 0; i < 3; ++i) {
    double sum = 0;
    for (int j = 0; j < 4; ++j)
      sum += x.f32()[i * 4 + j];
    EXPECT_NEAR((*r)[0].f32()[i], sum, 1e-5);
  }
  Attributes noop;
  noop.values["noop_with_empty_axes"] = int64_t(1);
  auto n = tt::runReference("ReduceSum", noop, {{x}});
  ASSERT_TRUE(bool(n)) << toString(n.takeError());
  EXPECT_EQ((*n)[0].type.shape, x.type.shape);
  EXPECT_EQ(tt::maxAbsDiff((*n)[0], x), 0.0);
  Attributes twice;
  twice.values["axes"] = std::vector<int64_t>{1, -1};
  auto t = tt::runReference("ReduceMax", twice, {{x}});
  ASSERT_FALSE(bool(t));
  EXPECT_NE(toString(t.takeError()).find("axes lists dim 1 twice"),
            std::string::npos);
  // noop_with_empty_axes is ReduceSum's alone in opset 17.
  auto u = tt::runReference("ReduceMax", noop, {{x}});
  ASSERT_FALSE(bool(u));
  EXPECT_NE(toString(u.takeError()).find("noop_with_empty_axes"),
            std::string::npos);
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
                         "reduce_subgroup", "global_avgpool_subgroup"}) {
    auto caps = capabilitiesOf(name);
    EXPECT_TRUE(is_contained(caps, kGroupNonUniformArithmetic)) << name.str();
  }
  for (StringRef name :
       {"layernorm", "softmax", "reduce", "global_avgpool"}) {
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
