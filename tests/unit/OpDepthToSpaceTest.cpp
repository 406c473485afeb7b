//===- tests/unit/OpDepthToSpaceTest.cpp - ops/DepthToSpace.cpp -----------===//
//
// DepthToSpace (DCR, CRD) and SpaceToDepth: the references against a case
// worked by hand and against each other (SpaceToDepth then DepthToSpace DCR
// is the identity, as the ONNX operator documentation states), the strided
// copy against the references, and the shape rules' errors.
//
//===----------------------------------------------------------------------===//
#include "OpTestUtil.h"

#include <gtest/gtest.h>

#include <numeric>

using namespace llvm;
using namespace tlc;
namespace tt = tlc::testing;

namespace {

Attributes attrs(int64_t blocksize, const char *mode = nullptr) {
  Attributes a;
  a.values["blocksize"] = blocksize;
  if (mode)
    a.values["mode"] = std::string(mode);
  return a;
}

TEST(OpDepthToSpace, ReferencesByHand) {
  // 1x4x1x1 with blocksize 2: DCR puts channel i*2+j at (i, j); CRD the same
  // for one output channel; 1x8x1x1 gives two output channels.
  auto d2s = tt::runReference("DepthToSpace", attrs(2),
                              {{tt::tensor({1, 4, 1, 1}, {0, 1, 2, 3})}});
  ASSERT_TRUE(bool(d2s)) << toString(d2s.takeError());
  EXPECT_EQ((*d2s)[0].type.shape, (Shape{1, 1, 2, 2}));
  EXPECT_EQ((*d2s)[0].f32().vec(), (std::vector<float>{0, 1, 2, 3}));
  std::vector<float> eight(8);
  std::iota(eight.begin(), eight.end(), 0.0f);
  auto dcr = tt::runReference("DepthToSpace", attrs(2, "DCR"),
                              {{tt::tensor({1, 8, 1, 1}, eight)}});
  auto crd = tt::runReference("DepthToSpace", attrs(2, "CRD"),
                              {{tt::tensor({1, 8, 1, 1}, eight)}});
  ASSERT_TRUE(dcr && crd);
  // DCR: output channel c' takes input channels (i*2+j)*2 + c'.
  EXPECT_EQ((*dcr)[0].f32().vec(),
            (std::vector<float>{0, 2, 4, 6, 1, 3, 5, 7}));
  // CRD: output channel c' takes input channels c'*4 + i*2 + j.
  EXPECT_EQ((*crd)[0].f32().vec(),
            (std::vector<float>{0, 1, 2, 3, 4, 5, 6, 7}));
}

TEST(OpDepthToSpace, SpaceToDepthThenDcrIsIdentity) {
  HostTensor x = tt::randomTensor({2, 3, 6, 9}, 5);
  auto s2d = tt::runReference("SpaceToDepth", attrs(3), {{x}});
  ASSERT_TRUE(bool(s2d)) << toString(s2d.takeError());
  EXPECT_EQ((*s2d)[0].type.shape, (Shape{2, 27, 2, 3}));
  auto back = tt::runReference("DepthToSpace", attrs(3), {{(*s2d)[0]}});
  ASSERT_TRUE(bool(back)) << toString(back.takeError());
  EXPECT_EQ((*back)[0].f32().vec(), x.f32().vec());
}

TEST(OpDepthToSpace, DeviceMatchesReference) {
  uint32_t seed = 90;
  for (const char *mode : {"DCR", "CRD"})
    for (int64_t b : {1, 2, 3})
      tt::expectDeviceMatchesReference(
          "DepthToSpace", attrs(b, mode),
          {{tt::randomTensor({2, 2 * b * b, 5, 3}, ++seed)}});
  for (int64_t b : {1, 2, 4})
    tt::expectDeviceMatchesReference(
        "SpaceToDepth", attrs(b),
        {{tt::randomTensor({1, 3, 4 * b, 2 * b}, ++seed)}});
}

TEST(OpDepthToSpace, ShapeRules) {
  auto expectError = [](StringRef op, const Attributes &a, Shape s,
                        StringRef part) {
    std::string msg = tt::shapeRule(op, a, {tt::f32(std::move(s))});
    EXPECT_NE(msg.find(part.str()), std::string::npos)
        << op.str() << ": '" << msg << "' lacks '" << part.str() << "'";
  };
  expectError("DepthToSpace", attrs(2), {1, 6, 2, 2},
              "not a multiple of blocksize^2");
  expectError("DepthToSpace", attrs(2, "XYZ"), {1, 8, 2, 2},
              "expected 'DCR' or 'CRD'");
  expectError("DepthToSpace", Attributes(), {1, 8, 2, 2},
              "'blocksize' is required");
  expectError("SpaceToDepth", attrs(0), {1, 8, 2, 2}, "expected 1 to 4096");
  expectError("SpaceToDepth", attrs(2), {1, 1, 3, 4},
              "not multiples of blocksize");
  expectError("SpaceToDepth", attrs(2, "DCR"), {1, 1, 4, 4},
              "unknown attribute 'mode'");
  expectError("DepthToSpace", attrs(2), {4, 8}, "rank 4");
}

} // namespace
