//===- tests/unit/EmptyShapePieceTest.cpp - empty pieces of shape values --===//
//
// Exporters build shapes from pieces such as x.shape[2:], which is empty for
// a rank-2 x (torchvision's Swin Transformer does). A Slice of a constant
// 1-D integer tensor may therefore be empty; it folds, and Concat joins it
// as nothing. A float Slice that selects nothing is still refused, and an
// empty tensor left for the device is refused by checkRunsOnDevice.
//
//===----------------------------------------------------------------------===//
#include "OpTestUtil.h"

#include "ops/OpDef.h"

#include <gtest/gtest.h>

using namespace llvm;
using namespace tlc;
namespace tt = tlc::testing;

namespace {

TEST(EmptyShapePiece, SliceOfAConstantShapeFoldsToNothing) {
  // [56, 96][2:] is [].
  auto piece = tt::runReference(
      "Slice", Attributes(),
      {{tt::ints({2}, {56, 96}), true}, {tt::ints({1}, {2}), true},
       {tt::ints({1}, {INT64_MAX}), true}});
  ASSERT_TRUE(bool(piece)) << toString(piece.takeError());
  EXPECT_EQ((*piece)[0].type.shape, (Shape{0}));
  Attributes axis0;
  axis0.values["axis"] = int64_t(0);
  auto joined = tt::runReference(
      "Concat", axis0, {{tt::ints({2}, {8, 7}), true}, {(*piece)[0], true}});
  ASSERT_TRUE(bool(joined)) << toString(joined.takeError());
  ASSERT_EQ((*joined)[0].type.shape, (Shape{2}));
  EXPECT_EQ((*joined)[0].intAt(0), 8);
  EXPECT_EQ((*joined)[0].intAt(1), 7);
}

TEST(EmptyShapePiece, EmptyDataTensorsAreStillRefused) {
  // A float tensor (not a constant shape value) selecting nothing.
  std::string err = tt::shapeRule(
      "Slice", Attributes(),
      {tt::f32({4}), TensorType{DType::I64, {1}}, TensorType{DType::I64, {1}}});
  // Without constant starts the rule cannot even compute the shape.
  EXPECT_NE(err, "");
  auto r = tt::runReference("Slice", Attributes(),
                            {{tt::randomTensor({4}, 1), true},
                             {tt::ints({1}, {3}), true},
                             {tt::ints({1}, {1}), true}});
  ASSERT_FALSE(bool(r));
  EXPECT_NE(toString(r.takeError()).find("selects no element"),
            std::string::npos);
  // An empty output that did not fold cannot run on the device.
  Node n;
  n.name = "c";
  n.op = "Concat";
  Error e = checkRunsOnDevice(*lookupOp("Concat"), n,
                              {TensorType{DType::F32, {0, 3}}});
  ASSERT_TRUE(bool(e));
  EXPECT_NE(toString(std::move(e)).find("has no elements"), std::string::npos);
}

} // namespace
