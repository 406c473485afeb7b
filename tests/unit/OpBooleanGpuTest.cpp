//===- tests/unit/OpBooleanGpuTest.cpp - Booleans and copies on the device ===//
//
// The comparisons and And/Or/Xor/Not (shaders/compare.comp), Where
// (shaders/where.comp), Identity and Dropout (a word copy and
// shaders/fill.comp), Expand (a strided copy) and a folded graph output (an
// Identity of a weight)
// run on the device and match their ops' naive CPU references element for
// element: booleans are i64 0/1, and i64 operands span both 32-bit words
// (negative values, values past 2^32) so a comparison that reads one word
// fails.
//
//===----------------------------------------------------------------------===//
#include "OpTestUtil.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

using namespace llvm;
using namespace tlc;
namespace tt = tlc::testing;
using tt::OpOperand;

namespace {

/// Runs \p op on the device and through its reference; every output must
/// have the same type and bytes (integers) or match within kTolerance
/// (floats), NaN meeting NaN.
void expectExact(StringRef op, const Attributes &attrs,
                 const std::vector<OpOperand> &operands) {
  auto ref = tt::runReference(op, attrs, operands);
  ASSERT_TRUE(bool(ref)) << toString(ref.takeError());
  auto dev = tt::runOnDevice(op, attrs, operands);
  ASSERT_TRUE(bool(dev)) << toString(dev.takeError());
  ASSERT_EQ(dev->size(), ref->size());
  for (size_t k = 0; k < ref->size(); ++k) {
    const HostTensor &d = (*dev)[k], &r = (*ref)[k];
    ASSERT_EQ(d.type, r.type) << op.str() << " output " << k;
    if (r.type.dtype != DType::F32) {
      EXPECT_EQ(d.bytes().vec(), r.bytes().vec()) << op.str() << " output " << k;
      continue;
    }
    for (int64_t i = 0; i < r.numElements(); ++i) {
      float a = d.f32()[i], b = r.f32()[i];
      if (std::isnan(b))
        EXPECT_TRUE(std::isnan(a)) << op.str() << " " << i;
      else
        EXPECT_EQ(a, b) << op.str() << " " << i;
    }
  }
}

/// An i64 tensor of \p shape with values spread over both words: small
/// values (so equal pairs occur), negatives and multiples of 2^32.
HostTensor wideInts(Shape shape, uint32_t seed) {
  HostTensor t(TensorType{DType::I64, shape});
  uint64_t s = seed * 2654435761u + 1;
  for (int64_t i = 0; i < t.numElements(); ++i) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    int64_t small = int64_t(s >> 60) - 8; // -8..7
    int64_t hi = int64_t((s >> 40) & 3) - 1; // -1..2
    t.setInt(i, small + hi * (int64_t(1) << 32));
  }
  return t;
}

/// 0/1 booleans held as i64.
HostTensor bools(Shape shape, uint32_t seed) {
  HostTensor t(TensorType{DType::I64, shape});
  uint32_t s = seed;
  for (int64_t i = 0; i < t.numElements(); ++i) {
    s = s * 1103515245u + 12345u;
    t.setInt(i, (s >> 16) & 1);
  }
  return t;
}

TEST(OpBooleanGpu, ComparisonsMatchReference) {
  // f32 with ties and a NaN, broadcast against a row; i32 and i64 likewise.
  HostTensor fa = tt::randomTensor({3, 4, 5}, 40, -2.0f, 2.0f);
  for (float &v : fa.f32())
    v = std::round(v);
  fa.f32()[7] = std::numeric_limits<float>::quiet_NaN();
  HostTensor fb = tt::randomTensor({5}, 41, -2.0f, 2.0f);
  for (float &v : fb.f32())
    v = std::round(v);
  HostTensor ia(TensorType{DType::I32, {3, 4, 5}}), ib(TensorType{DType::I32, {4, 1}});
  for (int64_t i = 0; i < ia.numElements(); ++i)
    ia.setInt(i, (i * 7) % 11 - 5);
  for (int64_t i = 0; i < ib.numElements(); ++i)
    ib.setInt(i, i - 2);
  for (const char *op :
       {"Equal", "Less", "LessOrEqual", "Greater", "GreaterOrEqual"}) {
    SCOPED_TRACE(op);
    expectExact(op, Attributes(), {{fa}, {fb}});
    expectExact(op, Attributes(), {{ia}, {ib}});
    expectExact(op, Attributes(), {{wideInts({2, 3, 8}, 42)},
                                   {wideInts({2, 3, 8}, 43)}});
    expectExact(op, Attributes(), {{wideInts({2, 3, 8}, 44)},
                                   {wideInts({3, 1}, 45)}});
  }
}

TEST(OpBooleanGpu, LogicMatchesReference) {
  for (const char *op : {"And", "Or", "Xor"}) {
    SCOPED_TRACE(op);
    expectExact(op, Attributes(), {{bools({3, 4, 5}, 46)}, {bools({3, 4, 5}, 47)}});
    expectExact(op, Attributes(), {{bools({3, 4, 5}, 48)}, {bools({4, 5}, 49)}});
  }
  expectExact("Not", Attributes(), {{bools({2, 3, 7}, 50)}});
  // A comparison feeding Or on the device (GreaterOrEqual's expansion).
  auto t = tt::runOnDevice("Not", Attributes(), {{tt::ints({3}, {0, 1, 0})}});
  ASSERT_TRUE(bool(t)) << toString(t.takeError());
  EXPECT_EQ((*t)[0].intAt(0), 1);
  EXPECT_EQ((*t)[0].intAt(1), 0);
}

TEST(OpBooleanGpu, WhereMatchesReference) {
  HostTensor c = bools({3, 1, 5}, 51);
  expectExact("Where", Attributes(),
              {{c}, {tt::randomTensor({4, 5}, 52)}, {tt::randomTensor({3, 4, 1}, 53)}});
  expectExact("Where", Attributes(),
              {{c}, {wideInts({3, 4, 5}, 54)}, {wideInts({5}, 55)}});
  HostTensor c32(TensorType{DType::I32, {4, 5}});
  for (int64_t i = 0; i < c32.numElements(); ++i)
    c32.setInt(i, i % 3 == 0 ? 7 : 0); // nonzero is true
  expectExact("Where", Attributes(),
              {{c32}, {tt::randomTensor({4, 5}, 56)}, {tt::randomTensor({4, 5}, 57)}});
}

TEST(OpBooleanGpu, IdentityDropoutAndFoldedOutputs) {
  expectExact("Identity", Attributes(), {{tt::randomTensor({3, 7}, 58)}});
  expectExact("Identity", Attributes(), {{wideInts({9}, 59)}});
  // Dropout at inference: Y = X and a mask of ones, from a ratio weight.
  HostTensor ratio(TensorType{DType::F32, {}});
  ratio.f32()[0] = 0.5f;
  expectExact("Dropout", Attributes(),
              {{tt::randomTensor({2, 5}, 60)}, {ratio, true}});
  // A training_mode known only at run time is refused, not ignored.
  EXPECT_NE(tt::shapeRule("Dropout", Attributes(),
                          {tt::f32({2, 5}), tt::f32({}),
                           TensorType{DType::I64, {}}})
                .find("training_mode"),
            std::string::npos);
  // Shape of an input as the graph's output: folded, then copied from a
  // weight by the device.
  auto shape = tt::runOnDevice("Shape", Attributes(),
                               {{tt::randomTensor({2, 3, 4}, 61)}});
  ASSERT_TRUE(bool(shape)) << toString(shape.takeError());
  EXPECT_EQ((*shape)[0].type, (TensorType{DType::I64, {3}}));
  EXPECT_EQ((*shape)[0].intAt(0), 2);
  EXPECT_EQ((*shape)[0].intAt(1), 3);
  EXPECT_EQ((*shape)[0].intAt(2), 4);
}

TEST(OpBooleanGpu, ExpandMatchesReference) {
  // Broadcast along a middle dim, new leading dims, and a size-1 input dim
  // kept as is.
  expectExact("Expand", Attributes(),
              {{tt::randomTensor({3, 1, 5}, 62)},
               {tt::ints({4}, {2, 3, 4, 5}), true}});
  expectExact("Expand", Attributes(),
              {{tt::randomTensor({1, 6}, 63)}, {tt::ints({2}, {1, 6}), true}});
}

} // namespace

namespace {

Attributes castTo(int64_t to) {
  Attributes a;
  a.values["to"] = to;
  return a;
}

TEST(OpCastGpu, EveryDTypePairMatchesReference) {
  // ONNX codes: FLOAT 1, INT32 6, INT64 7, BOOL 9 (held as i64 0/1).
  HostTensor f = tt::tensor({2, 5}, {-3.7f, -1.0f, -0.5f, 0.0f, 0.25f, 1.0f,
                                     2.9f, 1e3f, -2.5e9f, 6.0e12f});
  HostTensor small(TensorType{DType::I64, {7}});
  for (int64_t i = 0; i < 7; ++i)
    small.setInt(i, (i - 3) * 1000003);
  HostTensor i32(TensorType{DType::I32, {6}});
  for (int64_t i = 0; i < 6; ++i)
    i32.setInt(i, (i - 2) * 700001);
  HostTensor fSmall = tt::tensor({4}, {-7.9f, -0.1f, 3.5f, 2e9f});
  for (int64_t to : {1, 7, 9})
    expectExact("Cast", castTo(to), {{f}});
  expectExact("Cast", castTo(6), {{fSmall}});
  for (int64_t to : {1, 6, 9})
    expectExact("Cast", castTo(to), {{small}});
  // i64 across both words to float (rounding the magnitude) and to bool.
  expectExact("Cast", castTo(1), {{wideInts({3, 8}, 5)}});
  expectExact("Cast", castTo(9), {{wideInts({3, 8}, 6)}});
  for (int64_t to : {1, 7, 9})
    expectExact("Cast", castTo(to), {{i32}});
}

} // namespace

namespace {

/// i32 values of both signs, some large enough that products wrap.
HostTensor someI32(Shape shape, uint32_t seed) {
  HostTensor t(TensorType{DType::I32, shape});
  uint32_t s = seed;
  for (int64_t i = 0; i < t.numElements(); ++i) {
    s = s * 1103515245u + 12345u;
    t.setInt(i, int32_t((s >> 8) % 20001) - 10000);
  }
  return t;
}

TEST(OpIntArithmeticGpu, AddSubMulAndCumSumMatchReference) {
  // i64 across both words (carries and borrows between them), broadcast
  // against a row; i32 likewise. Values stay where the reference does not
  // refuse overflow.
  HostTensor row(TensorType{DType::I64, {6}});
  for (int64_t i = 0; i < 6; ++i)
    row.setInt(i, 3 * i - 7);
  for (const char *op : {"Add", "Sub", "Mul"}) {
    expectExact(op, Attributes(),
                {{wideInts({4, 6}, 21)},
                 {std::string(op) == "Mul" ? row : wideInts({6}, 22)}});
    expectExact(op, Attributes(), {{someI32({3, 1, 5}, 23)}, {someI32({4, 5}, 24)}});
  }
  // A product that needs the high word of lo * lo.
  HostTensor big(TensorType{DType::I64, {2}});
  big.setInt(0, 3000000000ll);
  big.setInt(1, -3000000001ll);
  expectExact("Mul", Attributes(), {{big}, {big}});
  // CumSum of i32 and i64 along each axis, inclusive and exclusive, forward
  // and reverse (RoBERTa's position ids are a CumSum of an int mask).
  for (int64_t axis : {0, 1})
    for (int64_t ex : {0, 1})
      for (int64_t rev : {0, 1}) {
        Attributes a;
        a.values["exclusive"] = ex;
        a.values["reverse"] = rev;
        expectExact("CumSum", a,
                    {{wideInts({5, 7}, 30)}, {tt::ints({}, {axis}), true}});
        expectExact("CumSum", a,
                    {{someI32({5, 7}, 31)}, {tt::ints({}, {axis}), true}});
      }
}

} // namespace
