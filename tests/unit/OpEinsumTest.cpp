//===- tests/unit/OpEinsumTest.cpp - ops/Einsum.cpp -----------------------===//
//
// Einsum's reference against sums written out in the test (matrix product,
// batched product with a transposed operand, transpose, trace, batch
// diagonal, implicit output, ellipsis broadcast), the device against the
// reference, f16 storage, and the shape rule's errors.
//
//===----------------------------------------------------------------------===//
#include "OpTestUtil.h"

#include <gtest/gtest.h>

using namespace llvm;
using namespace tlc;
namespace tt = tlc::testing;

namespace {

Attributes eq(const char *e) {
  Attributes a;
  a.values["equation"] = std::string(e);
  return a;
}

HostTensor einsum(const char *e, std::vector<HostTensor> ins) {
  std::vector<tt::OpOperand> ops;
  for (HostTensor &t : ins)
    ops.push_back({t});
  auto r = tt::runReference("Einsum", eq(e), ops);
  EXPECT_TRUE(bool(r)) << e << ": " << toString(r.takeError());
  return r ? (*r)[0] : HostTensor();
}

TEST(OpEinsum, ReferenceAgainstWrittenOutSums) {
  HostTensor a = tt::randomTensor({2, 3, 4}, 1), b = tt::randomTensor({2, 5, 4}, 2);
  // Batched A B^T: "bik,bjk->bij".
  HostTensor y = einsum("bik, bjk -> bij", {a, b});
  ASSERT_EQ(y.type.shape, (Shape{2, 3, 5}));
  for (int64_t n = 0; n < 2; ++n)
    for (int64_t i = 0; i < 3; ++i)
      for (int64_t j = 0; j < 5; ++j) {
        double s = 0;
        for (int64_t k = 0; k < 4; ++k)
          s += double(a.f32()[(n * 3 + i) * 4 + k]) * b.f32()[(n * 5 + j) * 4 + k];
        EXPECT_NEAR(y.f32()[(n * 3 + i) * 5 + j], s, 1e-5);
      }
  // Implicit output: "ij,jk" is "ik"; "ba" (letters once, sorted) is "ab",
  // a transpose.
  HostTensor m = tt::randomTensor({3, 4}, 3), n = tt::randomTensor({4, 2}, 4);
  HostTensor p = einsum("ij,jk", {m, n});
  ASSERT_EQ(p.type.shape, (Shape{3, 2}));
  for (int64_t i = 0; i < 3; ++i)
    for (int64_t k = 0; k < 2; ++k) {
      double s = 0;
      for (int64_t j = 0; j < 4; ++j)
        s += double(m.f32()[i * 4 + j]) * n.f32()[j * 2 + k];
      EXPECT_NEAR(p.f32()[i * 2 + k], s, 1e-5);
    }
  HostTensor t = einsum("ba", {m});
  ASSERT_EQ(t.type.shape, (Shape{4, 3}));
  for (int64_t i = 0; i < 3; ++i)
    for (int64_t j = 0; j < 4; ++j)
      EXPECT_EQ(t.f32()[j * 3 + i], m.f32()[i * 4 + j]);
  // Trace and batch diagonal (a repeated letter).
  HostTensor sq = tt::tensor({2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8});
  EXPECT_EQ(einsum("...ii->...i", {sq}).f32().vec(),
            (std::vector<float>{1, 4, 5, 8}));
  EXPECT_EQ(einsum("bii->", {sq}).f32().vec(), (std::vector<float>{18}));
  // Ellipsis broadcast: [2,1,3,4] x [5,4,2] over "...ij,...jk->...ik".
  HostTensor e1 = tt::randomTensor({2, 1, 3, 4}, 5),
             e2 = tt::randomTensor({5, 4, 2}, 6);
  HostTensor eb = einsum("...ij,...jk->...ik", {e1, e2});
  ASSERT_EQ(eb.type.shape, (Shape{2, 5, 3, 2}));
  for (int64_t u = 0; u < 2; ++u)
    for (int64_t v = 0; v < 5; ++v)
      for (int64_t i = 0; i < 3; ++i)
        for (int64_t k = 0; k < 2; ++k) {
          double s = 0;
          for (int64_t j = 0; j < 4; ++j)
            s += double(e1.f32()[(u * 3 + i) * 4 + j]) *
                 e2.f32()[(v * 4 + j) * 2 + k];
          EXPECT_NEAR(eb.f32()[((u * 5 + v) * 3 + i) * 2 + k], s, 1e-5);
        }
  // Integers fold exactly.
  HostTensor ia = tt::ints({3}, {1, 2, 3});
  EXPECT_EQ(einsum("i,i", {ia, ia}).intAt(0), 14);
}

TEST(OpEinsum, DeviceMatchesReference) {
  tt::expectDeviceMatchesReference(
      "Einsum", eq("bhid,bhjd->bhij"),
      {{tt::randomTensor({2, 3, 5, 8}, 11)}, {tt::randomTensor({2, 3, 7, 8}, 12)}});
  tt::expectDeviceMatchesReference(
      "Einsum", eq("bhij,bhjd->bhid"),
      {{tt::randomTensor({1, 2, 6, 9}, 13)}, {tt::randomTensor({1, 2, 9, 4}, 14)}});
  tt::expectDeviceMatchesReference("Einsum", eq("...ii->...i"),
                                   {{tt::randomTensor({3, 4, 4}, 15)}});
  tt::expectDeviceMatchesReference("Einsum", eq("ij->"),
                                   {{tt::randomTensor({33, 17}, 16)}});
  tt::expectDeviceMatchesReference(
      "Einsum", eq("...ij,...jk"),
      {{tt::randomTensor({2, 1, 3, 4}, 17)}, {tt::randomTensor({5, 4, 2}, 18)}});
}

TEST(OpEinsum, ShapeRuleErrors) {
  auto err = [](const char *e, std::vector<TensorType> in) {
    return tt::shapeRule("Einsum", eq(e), in);
  };
  EXPECT_NE(err("ij,jk->ik", {tt::f32({2, 3})}).find("2 input terms"),
            std::string::npos);
  EXPECT_NE(err("ij,jk->ik", {tt::f32({2, 3}), tt::f32({4, 5})})
                .find("expected equal sizes or 1"),
            std::string::npos);
  EXPECT_NE(err("ijk->ik", {tt::f32({2, 3})}).find("names 3 dims"),
            std::string::npos);
  EXPECT_NE(err("ij->iz", {tt::f32({2, 3})}).find("'z' is in no input"),
            std::string::npos);
  EXPECT_NE(err("i.j->i", {tt::f32({2, 3})}).find("'...'"), std::string::npos);
  EXPECT_NE(err("i1->i", {tt::f32({2, 3})}).find("expected letters"),
            std::string::npos);
  EXPECT_NE(err("abcdefghi->a", {tt::f32({1, 1, 1, 1, 1, 1, 1, 1, 1})})
                .find("at most 8"),
            std::string::npos);
  EXPECT_NE(tt::shapeRule("Einsum", Attributes(), {tt::f32({2})})
                .find("'equation' is required"),
            std::string::npos);
}

} // namespace
