//===- tests/unit/OpVariadicTest.cpp - ops/Variadic.cpp -------------------===//
//
// Max, Min, Sum, Mean over one to four broadcast inputs and PRelu with a
// broadcast slope: CPU references against values computed by hand, the
// dispatch chain (binary.comp in place, unary.comp copy and scale) against
// the references, and the shape rules' errors.
//
//===----------------------------------------------------------------------===//
#include "OpTestUtil.h"

#include <gtest/gtest.h>

using namespace llvm;
using namespace tlc;
namespace tt = tlc::testing;

namespace {

TEST(OpVariadic, ReferencesByHand) {
  auto run = [](StringRef op) {
    auto y = tt::runReference(
        op, Attributes(),
        {{tt::tensor({3}, {1, 5, -2})}, {tt::tensor({1}, {2})},
         {tt::tensor({3}, {0, 4, 7})}});
    EXPECT_TRUE(bool(y)) << toString(y.takeError());
    return y ? (*y)[0].f32().vec() : std::vector<float>();
  };
  EXPECT_EQ(run("Max"), (std::vector<float>{2, 5, 7}));
  EXPECT_EQ(run("Min"), (std::vector<float>{0, 2, -2}));
  EXPECT_EQ(run("Sum"), (std::vector<float>{3, 11, 7}));
  std::vector<float> mean = run("Mean");
  ASSERT_EQ(mean.size(), 3u);
  EXPECT_FLOAT_EQ(mean[1], 11.0f / 3.0f);
  auto p = tt::runReference("PRelu", Attributes(),
                            {{tt::tensor({2, 2}, {-1, 2, -3, 4})},
                             {tt::tensor({2}, {0.5f, 0.25f})}});
  ASSERT_TRUE(bool(p)) << toString(p.takeError());
  EXPECT_EQ((*p)[0].f32().vec(), (std::vector<float>{-0.5f, 2, -1.5f, 4}));
}

TEST(OpVariadic, DeviceMatchesReference) {
  uint32_t seed = 70;
  for (const char *op : {"Max", "Min", "Sum", "Mean"}) {
    SCOPED_TRACE(op);
    // One input: a copy.
    tt::expectDeviceMatchesReference(op, Attributes(),
                                     {{tt::randomTensor({3, 7, 5}, ++seed)}});
    // Two and four inputs broadcasting in both directions; the output
    // shape comes from the last input (the chain's first step already
    // writes the full output).
    tt::expectDeviceMatchesReference(
        op, Attributes(),
        {{tt::randomTensor({4, 1, 8}, ++seed)},
         {tt::randomTensor({1, 5, 8}, ++seed)}});
    tt::expectDeviceMatchesReference(
        op, Attributes(),
        {{tt::randomTensor({5, 1}, ++seed)},
         {tt::randomTensor({3, 1, 1}, ++seed)},
         {tt::randomTensor({}, ++seed)},
         {tt::randomTensor({3, 5, 12}, ++seed)}});
  }
  tt::expectDeviceMatchesReference(
      "PRelu", Attributes(),
      {{tt::randomTensor({2, 3, 4, 5}, ++seed)},
       {tt::randomTensor({3, 1, 1}, ++seed)}});
  tt::expectDeviceMatchesReference("PRelu", Attributes(),
                                   {{tt::randomTensor({6, 8}, ++seed)},
                                    {tt::randomTensor({8}, ++seed)}});
}

TEST(OpVariadic, ShapeRules) {
  auto expectError = [](StringRef op, std::vector<TensorType> in,
                        StringRef part) {
    std::string msg = tt::shapeRule(op, Attributes(), std::move(in));
    EXPECT_NE(msg.find(part.str()), std::string::npos)
        << op.str() << ": '" << msg << "' lacks '" << part.str() << "'";
  };
  expectError("Sum", {}, "expected at least 1 input");
  expectError("Max", {tt::f32({3}), TensorType{DType::I64, {3}}},
              "has dtype i64; expected f32");
  expectError("Min", {tt::f32({3}), tt::f32({4})}, "3");
  expectError("PRelu", {tt::f32({3}), tt::f32({2, 3})},
              "does not broadcast to X's");
  std::vector<TensorType> out;
  EXPECT_EQ(tt::shapeRule("Mean", Attributes(),
                          {tt::f32({2, 1}), tt::f32({1, 3}), tt::f32({3})},
                          &out),
            "");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], tt::f32({2, 3}));
}

} // namespace
