//===- tests/unit/OpGatherElementsTest.cpp - ops/GatherElements.cpp -------===//
//
// GatherElements: the ONNX specification's examples by hand, the device
// against the reference (f32 and i32 data, i64 and i32 indices, negative
// indices, each axis, indices smaller than data off the axis), and the
// shape rule's errors.
//
//===----------------------------------------------------------------------===//
#include "OpTestUtil.h"

#include <gtest/gtest.h>

using namespace llvm;
using namespace tlc;
namespace tt = tlc::testing;

namespace {

Attributes axisAttr(int64_t a) {
  Attributes r;
  r.values["axis"] = a;
  return r;
}

TEST(OpGatherElements, SpecExamplesByHand) {
  // https://onnx.ai/onnx/operators/onnx__GatherElements.html
  auto r = tt::runReference("GatherElements", axisAttr(1),
                            {{tt::tensor({2, 2}, {1, 2, 3, 4})},
                             {tt::ints({2, 2}, {0, 0, 1, 0}), true}});
  ASSERT_TRUE(bool(r)) << toString(r.takeError());
  EXPECT_EQ((*r)[0].f32().vec(), (std::vector<float>{1, 1, 4, 3}));
  r = tt::runReference("GatherElements", axisAttr(0),
                       {{tt::tensor({3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9})},
                        {tt::ints({2, 3}, {1, 2, 0, 2, 0, -3}), true}});
  ASSERT_TRUE(bool(r)) << toString(r.takeError());
  EXPECT_EQ((*r)[0].f32().vec(), (std::vector<float>{4, 8, 3, 7, 2, 3}));
}

HostTensor indices(DType t, Shape shape, int64_t n, uint32_t seed) {
  HostTensor h(TensorType{t, shape});
  uint32_t s = seed;
  for (int64_t i = 0; i < h.numElements(); ++i) {
    s = s * 1103515245u + 12345u;
    h.setInt(i, int64_t((s >> 10) % uint32_t(2 * n)) - n); // [-n, n)
  }
  return h;
}

TEST(OpGatherElements, DeviceMatchesReference) {
  for (int64_t axis : {0, 1, 2})
    for (DType it : {DType::I64, DType::I32}) {
      Shape xs{4, 5, 6};
      Shape is{3, 4, 2};
      is[size_t(axis)] = 7;
      tt::expectDeviceMatchesReference(
          "GatherElements", axisAttr(axis - 3 * (axis == 2)),
          {{tt::randomTensor(xs, 40 + uint32_t(axis))},
           {indices(it, is, xs[size_t(axis)], 50 + uint32_t(axis))}});
    }
  HostTensor xi(TensorType{DType::I32, {3, 4}});
  for (int64_t i = 0; i < 12; ++i)
    xi.setInt(i, -1000 * i - 7);
  std::vector<tt::OpOperand> ops = {{xi},
                                    {indices(DType::I64, {5, 4}, 3, 60)}};
  auto ref = tt::runReference("GatherElements", axisAttr(0), ops);
  auto dev = tt::runOnDevice("GatherElements", axisAttr(0), ops);
  ASSERT_TRUE(ref && dev);
  EXPECT_EQ((*dev)[0].bytes().vec(), (*ref)[0].bytes().vec());
}

TEST(OpGatherElements, ShapeRuleErrors) {
  auto rule = [](std::vector<TensorType> in, int64_t axis = 0) {
    return tt::shapeRule("GatherElements", axisAttr(axis), in);
  };
  TensorType i64{DType::I64, {2, 3}};
  EXPECT_NE(rule({tt::f32({2}), i64}).find("must have the rank"),
            std::string::npos);
  EXPECT_NE(rule({tt::f32({2, 2}), i64}).find("at dim 1"), std::string::npos);
  EXPECT_NE(rule({tt::f32({2, 3}), i64}, 2).find("axis"), std::string::npos);
  EXPECT_NE(rule({tt::f32({2, 3}), tt::f32({2, 3})}).find("indices"),
            std::string::npos);
  std::vector<tt::OpOperand> bad = {{tt::tensor({2}, {1, 2})},
                                    {tt::ints({1}, {2}), true}};
  auto r = tt::runReference("GatherElements", axisAttr(0), bad);
  ASSERT_FALSE(bool(r));
  EXPECT_NE(toString(r.takeError()).find("expected a value in [-2, 1]"),
            std::string::npos);
}

} // namespace
