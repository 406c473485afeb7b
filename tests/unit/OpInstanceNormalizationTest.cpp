//===- tests/unit/OpInstanceNormalizationTest.cpp - ops/InstanceNormalization.cpp ---===//
//
// InstanceNormalization: one plane by hand, the device against the reference
// over batches and channels, the shape rule's per-channel check.
//
//===----------------------------------------------------------------------===//
#include "OpTestUtil.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace llvm;
using namespace tlc;
namespace tt = tlc::testing;

namespace {

TEST(OpInstanceNormalization, ReferenceByHandAndDevice) {
  // One plane [1, 2, 3] of channel 0 (scale 2, B 1): mean 2, var 2/3,
  // so y = (x - 2) / sqrt(2/3 + eps) * 2 + 1.
  Attributes eps;
  eps.values["epsilon"] = 0.0;
  auto r = tt::runReference(
      "InstanceNormalization", eps,
      {{tt::tensor({1, 1, 3}, {1, 2, 3})}, {tt::tensor({1}, {2}), true},
       {tt::tensor({1}, {1}), true}});
  ASSERT_TRUE(bool(r)) << toString(r.takeError());
  double k = 2.0 / std::sqrt(2.0 / 3.0);
  EXPECT_NEAR((*r)[0].f32()[0], 1 - k, 1e-5);
  EXPECT_NEAR((*r)[0].f32()[1], 1, 1e-6);
  EXPECT_NEAR((*r)[0].f32()[2], 1 + k, 1e-5);
  // Several channels and batches (scale and B per channel) on the device.
  tt::expectDeviceMatchesReference(
      "InstanceNormalization", Attributes(),
      {{tt::randomTensor({2, 3, 5, 7}, 80)}, {tt::randomTensor({3}, 81), true},
       {tt::randomTensor({3}, 82), true}});
  EXPECT_NE(tt::shapeRule("InstanceNormalization", Attributes(),
                          {tt::f32({2, 3, 4}), tt::f32({2}), tt::f32({3})})
                .find("one value per channel"),
            std::string::npos);
}

} // namespace
