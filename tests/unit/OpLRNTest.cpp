//===- tests/unit/OpLRNTest.cpp - ops/LRN.cpp -------------------------------===//
//
// LRN: three channels by hand (the window clipped at both ends), the device
// against the reference with an even size, the required attribute.
//
//===----------------------------------------------------------------------===//
#include "OpTestUtil.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace llvm;
using namespace tlc;
namespace tt = tlc::testing;

namespace {

TEST(OpLRN, ReferenceByHandAndDevice) {
  // Channels [1, 2, 3] at one position, size 3, alpha 3, beta 1, bias 1:
  // channel 1 sums 1 + 4 + 9 = 14 -> 2 / (1 + 14) ; channel 0 sums 1 + 4
  // (channel -1 does not exist) -> 1 / 6; channel 2 sums 4 + 9 -> 3 / 14.
  Attributes a;
  a.values["size"] = int64_t(3);
  a.values["alpha"] = 3.0;
  a.values["beta"] = 1.0;
  a.values["bias"] = 1.0;
  auto r = tt::runReference("LRN", a, {{tt::tensor({1, 3, 1}, {1, 2, 3})}});
  ASSERT_TRUE(bool(r)) << toString(r.takeError());
  EXPECT_NEAR((*r)[0].f32()[0], 1.0 / 6, 1e-6);
  EXPECT_NEAR((*r)[0].f32()[1], 2.0 / 15, 1e-6);
  EXPECT_NEAR((*r)[0].f32()[2], 3.0 / 14, 1e-6);
  Attributes b;
  b.values["size"] = int64_t(4); // even: one more channel above than below
  tt::expectDeviceMatchesReference("LRN", b,
                                   {{tt::randomTensor({2, 7, 3, 5}, 90)}});
  EXPECT_NE(tt::shapeRule("LRN", Attributes(), {tt::f32({1, 3, 4})})
                .find("'size' is required"),
            std::string::npos);
}

} // namespace
