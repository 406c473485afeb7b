//===- tests/unit/OpCumSumTest.cpp - CumSum and GlobalMaxPool -------------===//
//
// CumSum against sums worked by hand (inclusive, exclusive, reverse, an
// inner axis, integers folding) and on the device against its reference;
// GlobalMaxPool on the device (a reduce dispatch, narrow and subgroup
// builds) against its reference.
//
//===----------------------------------------------------------------------===//
#include "OpTestUtil.h"

#include <gtest/gtest.h>

using namespace llvm;
using namespace tlc;
namespace tt = tlc::testing;

namespace {

Attributes flags(int64_t exclusive, int64_t reverse) {
  Attributes a;
  a.values["exclusive"] = exclusive;
  a.values["reverse"] = reverse;
  return a;
}

std::vector<float> cumsum(Attributes a, int64_t axis) {
  auto r = tt::runReference(
      "CumSum", a,
      {{tt::tensor({2, 3}, {1, 2, 3, 4, 5, 6})}, {tt::ints({}, {axis}), true}});
  EXPECT_TRUE(bool(r)) << toString(r.takeError());
  return r ? (*r)[0].f32().vec() : std::vector<float>{};
}

TEST(OpCumSum, ReferencesByHand) {
  EXPECT_EQ(cumsum(flags(0, 0), 1), (std::vector<float>{1, 3, 6, 4, 9, 15}));
  EXPECT_EQ(cumsum(flags(1, 0), 1), (std::vector<float>{0, 1, 3, 0, 4, 9}));
  EXPECT_EQ(cumsum(flags(0, 1), 1), (std::vector<float>{6, 5, 3, 15, 11, 6}));
  EXPECT_EQ(cumsum(flags(1, 1), -1), (std::vector<float>{5, 3, 0, 11, 6, 0}));
  EXPECT_EQ(cumsum(flags(0, 0), 0), (std::vector<float>{1, 2, 3, 5, 7, 9}));
  // i64 folds (position ids from an attention mask of ones).
  auto r = tt::runReference("CumSum", Attributes(),
                            {{tt::ints({4}, {1, 1, 1, 1})},
                             {tt::ints({}, {0}), true}});
  ASSERT_TRUE(bool(r)) << toString(r.takeError());
  EXPECT_EQ((*r)[0].intAt(3), 4);
}

TEST(OpCumSum, DeviceMatchesReference) {
  HostTensor x = tt::randomTensor({3, 70, 5}, 90);
  for (int64_t axis : {1, 0, -1})
    for (int64_t ex : {0, 1})
      for (int64_t rev : {0, 1})
        tt::expectDeviceMatchesReference(
            "CumSum", flags(ex, rev), {{x}, {tt::ints({}, {axis}), true}});
}

TEST(OpGlobalMaxPool, DeviceMatchesReference) {
  for (Shape s : {Shape{2, 3, 5, 7}, Shape{1, 4, 20, 31}, Shape{2, 2, 3}})
    tt::expectDeviceMatchesReference(
        "GlobalMaxPool", Attributes(), {{tt::randomTensor(s, 91, -3.0f, 1.0f)}});
  auto r = tt::runReference("GlobalMaxPool", Attributes(),
                            {{tt::tensor({1, 2, 2}, {1, 5, -2, -3})}});
  ASSERT_TRUE(bool(r));
  EXPECT_EQ((*r)[0].f32().vec(), (std::vector<float>{5, -2}));
}

} // namespace
