//===- tests/unit/OpGpt2Test.cpp - Ops GPT-2's export needs ---------------===//
//
// Gather (with run-time i64/i32 indices), LayerNormalization, Split, Tanh
// and Erf: shape-rule errors, CPU references against values worked out by
// hand from the ONNX definitions (or libm), and the shaders against the CPU
// references on odd shapes (relative L2 <= 1e-5, validation layers on).
//
//===----------------------------------------------------------------------===//
#include "OpTestUtil.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace llvm;
using namespace tlc;
namespace tt = tlc::testing;
using tt::expectDeviceMatchesReference;
using tt::f32;
using tt::OpOperand;
using tt::randomTensor;
using tt::tensor;

namespace {

/// An integer tensor (i64 or i32) of \p shape; HostTensor holds the values
/// as floats (exact below 2^24) and the test harness encodes them.
HostTensor ints(DType dtype, Shape shape, std::vector<float> values) {
  HostTensor t(TensorType{dtype, std::move(shape)});
  for (size_t i = 0; i < values.size(); ++i)
    t.setInt(int64_t(i), int64_t(values[i]));
  return t;
}

Attributes attrs(std::map<std::string, AttrValue> values) {
  Attributes a;
  a.values = std::move(values);
  return a;
}

void expectContains(const std::string &msg, StringRef part) {
  EXPECT_NE(msg.find(part.str()), std::string::npos)
      << "message: '" << msg << "', expected to contain '" << part.str()
      << "'";
}

//===-- Gather -------------------------------------------------------------===//

TEST(OpGpt2, GatherReferenceByHand) {
  // data [3, 2]: rows (0, 1), (10, 11), (20, 21); indices [2, 2] with a
  // negative one (-1 = last row).
  HostTensor data = tensor({3, 2}, {0, 1, 10, 11, 20, 21});
  HostTensor idx = ints(DType::I64, {2, 2}, {2, 0, -1, 1});
  auto out = tt::runReference("Gather", {}, {{data, true}, {idx, false}});
  ASSERT_TRUE(bool(out)) << toString(out.takeError());
  EXPECT_EQ((*out)[0].type, f32({2, 2, 2}));
  EXPECT_EQ((*out)[0].f32().vec(), (std::vector<float>{20, 21, 0, 1, 20, 21, 10, 11}));
  // axis 1: y[i, j] = data[i, idx[j]].
  HostTensor cols = ints(DType::I64, {3}, {1, 1, 0});
  out = tt::runReference("Gather", attrs({{"axis", int64_t(1)}}),
                         {{data, true}, {cols, false}});
  ASSERT_TRUE(bool(out)) << toString(out.takeError());
  EXPECT_EQ((*out)[0].f32().vec(),
            (std::vector<float>{1, 1, 0, 11, 11, 10, 21, 21, 20}));
}

TEST(OpGpt2, GatherEmbeddingOnDevice) {
  // An embedding table of odd size looked up by run-time i64 token ids, as
  // GPT-2's wte: [V, D] = [37, 13], ids [1, 7], including -1 and V-1.
  HostTensor table = randomTensor({37, 13}, 1);
  HostTensor ids = ints(DType::I64, {1, 7}, {0, 36, 5, -1, 17, 5, 2});
  expectDeviceMatchesReference("Gather", {}, {{table, true}, {ids, false}});
  // The same with the table as a graph input and i32 ids.
  HostTensor ids32 = ints(DType::I32, {2, 3}, {3, -37, 36, 1, 1, 0});
  expectDeviceMatchesReference("Gather", {},
                               {{table, false}, {ids32, false}});
}

TEST(OpGpt2, GatherInnerAxisOnDevice) {
  HostTensor data = randomTensor({3, 11, 5}, 2);
  HostTensor idx = ints(DType::I64, {2, 3}, {10, 0, -2, 4, 4, 7});
  expectDeviceMatchesReference("Gather", attrs({{"axis", int64_t(-2)}}),
                               {{data, false}, {idx, true}});
}

TEST(OpGpt2, GatherOutOfRangeRunTimeIndexGivesZero) {
  // ONNX leaves it an error; the device cannot report one, so tlc writes 0
  // (and the reference agrees).
  HostTensor data = tensor({2, 2}, {1, 2, 3, 4});
  HostTensor idx = ints(DType::I64, {3}, {1, 2, -3});
  auto dev = tt::runOnDevice("Gather", {}, {{data, true}, {idx, false}});
  ASSERT_TRUE(bool(dev)) << toString(dev.takeError());
  EXPECT_EQ((*dev)[0].f32().vec(), (std::vector<float>{3, 4, 0, 0, 0, 0}));
}

TEST(OpGpt2, GatherShapeRuleErrors) {
  TensorType i64{DType::I64, {4}};
  expectContains(tt::shapeRule("Gather", {}, {f32({3, 2}), f32({4})}),
                 "input 1 (indices) has dtype f32");
  expectContains(tt::shapeRule("Gather", attrs({{"axis", int64_t(2)}}),
                               {f32({3, 2}), i64}),
                 "axis");
  expectContains(tt::shapeRule("Gather", {}, {f32({}), i64}), "scalar");
  expectContains(tt::shapeRule("Gather", attrs({{"axs", int64_t(0)}}),
                               {f32({3, 2}), i64}),
                 "unknown attribute 'axs'");
  std::vector<TensorType> out;
  EXPECT_EQ(tt::shapeRule("Gather", attrs({{"axis", int64_t(1)}}),
                          {f32({3, 5, 2}), TensorType{DType::I64, {2, 4}}},
                          &out),
            "");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], f32({3, 2, 4, 2}));
  // A constant index out of range is reported at compile time.
  auto bad = tt::runReference(
      "Gather", {},
      {{tensor({2, 2}, {1, 2, 3, 4}), false},
       {ints(DType::I64, {2}, {0, 2}), true}});
  ASSERT_FALSE(bool(bad));
  expectContains(toString(bad.takeError()), "index 2 (element 1 of input 1) "
                                            "is out of range");
}

//===-- LayerNormalization -------------------------------------------------===//

TEST(OpGpt2, LayerNormReferenceByHand) {
  // Row (1, 2, 3, 4): mean 2.5, biased variance 1.25.
  HostTensor x = tensor({1, 4}, {1, 2, 3, 4});
  HostTensor scale = tensor({4}, {1, 2, 1, 1});
  HostTensor bias = tensor({4}, {0, 0, 0, 10});
  auto out = tt::runReference("LayerNormalization",
                              attrs({{"epsilon", 0.0}}),
                              {{x, false}, {scale, true}, {bias, true}});
  ASSERT_TRUE(bool(out)) << toString(out.takeError());
  double s = 1.0 / std::sqrt(1.25);
  std::vector<float> want = {float(-1.5 * s), float(-0.5 * s * 2),
                             float(0.5 * s), float(1.5 * s + 10)};
  for (size_t i = 0; i < 4; ++i)
    EXPECT_NEAR((*out)[0].f32()[i], want[i], 1e-6) << i;
}

TEST(OpGpt2, LayerNormOnDevice) {
  // GPT-2's case (last axis, Scale and B as weights) on odd sizes, rows
  // longer than a workgroup, an offset mean, and axis 1 without B.
  HostTensor x = randomTensor({3, 5, 77}, 3, 2.0f, 5.0f);
  HostTensor scale = randomTensor({77}, 4);
  HostTensor bias = randomTensor({77}, 5);
  expectDeviceMatchesReference("LayerNormalization", {},
                               {{x, false}, {scale, true}, {bias, true}});
  HostTensor x2 = randomTensor({2, 3, 131}, 6);
  HostTensor s2 = randomTensor({3, 131}, 7);
  expectDeviceMatchesReference(
      "LayerNormalization",
      attrs({{"axis", int64_t(1)}, {"epsilon", 1e-3}}),
      {{x2, false}, {s2, true}});
  HostTensor x3 = randomTensor({7, 1}, 8);
  expectDeviceMatchesReference("LayerNormalization", {},
                               {{x3, false}, {tensor({1}, {2}), true}});
}

TEST(OpGpt2, LayerNormShapeRuleErrors) {
  expectContains(
      tt::shapeRule("LayerNormalization", {}, {f32({2, 4}), f32({3})}),
      "input 1 (Scale) is 3xf32; expected 4 elements");
  expectContains(tt::shapeRule("LayerNormalization", {},
                               {f32({2, 4}), f32({4}), f32({2})}),
                 "input 2 (B)");
  expectContains(tt::shapeRule("LayerNormalization",
                               attrs({{"axis", int64_t(0)}}),
                               {f32({2, 4}), f32({4, 2})}),
                 "trailing dims");
  expectContains(tt::shapeRule("LayerNormalization",
                               attrs({{"stash_type", int64_t(0)}}),
                               {f32({2, 4}), f32({4})}),
                 "stash_type");
  expectContains(tt::shapeRule("LayerNormalization",
                               attrs({{"epsilon", -1.0}}),
                               {f32({2, 4}), f32({4})}),
                 "epsilon");
  expectContains(tt::shapeRule("LayerNormalization", {}, {f32({2, 4})}),
                 "expected 2 or 3 inputs");
  std::vector<TensorType> out;
  EXPECT_EQ(tt::shapeRule("LayerNormalization", attrs({{"axis", int64_t(-2)}}),
                          {f32({2, 3, 4}), f32({1, 3, 4})}, &out),
            "");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], f32({2, 3, 4}));
}

//===-- Split --------------------------------------------------------------===//

TEST(OpGpt2, SplitReferenceByHand) {
  HostTensor x = tensor({2, 3}, {0, 1, 2, 10, 11, 12});
  HostTensor split = ints(DType::I64, {2}, {1, 2});
  auto out = tt::runReference("Split", attrs({{"axis", int64_t(1)}}),
                              {{x, false}, {split, true}});
  ASSERT_TRUE(bool(out)) << toString(out.takeError());
  ASSERT_EQ(out->size(), 2u);
  EXPECT_EQ((*out)[0].type, f32({2, 1}));
  EXPECT_EQ((*out)[0].f32().vec(), (std::vector<float>{0, 10}));
  EXPECT_EQ((*out)[1].type, f32({2, 2}));
  EXPECT_EQ((*out)[1].f32().vec(), (std::vector<float>{1, 2, 11, 12}));
}

TEST(OpGpt2, SplitOnDevice) {
  // GPT-2's Q/K/V split ([1, T, 3D] along the last axis), at odd sizes.
  HostTensor qkv = randomTensor({1, 7, 39}, 9);
  expectDeviceMatchesReference(
      "Split", attrs({{"axis", int64_t(2)}}),
      {{qkv, false}, {ints(DType::I64, {3}, {13, 13, 13}), true}});
  HostTensor x = randomTensor({3, 9, 5}, 10);
  expectDeviceMatchesReference(
      "Split", attrs({{"axis", int64_t(-2)}}),
      {{x, false}, {ints(DType::I64, {4}, {2, 4, 1, 2}), true}});
  expectDeviceMatchesReference(
      "Split", {}, {{x, false}, {ints(DType::I64, {2}, {1, 2}), true}});
}

TEST(OpGpt2, SplitShapeRuleErrors) {
  auto run = [](Shape x, std::vector<float> split, int64_t axis) {
    auto r = tt::runReference(
        "Split", attrs({{"axis", axis}}),
        {{randomTensor(x, 1), false},
         {ints(DType::I64, {int64_t(split.size())}, split), true}});
    return r ? std::string() : toString(r.takeError());
  };
  expectContains(run({2, 6}, {2, 2}, 1), "add up to 4");
  expectContains(run({2, 6}, {6, 0}, 1), "entry 1 is 0");
  expectContains(run({2, 6}, {3, 3}, 2), "axis");
  EXPECT_EQ(run({2, 6}, {3, 3}, 1), "");
  // The split lengths must be constants.
  auto r = tt::runReference(
      "Split", {},
      {{randomTensor({4}, 1), false},
       {ints(DType::I64, {2}, {2, 2}), false}});
  ASSERT_FALSE(bool(r));
  expectContains(toString(r.takeError()), "compile-time constant");
  // Without `split`, the node's outputs give equal pieces.
  std::vector<TensorType> out;
  EXPECT_EQ(tt::shapeRule("Split", {}, {f32({4, 3})}, &out), "");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], f32({4, 3}));
}

//===-- Tanh and Erf -------------------------------------------------------===//

TEST(OpGpt2, TanhAndErfReferenceMatchLibm) {
  HostTensor x = tensor({5}, {-30, -1, 0, 0.5f, 30});
  auto t = tt::runReference("Tanh", {}, {{x, false}});
  ASSERT_TRUE(bool(t)) << toString(t.takeError());
  std::vector<double> want = {-1, std::tanh(-1.0), 0, std::tanh(0.5), 1};
  for (size_t i = 0; i < want.size(); ++i)
    EXPECT_NEAR((*t)[0].f32()[i], want[i], 1e-7) << i;
  auto e = tt::runReference("Erf", {}, {{x, false}});
  ASSERT_TRUE(bool(e)) << toString(e.takeError());
  EXPECT_NEAR((*e)[0].f32()[1], -0.8427007929, 1e-7);
  EXPECT_NEAR((*e)[0].f32()[3], 0.5204998778, 1e-7);
  EXPECT_EQ((*e)[0].f32()[4], 1.0f);
}

TEST(OpGpt2, TanhAndErfOnDevice) {
  HostTensor x = randomTensor({3, 97, 5}, 11, -4.0f, 4.0f);
  // Large magnitudes must saturate, not overflow to NaN.
  x.f32()[0] = 100.0f;
  x.f32()[1] = -100.0f;
  x.f32()[2] = 1e-6f;
  expectDeviceMatchesReference("Tanh", {}, {{x, false}});
  expectDeviceMatchesReference("Erf", {}, {{x, false}});
  expectContains(tt::shapeRule("Tanh", {}, {TensorType{DType::I64, {2}}}),
                 "only f32");
}

} // namespace
