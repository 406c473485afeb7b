//===- tests/unit/RuntimeElementwiseTest.cpp - Fast elementwise paths -----===//
//
// The vec4 and several-elements-per-invocation paths of shaders/unary.comp
// and shaders/binary.comp (ops/Unary.cpp, ops/Binary.cpp) against the ops'
// naive CPU references, on the device with validation on: same shapes,
// per-channel and last-dim bias broadcasts, splat operands, shapes that must
// fall back to the scalar path, and tensors large enough for 2 and 4 units
// per invocation. Also the dim merging of coalesceBinary by hand.
//
//===----------------------------------------------------------------------===//
#include "OpTestUtil.h"

#include "ops/Binary.h"
#include "ops/Broadcast.h"
#include "ops/Unary.h"

#include <gtest/gtest.h>

using namespace llvm;
using namespace tlc;
namespace tt = tlc::testing;

namespace {

SymShape exprs(const Shape &s) { return SymShape(s.begin(), s.end()); }

/// The merged layout of static shapes \p a and \p b, with constant dims
/// and strides read back as integers.
struct StaticLayout {
  Shape dims, sa, sb;
  bool vec4;
};

Shape constants(const SymShape &s) {
  Shape r;
  for (const DimExpr &d : s)
    r.push_back(d.constant());
  return r;
}

StaticLayout layoutOf(Shape a, Shape b) {
  SymShape out = cantFail(broadcastShapes(exprs(a), exprs(b)));
  BinaryLayout l = coalesceBinary(out, broadcastStrides(exprs(a), out),
                                  broadcastStrides(exprs(b), out));
  return {constants(l.dims), constants(l.sa), constants(l.sb), l.vec4};
}

TEST(RuntimeElementwise, CoalesceMergesSameShapeIntoOneDim) {
  StaticLayout l = layoutOf({2, 3, 8}, {2, 3, 8});
  EXPECT_EQ(l.dims, Shape({48}));
  EXPECT_EQ(l.sa, Shape({1}));
  EXPECT_EQ(l.sb, Shape({1}));
  EXPECT_TRUE(l.vec4);
}

TEST(RuntimeElementwise, CoalescePerChannelBias) {
  // NCHW + (1, C, 1, 1): H and W merge, C stays apart.
  StaticLayout l = layoutOf({1, 8, 6, 6}, {1, 8, 1, 1});
  EXPECT_EQ(l.dims, Shape({8, 36}));
  EXPECT_EQ(l.sa, Shape({36, 1}));
  EXPECT_EQ(l.sb, Shape({1, 0}));
  EXPECT_TRUE(l.vec4);
  // 7x7 = 49 is not a multiple of 4: scalar path.
  EXPECT_FALSE(layoutOf({1, 8, 7, 7}, {1, 8, 1, 1}).vec4);
}

TEST(RuntimeElementwise, CoalesceBroadcastBothWays) {
  StaticLayout l = layoutOf({4, 1, 8}, {1, 5, 8});
  EXPECT_EQ(l.dims, Shape({4, 5, 8}));
  EXPECT_EQ(l.sa, Shape({8, 0, 1}));
  EXPECT_EQ(l.sb, Shape({0, 8, 1}));
  EXPECT_TRUE(l.vec4);
  // Innermost dim broadcast in A with stride 0 and B contiguous: vec4 with
  // a splat of A... only when the innermost dim is a multiple of 4.
  EXPECT_FALSE(layoutOf({3, 1}, {3, 5}).vec4);
  EXPECT_TRUE(layoutOf({3, 1}, {3, 8}).vec4);
  // A scalar against anything is one dim.
  StaticLayout s = layoutOf({}, {2, 3, 4});
  EXPECT_EQ(s.dims, Shape({24}));
  EXPECT_EQ(s.sa, Shape({0}));
}

TEST(RuntimeElementwise, LoweringPicksVec4AndItems) {
  DispatchDesc small = lowerUnary(UnaryOpCode::Relu, 1000);
  ASSERT_EQ(small.specConstants.size(), 6u);
  EXPECT_EQ(small.specConstants[4].bits, 1u); // vec4
  EXPECT_EQ(small.specConstants[5].bits, 1u);
  EXPECT_EQ(small.groups[0], 1u); // 250 vec4s
  DispatchDesc odd = lowerUnary(UnaryOpCode::Relu, 1001);
  EXPECT_EQ(odd.specConstants[4].bits, 0u);
  DispatchDesc big = lowerUnary(UnaryOpCode::Relu, int64_t(64) << 20);
  EXPECT_EQ(big.specConstants[5].bits, 4u);
  EXPECT_EQ(uint64_t(big.groups[0]) * big.groups[1] * 256 * 4,
            (uint64_t(64) << 20) / 4);
}

TEST(RuntimeElementwise, BinaryVec4ShapesMatchReference) {
  struct Case {
    Shape a, b;
  } cases[] = {
      {{2, 3, 8}, {2, 3, 8}},       // same shape, one vec4 dim
      {{1, 8, 6, 6}, {1, 8, 1, 1}}, // per-channel bias
      {{2, 5, 12}, {12}},           // last-dim bias (GPT-2's Add of a bias)
      {{4, 1, 8}, {1, 5, 8}},       // both ways, contiguous innermost
      {{3, 16}, {3, 1}},            // splat of B per row
      {{}, {2, 3, 4}},              // scalar A
      {{1, 8, 7, 7}, {1, 8, 1, 1}}, // scalar fallback
      {{3, 5}, {5}},                // scalar fallback
  };
  uint32_t seed = 1;
  for (const char *op : {"Add", "Mul", "Sub", "Div"})
    for (const Case &c : cases) {
      std::string trace = std::string(op) + " " + tt::f32(c.a).shapeStr() +
                          " , " + tt::f32(c.b).shapeStr();
      SCOPED_TRACE(trace);
      HostTensor b = tt::randomTensor(c.b, seed++, 0.5f, 2.0f); // no /0
      tt::expectDeviceMatchesReference(
          op, Attributes(), {{tt::randomTensor(c.a, seed++)}, {b, true}});
    }
}

TEST(RuntimeElementwise, PowVec4NegativeBases) {
  // Integral exponents on negative bases take the sign path per lane.
  tt::expectDeviceMatchesReference(
      "Pow", Attributes(),
      {{tt::tensor({2, 4}, {-2, -1.5f, 3, 0.5f, -3, 2, -0.5f, 4})},
       {tt::tensor({4}, {2, 3, 2, 0.5f}), true}});
}

TEST(RuntimeElementwise, LargeTensorsUseSeveralItemsPerInvocation) {
  // 2^22 floats = 2^20 vec4s: 2 per invocation; 2^22 + 2 floats: scalar
  // path with 4 per invocation.
  for (int64_t n : {int64_t(1) << 22, (int64_t(1) << 22) + 2}) {
    SCOPED_TRACE(n);
    tt::expectDeviceMatchesReference(
        "Add", Attributes(),
        {{tt::randomTensor({n}, 11)}, {tt::randomTensor({n}, 12)}});
    tt::expectDeviceMatchesReference("Relu", Attributes(),
                                     {{tt::randomTensor({n}, 13)}});
  }
}

TEST(RuntimeElementwise, UnaryVec4AndScalarMatchReference) {
  for (const char *op : {"Relu", "Sigmoid", "HardSwish", "Sqrt"})
    for (Shape s : {Shape{2, 3, 8}, Shape{3, 7}}) {
      std::string trace = std::string(op) + " " + tt::f32(s).shapeStr();
      SCOPED_TRACE(trace);
      float lo = StringRef(op) == "Sqrt" ? 0.0f : -4.0f;
      tt::expectDeviceMatchesReference(op, Attributes(),
                                       {{tt::randomTensor(s, 21, lo, 4.0f)}});
    }
}

} // namespace
