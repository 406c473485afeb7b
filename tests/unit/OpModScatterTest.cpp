//===- tests/unit/OpModScatterTest.cpp - Mod, ScatterND, integer Transpose -===//
//
// Mod against values worked by hand (Python's % for fmod = 0, C's fmod for
// fmod = 1) and on the device against its reference; ScatterND against the
// ONNX operator documentation's example, with add and an out-of-range
// index; Transpose folding i64 (index tensors exporters build).
//
//===----------------------------------------------------------------------===//
#include "OpTestUtil.h"

#include <gtest/gtest.h>

using namespace llvm;
using namespace tlc;
namespace tt = tlc::testing;

namespace {

std::vector<int64_t> intsOf(const HostTensor &t) {
  std::vector<int64_t> v;
  for (int64_t i = 0; i < t.numElements(); ++i)
    v.push_back(t.intAt(i));
  return v;
}

TEST(OpMod, IntegersByHand) {
  HostTensor a = tt::ints({4}, {-4, 4, 7, -7});
  HostTensor b = tt::ints({4}, {3, -3, 2, -2});
  auto py = tt::runReference("Mod", Attributes(), {{a}, {b}});
  ASSERT_TRUE(bool(py)) << toString(py.takeError());
  EXPECT_EQ(intsOf((*py)[0]), (std::vector<int64_t>{2, -2, 1, -1}));
  Attributes f;
  f.values["fmod"] = int64_t(1);
  auto c = tt::runReference("Mod", f, {{a}, {b}});
  ASSERT_TRUE(bool(c)) << toString(c.takeError());
  EXPECT_EQ(intsOf((*c)[0]), (std::vector<int64_t>{-1, 1, 1, -1}));
  auto zero = tt::runReference("Mod", Attributes(),
                               {{a}, {tt::ints({1}, {0})}});
  ASSERT_FALSE(bool(zero));
  EXPECT_NE(toString(zero.takeError()).find("division by zero"),
            std::string::npos);
}

TEST(OpMod, FloatsOnTheDevice) {
  Attributes f;
  f.values["fmod"] = int64_t(1);
  HostTensor a = tt::tensor({6}, {-4.3f, 7.2f, 5.0f, 4.3f, -7.2f, 8.0f});
  HostTensor b = tt::tensor({6}, {2.1f, -3.4f, 8.0f, -2.1f, 3.4f, 5.0f});
  auto r = tt::runReference("Mod", f, {{a}, {b}});
  ASSERT_TRUE(bool(r));
  // fmod(-4.3, 2.1) = -0.1, fmod(7.2, -3.4) = 0.4 (the sign of A).
  EXPECT_NEAR((*r)[0].f32()[0], -0.1f, 1e-5f);
  EXPECT_NEAR((*r)[0].f32()[1], 0.4f, 1e-5f);
  tt::expectDeviceMatchesReference("Mod", f, {{a}, {b}});
  tt::expectDeviceMatchesReference(
      "Mod", f, {{tt::randomTensor({3, 4, 5}, 80, -9.0f, 9.0f)},
                 {tt::randomTensor({5}, 81, 0.5f, 3.0f)}});
  auto bad = tt::runReference("Mod", Attributes(), {{a}, {b}});
  ASSERT_FALSE(bool(bad));
  EXPECT_NE(toString(bad.takeError()).find("requires 1"), std::string::npos);
}

TEST(OpScatterND, OperatorDocumentationExample) {
  // ONNX ScatterND, example 1: data [1..8], indices [[4], [3], [1], [7]],
  // updates [9, 10, 11, 12] -> [1, 11, 3, 10, 9, 6, 7, 12].
  HostTensor data = tt::tensor({8}, {1, 2, 3, 4, 5, 6, 7, 8});
  HostTensor idx = tt::ints({4, 1}, {4, 3, 1, 7});
  HostTensor upd = tt::tensor({4}, {9, 10, 11, 12});
  auto r = tt::runReference("ScatterND", Attributes(), {{data}, {idx}, {upd}});
  ASSERT_TRUE(bool(r)) << toString(r.takeError());
  EXPECT_EQ((*r)[0].f32().vec(),
            (std::vector<float>{1, 11, 3, 10, 9, 6, 7, 12}));
  Attributes add;
  add.values["reduction"] = std::string("add");
  auto s = tt::runReference("ScatterND", add,
                            {{data}, {tt::ints({2, 1}, {0, -1})},
                             {tt::tensor({2}, {10, 20})}});
  ASSERT_TRUE(bool(s)) << toString(s.takeError());
  EXPECT_EQ((*s)[0].f32()[0], 11.0f);
  EXPECT_EQ((*s)[0].f32()[7], 28.0f);
  // A slice per tuple: [2, 3] data, one index tuple of one entry.
  auto rows = tt::runReference(
      "ScatterND", Attributes(),
      {{tt::ints({2, 3}, {1, 2, 3, 4, 5, 6})}, {tt::ints({1, 1}, {1})},
       {tt::ints({1, 3}, {7, 8, 9})}});
  ASSERT_TRUE(bool(rows)) << toString(rows.takeError());
  EXPECT_EQ(intsOf((*rows)[0]), (std::vector<int64_t>{1, 2, 3, 7, 8, 9}));
  auto out = tt::runReference("ScatterND", Attributes(),
                              {{data}, {tt::ints({1, 1}, {8})},
                               {tt::tensor({1}, {0})}});
  ASSERT_FALSE(bool(out));
  EXPECT_NE(toString(out.takeError()).find("outside dim 0 of size 8"),
            std::string::npos);
}

TEST(OpTranspose, FoldsIntegers) {
  Attributes a;
  a.values["perm"] = std::vector<int64_t>{1, 0};
  auto r = tt::runReference("Transpose", a,
                            {{tt::ints({2, 3}, {1, 2, 3, 4, 5, 6})}});
  ASSERT_TRUE(bool(r)) << toString(r.takeError());
  EXPECT_EQ((*r)[0].type, (TensorType{DType::I64, {3, 2}}));
  EXPECT_EQ(intsOf((*r)[0]), (std::vector<int64_t>{1, 4, 2, 5, 3, 6}));
}

} // namespace
