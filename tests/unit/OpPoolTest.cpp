//===- tests/unit/OpPoolTest.cpp - MaxPool, AveragePool, GlobalAveragePool ===//
//
// Shape-rule errors, CPU references against hand-computed pools (padding,
// ceil_mode, count_include_pad), and the pooling shaders against the CPU
// references on random inputs with odd sizes. Device tolerance: relative L2
// error <= 1e-5.
//
//===----------------------------------------------------------------------===//
#include "OpTestUtil.h"

#include <gtest/gtest.h>

using namespace llvm;
using namespace tlc;
namespace tt = tlc::testing;
using tt::OpOperand;

namespace {

using tt::expectDeviceMatchesReference;
using tt::f32;
using tt::kTolerance;
using tt::shapeRule;
using tt::tensor;

void expectContains(const std::string &msg, StringRef part) {
  EXPECT_NE(msg.find(part.str()), std::string::npos)
      << "message: '" << msg << "', expected to contain '" << part.str() << "'";
}

Attributes poolAttrs(std::vector<int64_t> kernel, std::vector<int64_t> strides,
                     std::vector<int64_t> pads, int64_t ceilMode = 0) {
  Attributes a;
  a.values["kernel_shape"] = kernel;
  a.values["strides"] = strides;
  a.values["pads"] = pads;
  a.values["ceil_mode"] = ceilMode;
  return a;
}

/// 1 x 1 x h x w tensor holding 1, 2, 3, ... in row-major order.
HostTensor ramp(int64_t h, int64_t w) {
  std::vector<float> v(size_t(h * w));
  for (size_t i = 0; i < v.size(); ++i)
    v[i] = float(i + 1);
  return tensor({1, 1, h, w}, v);
}

TEST(OpPool, ShapeRuleOutputSizes) {
  std::vector<TensorType> out;
  // floor((5 - 2) / 2) + 1 = 2 ; ceil gives 3.
  EXPECT_EQ(shapeRule("MaxPool", poolAttrs({2, 2}, {2, 2}, {0, 0, 0, 0}),
                      {f32({1, 3, 5, 5})}, &out),
            "");
  EXPECT_EQ(out[0], f32({1, 3, 2, 2}));
  EXPECT_EQ(shapeRule("MaxPool", poolAttrs({2, 2}, {2, 2}, {0, 0, 0, 0}, 1),
                      {f32({1, 3, 5, 5})}, &out),
            "");
  EXPECT_EQ(out[0], f32({1, 3, 3, 3}));
  // ceil_mode: a last window starting in the end padding is dropped
  // (in 4, pad 1+1, k 2, s 2: ceil((6-2)/2)+1 = 3, window 3 starts at 3).
  EXPECT_EQ(shapeRule("AveragePool", poolAttrs({2, 2}, {2, 2}, {1, 1, 1, 1}, 1),
                      {f32({1, 1, 4, 4})}, &out),
            "");
  EXPECT_EQ(out[0], f32({1, 1, 3, 3}));
  EXPECT_EQ(
      shapeRule("GlobalAveragePool", Attributes(), {f32({2, 3, 7, 13})}, &out),
      "");
  EXPECT_EQ(out[0], f32({2, 3, 1, 1}));
}

TEST(OpPool, ShapeRuleErrors) {
  TensorType x = f32({1, 2, 6, 6});
  Attributes noKernel;
  expectContains(shapeRule("MaxPool", noKernel, {x}), "'kernel_shape' is "
                                                      "required");
  expectContains(
      shapeRule("MaxPool", poolAttrs({2, 0}, {1, 1}, {0, 0, 0, 0}), {x}),
      "'kernel_shape'[1] is 0");
  expectContains(
      shapeRule("MaxPool", poolAttrs({2, 2}, {1, 0}, {0, 0, 0, 0}), {x}),
      "'strides'[1] is 0");
  expectContains(
      shapeRule("MaxPool", poolAttrs({2, 2}, {1, 1}, {0, 0, -1, 0}), {x}),
      "'pads'[2] is -1");
  expectContains(
      shapeRule("MaxPool", poolAttrs({2, 2}, {1, 1}, {2, 0, 0, 0}), {x}),
      "smaller than the kernel");
  expectContains(
      shapeRule("MaxPool", poolAttrs({7, 2}, {1, 1}, {0, 0, 0, 0}), {x}),
      "larger than the padded input");
  expectContains(shapeRule("MaxPool", poolAttrs({2, 2}, {1, 1}, {0, 0, 0, 0}),
                           {f32({2, 6, 6})}),
                 "rank 4");
  expectContains(shapeRule("MaxPool", poolAttrs({2, 2}, {1, 1}, {0, 0, 0, 0}),
                           {TensorType{DType::F16, {1, 2, 6, 6}}}),
                 "only f32");
  Attributes a = poolAttrs({2, 2}, {1, 1}, {0, 0, 0, 0});
  a.values["storage_order"] = int64_t(1);
  expectContains(shapeRule("MaxPool", a, {x}), "'storage_order' is 1");
  a = poolAttrs({2, 2}, {1, 1}, {0, 0, 0, 0});
  a.values["count_include_pad"] = int64_t(1);
  expectContains(shapeRule("MaxPool", a, {x}),
                 "unknown attribute 'count_include_pad'");
  a = poolAttrs({2, 2}, {1, 1}, {0, 0, 0, 0}, 2);
  expectContains(shapeRule("MaxPool", a, {x}), "'ceil_mode' is 2");
  a = poolAttrs({2, 2}, {1, 1}, {0, 0, 0, 0});
  a.values["auto_pad"] = std::string("VALID");
  expectContains(shapeRule("AveragePool", a, {x}), "'pads' are both given");
  a = poolAttrs({2, 2}, {1, 1}, {0, 0, 0, 0});
  a.values["dilations"] = std::vector<int64_t>{2, 2};
  expectContains(shapeRule("AveragePool", a, {x}), "'dilations'");
  a = poolAttrs({2, 2}, {1, 1}, {0, 0, 0, 0});
  a.values["count_include_pad"] = int64_t(-1);
  expectContains(shapeRule("AveragePool", a, {x}), "'count_include_pad' is -1");
  expectContains(shapeRule("GlobalAveragePool", Attributes(), {f32({2, 6})}),
                 "rank >= 3");
  a = poolAttrs({int64_t(1) << 40, 2}, {1, 1}, {0, 0, 0, 0});
  expectContains(shapeRule("MaxPool", a, {x}), "exceeds 2^31-1");

  // The Indices output of MaxPool is refused by name.
  const OpDef *def = lookupOp("MaxPool");
  ASSERT_NE(def, nullptr);
  Node node;
  node.op = "MaxPool";
  node.attrs = poolAttrs({2, 2}, {2, 2}, {0, 0, 0, 0});
  node.outputs = {0, 1};
  SmallVector<TensorType, 2> outs;
  Error e = def->inferTypes(node, {InputInfo{x, {}}}, outs);
  ASSERT_TRUE(bool(e));
  expectContains(toString(std::move(e)), "Indices");
}

TEST(OpPool, AutoPadSameByHand) {
  // Kernel 3, stride 2: on 5 columns, ceil(5/2) = 3 outputs need 2 pad
  // columns, one each side; on 6 columns, 3 outputs need 1, at the end
  // (SAME_UPPER) or the start (SAME_LOWER). VALID pads nothing.
  auto same = [](const char *mode, int64_t width) {
    Attributes a;
    a.values["kernel_shape"] = std::vector<int64_t>{1, 3};
    a.values["strides"] = std::vector<int64_t>{1, 2};
    a.values["auto_pad"] = std::string(mode);
    auto r = tt::runReference("MaxPool", a, {{ramp(1, width)}});
    EXPECT_TRUE(bool(r)) << toString(r.takeError());
    return r ? (*r)[0].f32().vec() : std::vector<float>{};
  };
  // ramp holds 1, 2, 3, ...: each window's max is its last real column.
  EXPECT_EQ(same("SAME_UPPER", 5), (std::vector<float>{2, 4, 5}));
  EXPECT_EQ(same("SAME_UPPER", 6), (std::vector<float>{3, 5, 6}));
  EXPECT_EQ(same("SAME_LOWER", 6), (std::vector<float>{2, 4, 6}));
  EXPECT_EQ(same("VALID", 6), (std::vector<float>{3, 5}));
  Attributes a;
  a.values["kernel_shape"] = std::vector<int64_t>{3, 3};
  a.values["strides"] = std::vector<int64_t>{2, 2};
  a.values["auto_pad"] = std::string("SAME_LOWER");
  tt::expectDeviceMatchesReference(
      "MaxPool", a, {{tt::randomTensor({1, 3, 10, 9}, 14)}});
  tt::expectDeviceMatchesReference(
      "AveragePool", a, {{tt::randomTensor({1, 3, 10, 9}, 15)}});
}

TEST(OpPool, ReferenceMatchesHandComputed) {
  // 4x4 ramp, 2x2 max pool stride 2: the bottom-right of each block.
  auto m = tt::runReference("MaxPool", poolAttrs({2, 2}, {2, 2}, {0, 0, 0, 0}),
                            {{ramp(4, 4)}});
  ASSERT_TRUE(bool(m)) << toString(m.takeError());
  EXPECT_EQ((*m)[0].f32().vec(), (std::vector<float>{6, 8, 14, 16}));

  // 5x5 ramp, ceil_mode: the last row/column of windows is partial.
  auto c = tt::runReference(
      "MaxPool", poolAttrs({2, 2}, {2, 2}, {0, 0, 0, 0}, 1), {{ramp(5, 5)}});
  ASSERT_TRUE(bool(c)) << toString(c.takeError());
  EXPECT_EQ((*c)[0].f32().vec(),
            (std::vector<float>{7, 9, 10, 17, 19, 20, 22, 24, 25}));

  // Dilated max pool: window {0, 2} x {0, 2} on a 3x3 ramp.
  Attributes dil = poolAttrs({2, 2}, {1, 1}, {0, 0, 0, 0});
  dil.values["dilations"] = std::vector<int64_t>{2, 2};
  auto d = tt::runReference("MaxPool", dil, {{ramp(3, 3)}});
  ASSERT_TRUE(bool(d)) << toString(d.takeError());
  EXPECT_EQ((*d)[0].f32().vec(), (std::vector<float>{9}));

  // Average with pads 1: the top-left window holds only element 1.
  Attributes avg = poolAttrs({2, 2}, {1, 1}, {1, 1, 1, 1});
  auto a = tt::runReference("AveragePool", avg, {{ramp(3, 3)}});
  ASSERT_TRUE(bool(a)) << toString(a.takeError());
  ASSERT_EQ((*a)[0].type, f32({1, 1, 4, 4}));
  EXPECT_FLOAT_EQ((*a)[0].f32()[0], 1.0f);
  EXPECT_FLOAT_EQ((*a)[0].f32()[1], (1 + 2) / 2.0f);
  EXPECT_FLOAT_EQ((*a)[0].f32()[5], (1 + 2 + 4 + 5) / 4.0f);
  avg.values["count_include_pad"] = int64_t(1);
  auto p = tt::runReference("AveragePool", avg, {{ramp(3, 3)}});
  ASSERT_TRUE(bool(p)) << toString(p.takeError());
  EXPECT_FLOAT_EQ((*p)[0].f32()[0], 1.0f / 4.0f);
  EXPECT_FLOAT_EQ((*p)[0].f32()[1], (1 + 2) / 4.0f);

  // count_include_pad with ceil_mode: in 4, k 3, s 2, no pads -> the last
  // window [2, 5) sticks out past the input and is not padded: divide by 2.
  Attributes cp = poolAttrs({3, 3}, {2, 2}, {0, 0, 0, 0}, 1);
  cp.values["count_include_pad"] = int64_t(1);
  auto q = tt::runReference("AveragePool", cp, {{ramp(4, 4)}});
  ASSERT_TRUE(bool(q)) << toString(q.takeError());
  ASSERT_EQ((*q)[0].type, f32({1, 1, 2, 2}));
  EXPECT_FLOAT_EQ((*q)[0].f32()[3], (11 + 12 + 15 + 16) / 4.0f);

  auto g = tt::runReference("GlobalAveragePool", Attributes(), {{ramp(3, 4)}});
  ASSERT_TRUE(bool(g)) << toString(g.takeError());
  EXPECT_FLOAT_EQ((*g)[0].f32()[0], 6.5f);
}

/// Values computed with PyTorch 1.13.0a0 (torch.nn.functional.avg_pool2d /
/// max_pool2d) on the 5x7 ramp 1..35, for the corner cases where
/// conventions differ: ceil_mode windows that run past the padding, with and
/// without count_include_pad, and dilation.
TEST(OpPool, ReferenceAndDeviceMatchPyTorchOnCeilModeCorners) {
  struct Case {
    const char *op;
    std::vector<int64_t> kernel, strides, pads, dilations;
    int64_t countIncludePad;
    Shape outShape;
    std::vector<float> expected;
  };
  const Case cases[] = {
      {"AveragePool",
       {3, 3},
       {2, 2},
       {1, 1, 1, 1},
       {},
       1,
       {1, 1, 3, 4},
       {2.222222328186035f, 4.333333492279053f, 5.666666507720947f,
        4.44444465637207f, 10.333333015441895f, 17.0f, 19.0f,
        13.666666984558105f, 11.55555534362793f, 18.33333396911621f,
        19.66666603088379f, 13.777777671813965f}},
      {"AveragePool",
       {3, 3},
       {2, 2},
       {1, 1, 1, 1},
       {},
       0,
       {1, 1, 3, 4},
       {5.0f, 6.5f, 8.5f, 10.0f, 15.5f, 17.0f, 19.0f, 20.5f, 26.0f, 27.5f,
        29.5f, 31.0f}},
      {"AveragePool",
       {2, 3},
       {2, 3},
       {0, 1, 0, 1},
       {},
       1,
       {1, 1, 3, 3},
       {3.3333332538604736f, 7.5f, 6.666666507720947f, 12.666666984558105f,
        21.5f, 16.0f, 19.66666603088379f, 32.0f, 23.0f}},
      {"MaxPool",
       {2, 2},
       {2, 2},
       {1, 1, 1, 1},
       {2, 1},
       0,
       {1, 1, 3, 4},
       {8, 10, 12, 14, 22, 24, 26, 28, 22, 24, 26, 28}},
  };
  for (const Case &c : cases) {
    Attributes a = poolAttrs(c.kernel, c.strides, c.pads, /*ceilMode=*/1);
    if (!c.dilations.empty())
      a.values["dilations"] = c.dilations;
    if (StringRef(c.op) == "AveragePool")
      a.values["count_include_pad"] = c.countIncludePad;
    // The CPU reference and the shader, each against PyTorch.
    auto ref = tt::runReference(c.op, a, {{ramp(5, 7)}});
    ASSERT_TRUE(bool(ref)) << toString(ref.takeError());
    auto dev = tt::runOnDevice(c.op, a, {{ramp(5, 7)}});
    ASSERT_TRUE(bool(dev)) << toString(dev.takeError());
    for (const HostTensor &y : {(*ref)[0], (*dev)[0]}) {
      ASSERT_EQ(y.type, f32(c.outShape)) << c.op;
      for (size_t i = 0; i < c.expected.size(); ++i)
        EXPECT_NEAR(y.f32()[i], c.expected[i], 1e-5) << c.op << " element " << i;
    }
  }
}

TEST(OpPool, DeviceMaxPool) {
  expectDeviceMatchesReference("MaxPool",
                               poolAttrs({2, 2}, {2, 2}, {0, 0, 0, 0}),
                               {{tt::randomTensor({2, 3, 13, 7}, 1)}});
}

TEST(OpPool, DeviceMaxPoolPadsCeilDilations) {
  Attributes a = poolAttrs({3, 2}, {2, 3}, {1, 0, 2, 1}, 1);
  a.values["dilations"] = std::vector<int64_t>{2, 1};
  expectDeviceMatchesReference("MaxPool", a,
                               {{tt::randomTensor({3, 5, 9, 11}, 2)}});
}

TEST(OpPool, DeviceAveragePool) {
  for (int64_t includePad : {0, 1})
    for (int64_t ceilMode : {0, 1}) {
      Attributes a = poolAttrs({3, 3}, {2, 2}, {1, 1, 1, 1}, ceilMode);
      a.values["count_include_pad"] = includePad;
      expectDeviceMatchesReference("AveragePool", a,
                                   {{tt::randomTensor({3, 5, 9, 11}, 3)}});
    }
}

TEST(OpPool, DeviceGlobalAveragePool) {
  expectDeviceMatchesReference("GlobalAveragePool", Attributes(),
                               {{tt::randomTensor({3, 5, 9, 11}, 4)}});
  expectDeviceMatchesReference("GlobalAveragePool", Attributes(),
                               {{tt::randomTensor({2, 7, 131}, 5)}});
  // 70000 planes > 65535 workgroups: the grid spills into its y dimension.
  expectDeviceMatchesReference("GlobalAveragePool", Attributes(),
                               {{tt::randomTensor({2, 35000, 1, 3}, 6)}});
}

} // namespace
