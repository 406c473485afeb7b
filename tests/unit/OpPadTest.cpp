//===- tests/unit/OpPadTest.cpp - ops/Pad.cpp, ops/Tile.cpp ---------------===//
//
// Pad: the reference against cases worked by hand (constant, reflect,
// edge, a crop), the device against the reference in every mode for f32
// and i32 (with a run-time constant_value), the shape rule's errors, and
// the removal of all-zero pads. Tile (the other copy that maps output
// coordinates back by a rule): by hand, and on the device for f32 and i32.
//
//===----------------------------------------------------------------------===//
#include "OpTestUtil.h"

#include "driver/Pipeline.h"
#include "ops/NoOp.h"
#include "passes/Passes.h"

#include <gtest/gtest.h>

using namespace llvm;
using namespace tlc;
namespace tt = tlc::testing;

namespace {

Attributes mode(const char *m) {
  Attributes a;
  a.values["mode"] = std::string(m);
  return a;
}

std::vector<float> padRow(const char *m, std::vector<int64_t> pads) {
  auto r = tt::runReference("Pad", mode(m),
                            {{tt::tensor({4}, {1, 2, 3, 4})},
                             {tt::ints({2}, pads), true}});
  EXPECT_TRUE(bool(r)) << toString(r.takeError());
  return r ? (*r)[0].f32().vec() : std::vector<float>{};
}

TEST(OpPad, ReferencesByHand) {
  // [1 2 3 4] padded by (2, 1): numpy.pad's constant, reflect and edge.
  EXPECT_EQ(padRow("constant", {2, 1}),
            (std::vector<float>{0, 0, 1, 2, 3, 4, 0}));
  EXPECT_EQ(padRow("reflect", {2, 1}),
            (std::vector<float>{3, 2, 1, 2, 3, 4, 3}));
  EXPECT_EQ(padRow("edge", {2, 1}), (std::vector<float>{1, 1, 1, 2, 3, 4, 4}));
  // Negative pads crop.
  EXPECT_EQ(padRow("constant", {-1, 1}), (std::vector<float>{2, 3, 4, 0}));
}

TEST(OpPad, DeviceMatchesReference) {
  HostTensor x = tt::randomTensor({2, 3, 4, 5}, 70);
  HostTensor xi(TensorType{DType::I32, {3, 4}});
  for (int64_t i = 0; i < xi.numElements(); ++i)
    xi.setInt(i, i * 37 - 200);
  HostTensor value(TensorType{DType::F32, {}});
  value.f32()[0] = -7.5f;
  HostTensor valueI(TensorType{DType::I32, {}});
  valueI.setInt(0, 123);
  for (const char *m : {"constant", "reflect", "edge"}) {
    SCOPED_TRACE(m);
    tt::expectDeviceMatchesReference(
        "Pad", mode(m),
        {{x}, {tt::ints({8}, {0, 1, 2, -1, 0, 2, 1, 3}), true}});
    tt::expectDeviceMatchesReference(
        "Pad", mode(m),
        {{x}, {tt::ints({8}, {1, 0, 0, 2, 1, 2, 3, 0}), true}, {value}});
    auto ref = tt::runReference(
        "Pad", mode(m), {{xi}, {tt::ints({4}, {2, 1, 1, 3}), true}, {valueI}});
    auto dev = tt::runOnDevice(
        "Pad", mode(m), {{xi}, {tt::ints({4}, {2, 1, 1, 3}), true}, {valueI}});
    ASSERT_TRUE(ref && dev);
    EXPECT_EQ((*dev)[0].type, (*ref)[0].type);
    EXPECT_EQ((*dev)[0].bytes().vec(), (*ref)[0].bytes().vec());
  }
}

TEST(OpPad, ShapeRuleErrors) {
  auto err = [](const char *m, std::vector<int64_t> pads) {
    auto r = tt::runReference("Pad", mode(m),
                              {{tt::tensor({4}, {1, 2, 3, 4})},
                               {tt::ints({int64_t(pads.size())}, pads), true}});
    return r ? std::string() : toString(r.takeError());
  };
  EXPECT_NE(err("reflect", {4, 0}).find("must be below its size 4"),
            std::string::npos);
  EXPECT_NE(err("constant", {1, 2, 3}).find("expected 2"), std::string::npos);
  EXPECT_NE(err("wrap", {1, 1}).find("expected constant, reflect or edge"),
            std::string::npos);
  EXPECT_NE(err("constant", {-2, -2}).find("empty"), std::string::npos);
}

TEST(OpPad, ZeroPadsAreRemoved) {
  // densenet's all-zero Pads before AveragePool: constant folding moves the
  // pads into the attribute, and the Pad is then a no-op.
  auto g = tt::buildOneNodeGraph(
      "Pad", mode("constant"),
      {{tt::randomTensor({1, 2, 3, 3}, 71)},
       {tt::ints({8}, {0, 0, 0, 0, 0, 0, 0, 0}), true}});
  ASSERT_TRUE(bool(g)) << toString(g.takeError());
  ASSERT_TRUE(bool(foldConstants(*g)));
  ASSERT_EQ(g->nodes.size(), 1u);
  EXPECT_EQ(g->nodes[0].inputs.size(), 1u);
  EXPECT_TRUE(isNoOp(*g, g->nodes[0]));
  g->nodes[0].attrs.values["pads"] = std::vector<int64_t>{0, 0, 0, 1, 0, 0, 0, 0};
  EXPECT_FALSE(isNoOp(*g, g->nodes[0]));
}

TEST(OpTile, ByHandAndOnTheDevice) {
  // [[1, 2], [3, 4]] repeated (2, 3): numpy.tile.
  auto r = tt::runReference("Tile", Attributes(),
                            {{tt::tensor({2, 2}, {1, 2, 3, 4})},
                             {tt::ints({2}, {2, 3}), true}});
  ASSERT_TRUE(bool(r)) << toString(r.takeError());
  EXPECT_EQ((*r)[0].type.shape, (Shape{4, 6}));
  EXPECT_EQ((*r)[0].f32().vec(),
            (std::vector<float>{1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4,
                                1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4}));
  tt::expectDeviceMatchesReference(
      "Tile", Attributes(),
      {{tt::randomTensor({2, 3, 4, 5}, 72)}, {tt::ints({4}, {2, 1, 3, 2}), true}});
  HostTensor xi(TensorType{DType::I32, {3, 1}});
  for (int64_t i = 0; i < 3; ++i)
    xi.setInt(i, -7 * i - 1);
  auto ref = tt::runReference("Tile", Attributes(),
                              {{xi}, {tt::ints({2}, {2, 4}), true}});
  auto dev = tt::runOnDevice("Tile", Attributes(),
                             {{xi}, {tt::ints({2}, {2, 4}), true}});
  ASSERT_TRUE(ref && dev);
  EXPECT_EQ((*dev)[0].bytes().vec(), (*ref)[0].bytes().vec());
  EXPECT_NE(tt::shapeRule("Tile", Attributes(), {tt::f32({2}), tt::f32({1})})
                .find("repeats"),
            std::string::npos);
}

} // namespace
