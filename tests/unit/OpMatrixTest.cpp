//===- tests/unit/OpMatrixTest.cpp - Gemm and MatMul ----------------------===//
//
// Shape-rule errors, CPU references against hand-computed products, and the
// tiled gemm shader against the CPU references on odd sizes (not multiples
// of the 16x16 tile), transposes, broadcast C, 1-D promotion and batch
// broadcasting. Device tolerance: relative L2 error <= 1e-5.
//
//===----------------------------------------------------------------------===//
#include "OpTestUtil.h"

#include <gtest/gtest.h>

using namespace llvm;
using namespace tlc;
namespace tt = tlc::testing;
using tt::gemmAttrs;
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

TEST(OpGemm, ShapeRule) {
  std::vector<TensorType> out;
  EXPECT_EQ(shapeRule("Gemm", gemmAttrs(1, 1, 1, 1),
                      {f32({5, 7}), f32({3, 5}), f32({3})}, &out),
            "");
  EXPECT_EQ(out[0], f32({7, 3}));
  Attributes none;
  expectContains(shapeRule("Gemm", none, {f32({7, 5}), f32({4, 3})}),
                 "inner dimensions differ");
  expectContains(shapeRule("Gemm", none, {f32({7, 5}), f32({5, 3}), f32({7})}),
                 "not unidirectionally broadcastable");
  expectContains(
      shapeRule("Gemm", none, {f32({7, 5}), f32({5, 3}), f32({1, 7, 3})}),
      "not unidirectionally broadcastable");
  expectContains(shapeRule("Gemm", none, {f32({7, 5, 1}), f32({5, 3})}),
                 "rank 2");
  expectContains(
      shapeRule("Gemm", gemmAttrs(1, 1, 2, 0), {f32({7, 5}), f32({5, 3})}),
      "'transA' is 2");
  expectContains(shapeRule("Gemm", none, {f32({7, 5})}), "expected 2 or 3");
  expectContains(
      shapeRule("Gemm", none, {f32({1 << 20, 8}), f32({8, 1 << 20})}),
      "more than 2^32-1 elements");
  expectContains(
      shapeRule("Gemm", none, {f32({7, 5}), TensorType{DType::I32, {5, 3}}}),
      "only f32");
  Attributes misspelt;
  misspelt.values["transb"] = int64_t(1);
  expectContains(shapeRule("Gemm", misspelt, {f32({7, 5}), f32({5, 3})}),
                 "unknown attribute 'transb'");
  Attributes badAlpha;
  badAlpha.values["alpha"] = std::string("x");
  expectContains(shapeRule("Gemm", badAlpha, {f32({7, 5}), f32({5, 3})}),
                 "'alpha'");
}

TEST(OpGemm, ReferenceMatchesHandComputed) {
  OpOperand a{tensor({2, 2}, {1, 2, 3, 4})};
  OpOperand b{tensor({2, 2}, {5, 6, 7, 8}), true};
  OpOperand c{tensor({2}, {1, -1}), true};
  auto y = tt::runReference("Gemm", gemmAttrs(2, 1, 0, 0), {a, b, c});
  ASSERT_TRUE(bool(y)) << toString(y.takeError());
  // A*B = [[19, 22], [43, 50]]; 2*AB + [1, -1] per row.
  EXPECT_EQ((*y)[0].f32().vec(), (std::vector<float>{39, 43, 87, 99}));
  // transA and transB: A^T * B^T = [[1,3],[2,4]] * [[5,7],[6,8]].
  auto t = tt::runReference("Gemm", gemmAttrs(1, 0, 1, 1), {a, b, c});
  ASSERT_TRUE(bool(t)) << toString(t.takeError());
  EXPECT_EQ((*t)[0].f32().vec(), (std::vector<float>{23, 31, 34, 46}));
}

TEST(OpGemm, DevicePlainNoC) {
  expectDeviceMatchesReference(
      "Gemm", Attributes(),
      {{tt::randomTensor({7, 13}, 1)}, {tt::randomTensor({13, 5}, 2), true}});
}

TEST(OpGemm, DeviceTransposedWithScalarLikeC) {
  expectDeviceMatchesReference("Gemm", gemmAttrs(0.5, -2.0, 1, 1),
                               {{tt::randomTensor({37, 19}, 3)},
                                {tt::randomTensor({23, 37}, 4), true},
                                {tt::randomTensor({1}, 5), true}});
}

TEST(OpGemm, DeviceBroadcastC) {
  // C as a row [N], a column [M, 1] and a full [M, N] matrix.
  for (Shape cShape : {Shape{33}, Shape{17, 1}, Shape{17, 33}})
    expectDeviceMatchesReference("Gemm", gemmAttrs(1.0, 0.75, 0, 1),
                                 {{tt::randomTensor({17, 40}, 6)},
                                  {tt::randomTensor({33, 40}, 7), true},
                                  {tt::randomTensor(cShape, 8), true}});
}

TEST(OpGemm, DeviceFullyConnectedLayer) {
  expectDeviceMatchesReference("Gemm", gemmAttrs(1, 1, 0, 1),
                               {{tt::randomTensor({100, 3136}, 9)},
                                {tt::randomTensor({128, 3136}, 10), true},
                                {tt::randomTensor({128}, 11), true}});
}

TEST(OpMatMul, ShapeRule) {
  Attributes none;
  std::vector<TensorType> out;
  EXPECT_EQ(
      shapeRule("MatMul", none, {f32({2, 1, 7, 5}), f32({3, 5, 4})}, &out), "");
  EXPECT_EQ(out[0], f32({2, 3, 7, 4}));
  EXPECT_EQ(shapeRule("MatMul", none, {f32({5}), f32({3, 5, 4})}, &out), "");
  EXPECT_EQ(out[0], f32({3, 4}));
  EXPECT_EQ(shapeRule("MatMul", none, {f32({3, 7, 5}), f32({5})}, &out), "");
  EXPECT_EQ(out[0], f32({3, 7}));
  EXPECT_EQ(shapeRule("MatMul", none, {f32({5}), f32({5})}, &out), "");
  EXPECT_EQ(out[0], f32({}));
  expectContains(shapeRule("MatMul", none, {f32({7, 5}), f32({4, 3})}),
                 "inner dimensions differ");
  expectContains(shapeRule("MatMul", none, {f32({2, 7, 5}), f32({3, 5, 3})}),
                 "not broadcastable");
  expectContains(
      shapeRule("MatMul", none, {f32({2, 2, 2, 2, 2, 7, 5}), f32({5, 3})}),
      "at most 4 batch");
  expectContains(shapeRule("MatMul", none, {f32({}), f32({5, 3})}),
                 "rank >= 1");
  expectContains(shapeRule("MatMul", none,
                           {f32({1 << 12, 1 << 12, 1, 8}), f32({8, 1 << 10})}),
                 "more than 2^32-1 elements");
}

TEST(OpMatMul, ReferenceMatchesHandComputed) {
  // Dot product of two vectors gives a scalar.
  auto d = tt::runReference(
      "MatMul", Attributes(),
      {{tensor({3}, {1, 2, 3})}, {tensor({3}, {4, 5, 6}), true}});
  ASSERT_TRUE(bool(d)) << toString(d.takeError());
  EXPECT_EQ((*d)[0].f32().vec(), (std::vector<float>{32}));
  // Batch of two [1x2] times one broadcast [2x2].
  auto b = tt::runReference("MatMul", Attributes(),
                            {{tensor({2, 1, 2}, {1, 2, 3, 4})},
                             {tensor({2, 2}, {1, 0, 1, 1}), true}});
  ASSERT_TRUE(bool(b)) << toString(b.takeError());
  EXPECT_EQ((*b)[0].f32().vec(), (std::vector<float>{3, 2, 7, 4}));
}

TEST(OpMatMul, DevicePlain) {
  expectDeviceMatchesReference(
      "MatMul", Attributes(),
      {{tt::randomTensor({7, 13}, 12)}, {tt::randomTensor({13, 9}, 13)}});
}

TEST(OpMatMul, DeviceBatchBroadcast) {
  expectDeviceMatchesReference("MatMul", Attributes(),
                               {{tt::randomTensor({2, 1, 3, 7, 13}, 14)},
                                {tt::randomTensor({4, 1, 13, 9}, 15), true}});
}

TEST(OpMatMul, DeviceVectorPromotion) {
  expectDeviceMatchesReference(
      "MatMul", Attributes(),
      {{tt::randomTensor({13}, 16)}, {tt::randomTensor({3, 13, 9}, 17)}});
  expectDeviceMatchesReference(
      "MatMul", Attributes(),
      {{tt::randomTensor({3, 5, 13}, 18)}, {tt::randomTensor({13}, 19)}});
}

} // namespace
