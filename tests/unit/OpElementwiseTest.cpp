//===- tests/unit/OpElementwiseTest.cpp - Add, Mul, Softmax ---------------===//
//
// Broadcasting shape rules and their errors, CPU references against
// hand-computed values (a softmax row sums to 1 and survives large inputs),
// and the shaders against the CPU references on odd shapes, broadcasting in
// both directions and negative axes. Device tolerance: relative L2 error <=
// 1e-5.
//
//===----------------------------------------------------------------------===//
#include "OpTestUtil.h"

#include <gtest/gtest.h>

#include <cmath>

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

Attributes axisAttr(int64_t axis) {
  Attributes a;
  a.values["axis"] = axis;
  return a;
}

TEST(OpBinary, ShapeRule) {
  std::vector<TensorType> out;
  for (const char *op : {"Add", "Mul"}) {
    EXPECT_EQ(
        shapeRule(op, Attributes(), {f32({3, 1, 9, 1}), f32({5, 1, 11})}, &out),
        "");
    EXPECT_EQ(out[0], f32({3, 5, 9, 11}));
    EXPECT_EQ(shapeRule(op, Attributes(), {f32({}), f32({7, 13})}, &out), "");
    EXPECT_EQ(out[0], f32({7, 13}));
    expectContains(shapeRule(op, Attributes(), {f32({3, 4}), f32({5, 4})}),
                   "not broadcastable");
    expectContains(
        shapeRule(op, Attributes(), {f32({2, 1, 1, 1, 1, 1, 3}), f32({3})}),
        "exceeds the supported maximum of 6");
    expectContains(shapeRule(op, Attributes(), {f32({3})}), "expected 2");
    Attributes extra;
    extra.values["broadcast"] = int64_t(1);
    expectContains(shapeRule(op, extra, {f32({3}), f32({3})}),
                   "unknown attribute 'broadcast'; supported: none");
    expectContains(
        shapeRule(op, Attributes(), {f32({1 << 20, 1}), f32({1 << 20})}),
        "more than 2^32-1 elements");
    expectContains(
        shapeRule(op, Attributes(), {f32({3}), TensorType{DType::I64, {3}}}),
        "inputs A and B have dtypes f32 and i64; expected one dtype");
    expectContains(shapeRule(op, Attributes(), {TensorType{DType::F16, {3}},
                                                TensorType{DType::F16, {3}}}),
                   "input 0 (A) has dtype f16; expected f32, i32 or i64");
  }
}

TEST(OpBinary, ReferenceMatchesHandComputed) {
  OpOperand col{tensor({2, 1}, {1, 2})};
  OpOperand row{tensor({3}, {10, 20, 30}), true};
  auto s = tt::runReference("Add", Attributes(), {col, row});
  ASSERT_TRUE(bool(s)) << toString(s.takeError());
  EXPECT_EQ((*s)[0].type, f32({2, 3}));
  EXPECT_EQ((*s)[0].f32().vec(), (std::vector<float>{11, 21, 31, 12, 22, 32}));
  auto p = tt::runReference("Mul", Attributes(), {col, row});
  ASSERT_TRUE(bool(p)) << toString(p.takeError());
  EXPECT_EQ((*p)[0].f32().vec(), (std::vector<float>{10, 20, 30, 20, 40, 60}));
}

TEST(OpBinary, DeviceSameShape) {
  for (const char *op : {"Add", "Mul"})
    expectDeviceMatchesReference(
        op, Attributes(),
        {{tt::randomTensor({7, 13}, 1)}, {tt::randomTensor({7, 13}, 2)}});
}

TEST(OpBinary, DeviceBroadcastBothWays) {
  for (const char *op : {"Add", "Mul"}) {
    expectDeviceMatchesReference(op, Attributes(),
                                 {{tt::randomTensor({3, 1, 9, 1}, 3)},
                                  {tt::randomTensor({5, 1, 11}, 4), true}});
    expectDeviceMatchesReference(op, Attributes(),
                                 {{tt::randomTensor({11}, 5), true},
                                  {tt::randomTensor({3, 5, 9, 11}, 6)}});
    expectDeviceMatchesReference(op, Attributes(),
                                 {{tt::randomTensor({2, 1, 3, 1, 5, 1}, 7)},
                                  {tt::randomTensor({2, 1, 4, 1, 6}, 8)}});
  }
}

TEST(OpBinary, DeviceScalarOperand) {
  expectDeviceMatchesReference(
      "Mul", Attributes(),
      {{tt::randomTensor({3, 5, 9, 11}, 9)}, {tt::randomTensor({}, 10), true}});
}

TEST(OpRelu, ReferenceAndDevice) {
  auto y = tt::runReference("Relu", Attributes(),
                            {{tensor({4}, {-1.5f, 0.0f, 2.0f, -0.0f})}});
  ASSERT_TRUE(bool(y)) << toString(y.takeError());
  EXPECT_EQ((*y)[0].f32().vec(), (std::vector<float>{0, 0, 2, 0}));
  expectContains(shapeRule("Relu", axisAttr(1), {f32({3})}),
                 "unknown attribute 'axis'");
  expectDeviceMatchesReference("Relu", Attributes(),
                               {{tt::randomTensor({3, 5, 9, 11}, 16)}});
}

TEST(OpSoftmax, ShapeRule) {
  std::vector<TensorType> out;
  EXPECT_EQ(shapeRule("Softmax", axisAttr(-3), {f32({3, 5, 9})}, &out), "");
  EXPECT_EQ(out[0], f32({3, 5, 9}));
  expectContains(shapeRule("Softmax", axisAttr(3), {f32({3, 5, 9})}),
                 "'axis' is 3");
  expectContains(shapeRule("Softmax", axisAttr(-4), {f32({3, 5, 9})}),
                 "expected a value in [-3, 2]");
  expectContains(shapeRule("Softmax", Attributes(), {f32({})}), "rank >= 1");
  expectContains(
      shapeRule("Softmax", Attributes(), {TensorType{DType::I32, {3}}}),
      "only f32");
}

TEST(OpSoftmax, ReferenceMatchesHandComputed) {
  auto y = tt::runReference("Softmax", Attributes(),
                            {{tensor({2, 3}, {1, 2, 3, 1000, 1001, 1002})}});
  ASSERT_TRUE(bool(y)) << toString(y.takeError());
  double e1 = std::exp(-2.0), e2 = std::exp(-1.0), sum = e1 + e2 + 1.0;
  const std::vector<float> &v = (*y)[0].f32();
  for (int r = 0; r < 2; ++r) {
    // Shift invariance: the 1000s row equals the 1s row, no overflow.
    EXPECT_NEAR(v[r * 3 + 0], e1 / sum, 1e-7);
    EXPECT_NEAR(v[r * 3 + 1], e2 / sum, 1e-7);
    EXPECT_NEAR(v[r * 3 + 2], 1.0 / sum, 1e-7);
    EXPECT_NEAR(v[r * 3] + v[r * 3 + 1] + v[r * 3 + 2], 1.0, 1e-6);
  }
  // axis 0 of a 2x2: columns are normalized.
  auto c = tt::runReference("Softmax", axisAttr(0),
                            {{tensor({2, 2}, {0, 5, 0, 5})}});
  ASSERT_TRUE(bool(c)) << toString(c.takeError());
  EXPECT_EQ((*c)[0].f32().vec(), (std::vector<float>{0.5f, 0.5f, 0.5f, 0.5f}));
}

TEST(OpSoftmax, DeviceLastAxis) {
  expectDeviceMatchesReference("Softmax", Attributes(),
                               {{tt::randomTensor({7, 13}, 11, -5, 5)}});
  expectDeviceMatchesReference("Softmax", Attributes(),
                               {{tt::randomTensor({3, 1000}, 12, -20, 20)}});
}

TEST(OpSoftmax, DeviceInnerAxes) {
  for (int64_t axis : {0, 1, -2, -3})
    expectDeviceMatchesReference("Softmax", axisAttr(axis),
                                 {{tt::randomTensor({3, 5, 9, 11}, 13)}});
}

TEST(OpSoftmax, DeviceMoreRowsThanOneGridDimension) {
  // 70000 rows > 65535 workgroups: the grid spills into its y dimension.
  expectDeviceMatchesReference("Softmax", Attributes(),
                               {{tt::randomTensor({70000, 3}, 15)}});
}

TEST(OpSoftmax, DeviceLargeValues) {
  expectDeviceMatchesReference(
      "Softmax", Attributes(),
      {{tt::randomTensor({5, 9}, 14, 1000.0f, 1010.0f)}});
}

} // namespace
