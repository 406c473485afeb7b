//===- tests/unit/OpFusedConvTest.cpp - FusedConv and the conv kernels ----===//
//
// FusedConv's shape rule and CPU reference (against Conv + Add + activation
// evaluated by their own references), and every conv kernel on the device
// against the CPU reference: the "cpu" profile's direct shader and the
// "gpu" profile's implicit-GEMM and depthwise shaders (which run, slower,
// on lavapipe too), on odd sizes that leave partial tiles, several K steps,
// strides, pads, dilations, groups, channel multipliers, every activation,
// and a residual Z that is a graph input or an intermediate written in
// place. Tolerance: relative L2 <= 1e-5.
//
//===----------------------------------------------------------------------===//
#include "ConvTestUtil.h"
#include "OpTestUtil.h"

#include "ops/ConvKernel.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

using namespace llvm;
using namespace tlc;
namespace tt = tlc::testing;

namespace {

struct ConvCase {
  Shape x, w;
  std::vector<int64_t> strides, pads, dilations;
  int64_t group;
};

Attributes attrsOf(const ConvCase &c) {
  Attributes a;
  a.values["strides"] = c.strides;
  a.values["pads"] = c.pads;
  a.values["dilations"] = c.dilations;
  a.values["group"] = c.group;
  return a;
}

// Shapes chosen to cover the kernels' edges: partial tiles in both
// dimensions, K not a multiple of 16, several K steps, 1x1, big kernels
// with stride 2, groups, depthwise with a channel multiplier.
const ConvCase kCases[] = {
    {{2, 3, 13, 7}, {5, 3, 3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}, 1},
    {{1, 67, 9, 11}, {70, 67, 3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}, 1},
    {{1, 96, 20, 20}, {128, 96, 1, 1}, {1, 1}, {0, 0, 0, 0}, {1, 1}, 1},
    {{1, 3, 30, 30}, {16, 3, 7, 7}, {2, 2}, {3, 3, 3, 3}, {1, 1}, 1},
    {{3, 5, 9, 11}, {4, 5, 3, 2}, {2, 3}, {0, 2, 1, 1}, {2, 1}, 1},
    {{1, 6, 9, 11}, {9, 2, 3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}, 3},
    {{1, 40, 7, 7}, {40, 1, 5, 5}, {1, 1}, {2, 2, 2, 2}, {1, 1}, 40},
    {{2, 4, 7, 13}, {8, 1, 3, 3}, {1, 2}, {2, 2, 2, 2}, {2, 2}, 4},
    {{1, 32, 15, 15}, {32, 1, 3, 3}, {2, 2}, {1, 1, 1, 1}, {1, 1}, 32},
    // Outputs large enough for the 64 x 64 and 32 x 64 tiles of the
    // implicit GEMM (the cases above take its small-output variant).
    {{1, 5, 96, 96}, {40, 5, 3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}, 1},
    {{1, 3, 100, 100}, {20, 3, 3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}, 1},
};

TEST(OpFusedConv, ShapeRuleErrors) {
  auto bad = [&](const Attributes &a, std::vector<TensorType> in,
                 StringRef expectedPart) {
    std::string msg = tt::shapeRule("FusedConv", a, std::move(in));
    EXPECT_NE(msg.find(expectedPart.str()), std::string::npos)
        << "message: '" << msg << "', expected to contain '"
        << expectedPart.str() << "'";
  };
  TensorType x = tt::f32({1, 4, 8, 8}), w = tt::f32({6, 4, 3, 3}),
             b = tt::f32({6}), z = tt::f32({1, 6, 6, 6});
  Attributes none;
  EXPECT_EQ(tt::shapeRule("FusedConv", none, {x, w, b, z}), "");
  bad(none, {x}, "expected 2 to 4 inputs");
  bad(none, {x, w, b, tt::f32({1, 6, 6, 5})}, "Z is 1x6x6x5xf32");
  bad(none, {x, w, b, TensorType{DType::I64, z.shape}}, "only f32");
  Attributes a;
  a.values["activation"] = std::string("Tanh");
  bad(a, {x, w}, "'activation' is 'Tanh'");
  a.values["activation"] = std::string("Clip");
  a.values["activation_params"] = std::vector<double>{1.0};
  bad(a, {x, w}, "Clip takes 2 activation_params, got 1");
  a = Attributes();
  a.values["activation_params"] = std::vector<double>{1.0, 2.0};
  bad(a, {x, w}, "without an 'activation'");
  a = Attributes();
  a.values["activation"] = int64_t(1);
  bad(a, {x, w}, "activation");
  a = Attributes();
  a.values["fused"] = int64_t(1);
  bad(a, {x, w}, "unknown attribute 'fused'");
}

/// Activation attributes and, independently, the same activation as an
/// ONNX node (op name, attributes, extra constant inputs).
struct ActCase {
  const char *name;
  std::vector<double> params;
};
const ActCase kActs[] = {{"", {}},
                         {"Relu", {}},
                         {"Sigmoid", {}},
                         {"HardSwish", {}},
                         {"HardSigmoid", {0.25, 0.375}},
                         {"Clip", {-0.25, 0.5}}};

Attributes withActivation(Attributes a, const ActCase &act) {
  if (*act.name)
    a.values["activation"] = std::string(act.name);
  if (!act.params.empty())
    a.values["activation_params"] = act.params;
  return a;
}

/// Conv -> Add(Z) -> activation as separate ONNX nodes.
Graph unfusedGraph(const ConvCase &c, const ActCase &act, bool withZ,
                   const HostTensor &w, const HostTensor &b, Shape yShape) {
  tt::GraphBuilder gb;
  ValueId x = gb.input("x", c.x);
  std::optional<ValueId> z;
  if (withZ)
    z = gb.input("z", yShape);
  ValueId y = gb.node("Conv", {x, gb.weight("w", w), gb.weight("b", b)}, "conv",
                      attrsOf(c));
  if (z)
    y = gb.node("Add", {y, *z}, "add");
  StringRef name = act.name;
  if (name == "HardSigmoid") {
    Attributes a;
    a.values["alpha"] = act.params[0];
    a.values["beta"] = act.params[1];
    y = gb.node("HardSigmoid", {y}, "act", a);
  } else if (name == "Clip") {
    ValueId lo = gb.weight("lo", tt::tensor({}, {float(act.params[0])}));
    ValueId hi = gb.weight("hi", tt::tensor({}, {float(act.params[1])}));
    y = gb.node("Clip", {y, lo, hi}, "act");
  } else if (!name.empty()) {
    y = gb.node(name.str(), {y}, "act");
  }
  gb.output(y);
  return gb.take();
}

TEST(OpFusedConv, ReferenceEqualsConvAddActivation) {
  const ConvCase &c = kCases[0];
  HostTensor w = tt::randomTensor(c.w, 1), b = tt::randomTensor({c.w[0]}, 2);
  HostTensor x = tt::randomTensor(c.x, 3);
  Shape yShape = {2, 5, 13, 7};
  HostTensor z = tt::randomTensor(yShape, 4);
  for (const ActCase &act : kActs) {
    auto fused = tt::runReference("FusedConv", withActivation(attrsOf(c), act),
                                  {{x}, {w, true}, {b, true}, {z}});
    ASSERT_TRUE(bool(fused)) << toString(fused.takeError());
    auto unfused =
        tt::runGraphReference(unfusedGraph(c, act, true, w, b, yShape), {x, z});
    ASSERT_TRUE(bool(unfused)) << toString(unfused.takeError());
    EXPECT_LE(tt::maxAbsDiff((*fused)[0], (*unfused)[0]), 1e-6) << act.name;
  }
}

TEST(OpFusedConv, ReferenceMatchesHandComputed) {
  // 1x1 conv, weight 2, bias -1, Z added, then each activation on
  // v = 2x - 1 + z.
  HostTensor x = tt::tensor({1, 1, 1, 4}, {-2, 0, 0.5, 3});
  HostTensor z = tt::tensor({1, 1, 1, 4}, {1, 0.25, 0, -10});
  std::vector<float> v = {-4, -0.75, 0, -5};
  auto run = [&](const ActCase &act) {
    auto y = tt::runReference("FusedConv", withActivation(Attributes(), act),
                              {{x},
                               {tt::tensor({1, 1, 1, 1}, {2}), true},
                               {tt::tensor({1}, {-1}), true},
                               {z}});
    EXPECT_TRUE(bool(y));
    return y ? (*y)[0].f32() : std::vector<float>();
  };
  EXPECT_EQ(run({"", {}}), v);
  EXPECT_EQ(run({"Relu", {}}), (std::vector<float>{0, 0, 0, 0}));
  EXPECT_EQ(run({"Clip", {-1, 0.5}}), (std::vector<float>{-1, -0.75, 0, -1}));
  std::vector<float> hs = run({"HardSigmoid", {0.25, 0.5}});
  EXPECT_FLOAT_EQ(hs[0], 0.0f);    // 0.25*-4 + 0.5 = -0.5 -> 0
  EXPECT_FLOAT_EQ(hs[1], 0.3125f); // 0.25*-0.75 + 0.5
  std::vector<float> sw = run({"HardSwish", {}});
  EXPECT_FLOAT_EQ(sw[1], -0.75f * (-0.75f / 6 + 0.5f));
  EXPECT_FLOAT_EQ(sw[3], 0.0f);
  std::vector<float> sg = run({"Sigmoid", {}});
  EXPECT_FLOAT_EQ(sg[2], 0.5f);
  EXPECT_NEAR(sg[0], 1.0 / (1.0 + std::exp(4.0)), 1e-7);
}

/// How many device runs used conv2d_igemm [0] and conv2d_igemm_small [1].
size_t igemmUses[2] = {0, 0};

/// Runs the FusedConv of case \p c with \p act (and a residual Z when
/// \p withZ) for \p target on the device, against the unfused graph's
/// reference. Z is an intermediate (an input times 1) so that the compiler
/// may write Y over it in place.
void expectFusedMatches(const ConvCase &c, const ActCase &act, bool withZ,
                        StringRef target, uint32_t seed) {
  HostTensor w = tt::randomTensor(c.w, seed),
             b = tt::randomTensor({c.w[0]}, seed + 1);
  HostTensor x = tt::randomTensor(c.x, seed + 2);
  std::vector<TensorType> outTypes;
  ASSERT_EQ(tt::shapeRule("Conv", attrsOf(c), {tt::f32(c.x), tt::f32(c.w)},
                          &outTypes),
            "");
  Shape yShape = outTypes[0].shape;
  HostTensor z = tt::randomTensor(yShape, seed + 3);
  Graph unfused = unfusedGraph(c, act, withZ, w, b, yShape);
  std::vector<HostTensor> inputs = {x};
  if (withZ)
    inputs.push_back(z);
  auto ref = tt::runGraphReference(unfused, inputs);
  ASSERT_TRUE(bool(ref)) << toString(ref.takeError());

  tt::GraphBuilder gb;
  ValueId xv = gb.input("x", c.x);
  std::vector<ValueId> ins = {xv, gb.weight("w", w), gb.weight("b", b)};
  if (withZ) {
    // Mul by 1: an intermediate tensor equal to z (a view would not do:
    // Reshape shares the input's memory, which is not transient).
    ValueId zin = gb.input("z", yShape);
    ValueId one = gb.weight("one", tt::tensor({}, {1.0f}));
    ins.push_back(gb.node("Mul", {zin, one}, "z1"));
  }
  gb.output(gb.node("FusedConv", ins, "y", withActivation(attrsOf(c), act)));
  Plan plan;
  auto dev = tt::runGraphOnDevice(gb.take(), target, inputs, &plan);
  ASSERT_TRUE(bool(dev)) << toString(dev.takeError());
  EXPECT_LE(tt::relativeL2((*dev)[0], (*ref)[0]), tt::kTolerance)
      << target.str() << " x " << tt::f32(c.x).str() << " w "
      << tt::f32(c.w).str() << " act '" << act.name << "' z " << withZ;
  bool depthwise = c.w[1] == 1;
  if (target == "cpu") {
    EXPECT_EQ(tt::countDispatches(plan, "conv2d"), 1u);
  } else if (depthwise) {
    EXPECT_EQ(tt::countDispatches(plan, "conv2d_depthwise"), 1u);
  } else {
    size_t big = tt::countDispatches(plan, "conv2d_igemm"),
           small = tt::countDispatches(plan, "conv2d_igemm_small");
    EXPECT_EQ(big + small, 1u);
    ++igemmUses[small ? 1 : 0];
  }
}

TEST(OpFusedConv, DeviceKernelsMatchReference) {
  uint32_t seed = 100;
  for (const char *target : {"cpu", "gpu"})
    for (const ConvCase &c : kCases) {
      // Every case plain and with a residual; activations rotate.
      const ActCase &act = kActs[seed % std::size(kActs)];
      expectFusedMatches(c, kActs[0], false, target, seed);
      expectFusedMatches(c, act, true, target, seed + 10);
      seed += 20;
    }
  // The cases reach both implicit-GEMM shaders.
  EXPECT_GT(igemmUses[0], 0u);
  EXPECT_GT(igemmUses[1], 0u);
}

TEST(OpFusedConv, DeviceEveryActivation) {
  for (const char *target : {"cpu", "gpu"})
    for (const ActCase &act : kActs) {
      expectFusedMatches(kCases[1], act, true, target, 7);  // implicit GEMM
      expectFusedMatches(kCases[7], act, false, target, 8); // depthwise
    }
}

TEST(OpFusedConv, IgemmTilesFollowTheShape) {
  // Large maps keep 64x64 tiles; 7x7 maps (49 pixels) drop to 32-wide
  // pixel tiles so that 512 channels still give >= 32 workgroups.
  IgemmTile big = pickIgemmTile(256, 56 * 56, 1);
  EXPECT_EQ(big.bm, 64u);
  EXPECT_EQ(big.bn, 64u);
  IgemmTile small = pickIgemmTile(512, 49, 1);
  EXPECT_EQ(small.bm, 32u);
  EXPECT_EQ(small.bn, 32u);
  IgemmTile narrow = pickIgemmTile(16, 112 * 112, 1);
  EXPECT_EQ(narrow.bm, 32u);
  EXPECT_EQ(narrow.bn, 64u);
  // ResNet-50 at batch 1: its 7x7 3x3 conv (M 512, K 4608) and 14x14 1x1
  // convs go to the split-K kernel; a 56x56 conv to 256 channels stays on
  // the tiled one, and so does a short K.
  EXPECT_TRUE(useSmallIgemm(512, 49, 4608, 1));
  EXPECT_TRUE(useSmallIgemm(256, 196, 1024, 1));
  EXPECT_FALSE(useSmallIgemm(256, 56 * 56, 64, 1));
  EXPECT_FALSE(useSmallIgemm(512, 49, 32, 1));
}

} // namespace
