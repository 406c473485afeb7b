//===- tests/unit/OpConvTest.cpp - Conv: shape rule, reference, device ----===//
//
// The shape rule's errors, the CPU reference against hand-computed results,
// and the compiled shader against the CPU reference on random inputs with
// odd sizes, strides, pads, dilations and groups, for the "cpu" profile
// (conv2d) and the "gpu" profile (implicit GEMM and depthwise kernels, which
// run on lavapipe too; OpFusedConvTest covers them with epilogues). Device
// tolerance: relative L2 error <= 1e-5.
//
//===----------------------------------------------------------------------===//
#include "ConvTestUtil.h"
#include "OpTestUtil.h"

#include <gtest/gtest.h>

using namespace llvm;
using namespace tlc;
namespace tt = tlc::testing;
using tt::convAttrs;
using tt::OpOperand;

namespace {

using tt::expectDeviceMatchesReference;
using tt::f32;
using tt::kTolerance;
using tt::shapeRule;
using tt::tensor;


TEST(OpConv, ShapeRuleComputesOutputSize) {
  std::vector<TensorType> out;
  // (13 + 1 + 2 - (2*(3-1)+1)) / 2 + 1 = 6 ; (7 + 0 + 0 - 2) / 1 + 1 = 6.
  Attributes a = convAttrs({2, 1}, {1, 0, 2, 0}, {2, 1}, 1);
  EXPECT_EQ(shapeRule("Conv", a, {f32({2, 3, 13, 7}), f32({5, 3, 3, 2})}, &out),
            "");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], f32({2, 5, 6, 6}));
}

TEST(OpConv, ShapeRuleErrors) {
  Attributes none;
  auto bad = [&](const Attributes &a, std::vector<TensorType> in,
                 StringRef expectedPart) {
    std::string msg = shapeRule("Conv", a, std::move(in));
    EXPECT_NE(msg.find(expectedPart.str()), std::string::npos)
        << "message: '" << msg << "', expected to contain '"
        << expectedPart.str() << "'";
  };
  TensorType x = f32({1, 4, 8, 8}), w = f32({6, 4, 3, 3});
  bad(none, {x}, "expected 2 or 3 inputs");
  bad(none, {f32({4, 8, 8}), w}, "rank 4");
  bad(none, {x, f32({6, 4, 3})}, "rank 4");
  bad(none, {TensorType{DType::F16, x.shape}, w}, "only f32");
  bad(none, {x, w, f32({5})}, "one per output channel");
  bad(none, {x, f32({6, 3, 3, 3})}, "W dim 1 is 3");
  Attributes a;
  a.values["group"] = int64_t(3);
  bad(a, {x, f32({6, 1, 3, 3})}, "not divisible by group 3");
  a.values["group"] = int64_t(2);
  bad(a, {x, f32({5, 2, 3, 3})}, "output channels (W dim 0) 5");
  a.values["group"] = int64_t(0);
  bad(a, {x, w}, "'group' is 0");
  a = convAttrs({0, 1}, {0, 0, 0, 0}, {1, 1}, 1);
  bad(a, {x, w}, "'strides'[0] is 0");
  a = convAttrs({1, 1}, {0, -1, 0, 0}, {1, 1}, 1);
  bad(a, {x, w}, "'pads'[1] is -1");
  a = convAttrs({1, 1}, {0, 0, 0}, {1, 1}, 1);
  bad(a, {x, w}, "'pads' has 3 entries");
  a = convAttrs({1, 1}, {0, 0, 0, 0}, {4, 1}, 1);
  bad(a, {x, w}, "larger than the padded input");
  a = Attributes();
  a.values["stride"] = std::vector<int64_t>{2, 2}; // misspelt "strides"
  bad(a, {x, w}, "unknown attribute 'stride'; supported: auto_pad, dilations");
  a = Attributes();
  a.values["auto_pad"] = std::string("SAME");
  bad(a, {x, w}, "expected NOTSET, VALID, SAME_UPPER or SAME_LOWER");
  a = convAttrs({1, 1}, {0, 0, 0, 0}, {1, 1}, 1);
  a.values["auto_pad"] = std::string("SAME_UPPER");
  bad(a, {x, w}, "'auto_pad' (SAME_UPPER) and 'pads' are both given");
  a = Attributes();
  a.values["kernel_shape"] = std::vector<int64_t>{3, 2};
  bad(a, {x, w}, "does not match W's kernel");
  a = Attributes();
  a.values["strides"] = std::string("2");
  bad(a, {x, w}, "expected a list of integers");
  bad(none, {f32({1, 4, 2, 2}), w}, "larger than the padded input");
  // Huge values are errors, not overflows.
  a = convAttrs({1, 1}, {int64_t(1) << 40, 0, 0, 0}, {1, 1}, 1);
  bad(a, {x, w}, "'pads'[0] is 1099511627776; expected a value <= 2^31-1");
  a = convAttrs({1, 1}, {0, 0, 0, 0}, {1, int64_t(1) << 33}, 1);
  bad(a, {x, w}, "'dilations'[1]");
  bad(none, {f32({1, 4, 1 << 20, 1 << 13}), w}, "more than 2^32-1 elements");
}

TEST(OpConv, ReferenceMatchesHandComputed) {
  // X = 1..16 in a 4x4 image, W = 3x3 of ones, pads 1: each output is the
  // sum of the 3x3 neighbourhood inside the image.
  std::vector<float> xs(16);
  for (int i = 0; i < 16; ++i)
    xs[i] = float(i + 1);
  OpOperand x{tensor({1, 1, 4, 4}, xs)};
  OpOperand w{tensor({1, 1, 3, 3}, std::vector<float>(9, 1.0f)), true};
  OpOperand b{tensor({1}, {0.5f}), true};
  Attributes a = convAttrs({1, 1}, {1, 1, 1, 1}, {1, 1}, 1);
  auto y = tt::runReference("Conv", a, {x, w, b});
  ASSERT_TRUE(bool(y)) << toString(y.takeError());
  ASSERT_EQ((*y)[0].type, f32({1, 1, 4, 4}));
  EXPECT_FLOAT_EQ((*y)[0].f32()[0], 1 + 2 + 5 + 6 + 0.5f);
  EXPECT_FLOAT_EQ((*y)[0].f32()[5], 1 + 2 + 3 + 5 + 6 + 7 + 9 + 10 + 11 + 0.5f);
  EXPECT_FLOAT_EQ((*y)[0].f32()[15], 11 + 12 + 15 + 16 + 0.5f);

  // A Sobel-x kernel on a linear ramp (+1 per column) gives -8 everywhere.
  OpOperand sobel{tensor({1, 1, 3, 3}, {1, 0, -1, 2, 0, -2, 1, 0, -1}), true};
  auto s = tt::runReference("Conv", Attributes(), {x, sobel});
  ASSERT_TRUE(bool(s)) << toString(s.takeError());
  ASSERT_EQ((*s)[0].type, f32({1, 1, 2, 2}));
  for (float v : (*s)[0].f32())
    EXPECT_FLOAT_EQ(v, -8.0f);

  // Groups: two channels, group 2, each output channel sees only its own
  // input channel (scaled by 1 and by 10).
  OpOperand x2{tensor({1, 2, 1, 2}, {1, 2, 3, 4})};
  OpOperand w2{tensor({2, 1, 1, 1}, {1, 10}), true};
  Attributes g;
  g.values["group"] = int64_t(2);
  auto gy = tt::runReference("Conv", g, {x2, w2});
  ASSERT_TRUE(bool(gy)) << toString(gy.takeError());
  EXPECT_EQ((*gy)[0].f32().vec(), (std::vector<float>{1, 2, 30, 40}));
}

/// Values computed with PyTorch 1.13.0a0: torch.nn.functional.pad(x, (0, 1,
/// 1, 0)) then conv2d(stride=(1, 2), dilation=(2, 1), groups=2), with
/// x = arange(40) / 8 as 1x2x4x5 and the weights and bias below.
TEST(OpConv, ReferenceAndDeviceMatchPyTorch) {
  std::vector<float> xs(40);
  for (size_t i = 0; i < xs.size(); ++i)
    xs[i] = float(i) / 8.0f;
  std::vector<OpOperand> operands = {
      {tensor({1, 2, 4, 5}, xs)},
      {tensor({4, 1, 3, 1}, {1, -1, 2, 0.5, -2, 1, 0, 3, 1, 1, -1, 2}), true},
      {tensor({4}, {0.5, -0.5, 1.0, 0.0}), true}};
  Attributes a = convAttrs({1, 2}, {1, 0, 0, 1}, {2, 1}, 2);
  const std::vector<float> expected = {3.625,  3.875,  4.125, 0.125,
                                       -0.125, -0.375, 14.75, 15.75,
                                       16.75,  5.625,  5.875, 6.125};
  auto ref = tt::runReference("Conv", a, operands);
  ASSERT_TRUE(bool(ref)) << toString(ref.takeError());
  auto dev = tt::runOnDevice("Conv", a, operands);
  ASSERT_TRUE(bool(dev)) << toString(dev.takeError());
  for (const HostTensor &y : {(*ref)[0], (*dev)[0]}) {
    ASSERT_EQ(y.type, f32({1, 4, 1, 3}));
    for (size_t i = 0; i < expected.size(); ++i)
      EXPECT_NEAR(y.f32()[i], expected[i], 1e-5) << "element " << i;
  }
}

TEST(OpConv, DeviceBasic3x3) {
  expectDeviceMatchesReference("Conv",
                               convAttrs({1, 1}, {1, 1, 1, 1}, {1, 1}, 1),
                               {{tt::randomTensor({2, 3, 13, 7}, 1)},
                                {tt::randomTensor({5, 3, 3, 3}, 2), true},
                                {tt::randomTensor({5}, 3), true}});
}

TEST(OpConv, DeviceStridesPadsDilationsNoBias) {
  expectDeviceMatchesReference("Conv",
                               convAttrs({2, 3}, {0, 2, 1, 1}, {2, 1}, 1),
                               {{tt::randomTensor({3, 5, 9, 11}, 4)},
                                {tt::randomTensor({4, 5, 3, 2}, 5), true}});
}

TEST(OpConv, DeviceGroups) {
  expectDeviceMatchesReference("Conv",
                               convAttrs({1, 1}, {1, 1, 1, 1}, {1, 1}, 3),
                               {{tt::randomTensor({1, 6, 9, 11}, 6)},
                                {tt::randomTensor({9, 2, 3, 3}, 7), true},
                                {tt::randomTensor({9}, 8), true}});
}

TEST(OpConv, DeviceDepthwiseWithDilation) {
  expectDeviceMatchesReference("Conv",
                               convAttrs({1, 2}, {2, 2, 2, 2}, {2, 2}, 4),
                               {{tt::randomTensor({2, 4, 7, 13}, 9)},
                                {tt::randomTensor({4, 1, 3, 3}, 10), true}});
}

TEST(OpConv, DeviceWeightAsGraphInput) {
  expectDeviceMatchesReference("Conv",
                               convAttrs({1, 1}, {0, 0, 0, 0}, {1, 1}, 1),
                               {{tt::randomTensor({1, 32, 14, 14}, 11)},
                                {tt::randomTensor({16, 32, 5, 5}, 12)}});
}

TEST(OpConv, GpuProfileKernelsMatchReference) {
  struct Case {
    Shape x, w;
    Attributes attrs;
    const char *shader;
  };
  const Case cases[] = {
      {{2, 3, 13, 7},
       {5, 3, 3, 3},
       convAttrs({1, 1}, {1, 1, 1, 1}, {1, 1}, 1),
       "conv2d_igemm"},
      {{1, 64, 7, 7},
       {96, 64, 3, 3},
       convAttrs({1, 1}, {1, 1, 1, 1}, {1, 1}, 1),
       "conv2d_igemm_small"},
      {{1, 6, 9, 11},
       {9, 2, 3, 3},
       convAttrs({2, 1}, {0, 1, 2, 1}, {1, 2}, 3),
       "conv2d_igemm"},
      {{2, 4, 7, 13},
       {4, 1, 3, 3},
       convAttrs({1, 2}, {2, 2, 2, 2}, {2, 2}, 4),
       "conv2d_depthwise"},
  };
  uint32_t seed = 50;
  for (const Case &c : cases) {
    tt::GraphBuilder b;
    ValueId x = b.input("x", c.x);
    ValueId w = b.weight("w", tt::randomTensor(c.w, seed++));
    ValueId bias = b.weight("b", tt::randomTensor({c.w[0]}, seed++));
    b.output(b.node("Conv", {x, w, bias}, "y", c.attrs));
    Graph g = b.take();
    HostTensor in = tt::randomTensor(c.x, seed++);
    auto ref = tt::runGraphReference(g, {in});
    ASSERT_TRUE(bool(ref)) << toString(ref.takeError());
    Plan plan;
    auto dev = tt::runGraphOnDevice(g, "gpu", {in}, &plan);
    ASSERT_TRUE(bool(dev)) << toString(dev.takeError());
    EXPECT_LE(tt::relativeL2((*dev)[0], (*ref)[0]), kTolerance) << c.shader;
    EXPECT_EQ(tt::countDispatches(plan, c.shader), 1u) << c.shader;
  }
}

} // namespace
