// Symbolic dimensions (ir/DimExpr.h): canonical forms, and every value and
// bound checked against brute force over the symbols' whole ranges.
#include "ir/DimExpr.h"
#include "ir/Types.h"

#include <gtest/gtest.h>

#include <functional>

using namespace tlc;

namespace {
const DimSymbol kW{"W", 1, 40};
const DimSymbol kS{"S", 0, 12};

int64_t floorDivRef(int64_t a, int64_t c) {
  int64_t q = a / c;
  return (a % c != 0 && a < 0) ? q - 1 : q;
}

/// Checks \p e against \p ref for every (W, S) in range, and that the
/// bounds contain every value (and are tight when \p tight).
void checkEverywhere(const DimExpr &e,
                     const std::function<int64_t(int64_t, int64_t)> &ref,
                     bool tight = true) {
  int64_t lo = INT64_MAX, hi = INT64_MIN;
  for (int64_t w = kW.min; w <= kW.max; ++w)
    for (int64_t s = kS.min; s <= kS.max; ++s) {
      SymbolValues v;
      v["W"] = w;
      v["S"] = s;
      auto got = e.evaluate(v);
      ASSERT_TRUE(bool(got)) << toString(got.takeError());
      int64_t want = ref(w, s);
      ASSERT_EQ(*got, want) << e.str() << " at W=" << w << " S=" << s;
      lo = std::min(lo, want);
      hi = std::max(hi, want);
    }
  EXPECT_LE(e.lowerBound(), lo) << e.str();
  EXPECT_GE(e.upperBound(), hi) << e.str();
  if (tight) {
    EXPECT_EQ(e.lowerBound(), lo) << e.str();
    EXPECT_EQ(e.upperBound(), hi) << e.str();
  }
}
} // namespace

TEST(DimExprTest, PolynomialArithmeticIsCanonical) {
  DimExpr w = DimExpr::symbol(kW), s = DimExpr::symbol(kS);
  EXPECT_EQ(w + s, s + w);
  EXPECT_EQ(w * s, s * w);
  EXPECT_EQ((w + 1) * (w - 1), w * w - 1);
  EXPECT_EQ(w - w, DimExpr(0));
  EXPECT_TRUE((w - w).isConstant());
  EXPECT_EQ((2 * w + 3).str(), "2*W+3");
  EXPECT_EQ((w * s - s).str(), "S*W-S");
  EXPECT_EQ(w.asSymbol()->name, "W");
  EXPECT_EQ((w + 1).asSymbol(), nullptr);
  checkEverywhere(w * s - s + 7, [](int64_t w, int64_t s) {
    return w * s - s + 7;
  });
}

TEST(DimExprTest, FloorAndCeilDivision) {
  DimExpr w = DimExpr::symbol(kW);
  // A 3x3 convolution of stride 2, no padding: floor((W - 3) / 2) + 1.
  DimExpr conv = floorDiv(w - 3, 2) + 1;
  checkEverywhere(conv, [](int64_t w, int64_t) {
    return floorDivRef(w - 3, 2) + 1;
  });
  EXPECT_EQ(conv.str(), "floor((W+1)/2)-1");
  // Exact multiples come out whole.
  EXPECT_EQ(floorDiv(4 * w + 8, 4), w + 2);
  EXPECT_EQ(floorDiv(2 * w + 2, 4), floorDiv(w + 1, 2));
  checkEverywhere(ceilDiv(w, 4), [](int64_t w, int64_t) {
    return (w + 3) / 4;
  });
  // Interval arithmetic over-estimates where terms move together (3*W and
  // -5*floor(...)): the bounds must contain every value, not equal them.
  checkEverywhere(
      mod(3 * w + 1, 5), [](int64_t w, int64_t) { return (3 * w + 1) % 5; },
      /*tight=*/false);
  checkEverywhere(floorDiv(-w, 3), [](int64_t w, int64_t) {
    return floorDivRef(-w, 3);
  });
  // Nested: pooling after a convolution.
  checkEverywhere(floorDiv(floorDiv(w + 1, 2) - 1, 2), [](int64_t w, int64_t) {
    return floorDivRef(floorDivRef(w + 1, 2) - 1, 2);
  });
}

TEST(DimExprTest, ExactDivision) {
  DimExpr w = DimExpr::symbol(kW), s = DimExpr::symbol(kS);
  // Reshape's -1: (S * 768) / (S * 12) = 64.
  EXPECT_EQ(*exactDiv(s * 768, s * 12), DimExpr(64));
  EXPECT_EQ(*exactDiv(w * s * 6, s * 3), 2 * w);
  EXPECT_EQ(*exactDiv((w + 1) * s * 4, w + 1), 4 * s);
  EXPECT_FALSE(exactDiv(w * 6, DimExpr(4)).has_value());
  EXPECT_FALSE(exactDiv(w + 1, s).has_value());
  EXPECT_FALSE(exactDiv(w, DimExpr(0)).has_value());
}

TEST(DimExprTest, MinMaxUseBoundsAndStayOpaqueOtherwise) {
  DimExpr w = DimExpr::symbol(kW), s = DimExpr::symbol(kS);
  EXPECT_EQ(min(w, w + 3), w);
  EXPECT_EQ(max(w, DimExpr(0)), w); // W >= 1
  EXPECT_EQ(min(w, s), min(s, w));
  checkEverywhere(min(w, 20) + max(s, 5), [](int64_t w, int64_t s) {
    return std::min<int64_t>(w, 20) + std::max<int64_t>(s, 5);
  });
  checkEverywhere(min(w, s), [](int64_t w, int64_t s) {
    return std::min(w, s);
  });
}

TEST(DimExprTest, EvaluateRefusesMissingAndOutOfRangeSymbols) {
  DimExpr w = DimExpr::symbol(kW);
  SymbolValues none;
  auto e = (w + 1).evaluate(none);
  ASSERT_FALSE(bool(e));
  EXPECT_NE(toString(e.takeError()).find("'W' has no value"),
            std::string::npos);
  SymbolValues big;
  big["W"] = 41;
  auto f = w.evaluate(big);
  ASSERT_FALSE(bool(f));
  EXPECT_NE(toString(f.takeError()).find("outside its range 1..40"),
            std::string::npos);
}

TEST(DimExprTest, TensorTypesKeepBoundsAndPrintSymbols) {
  DimExpr w = DimExpr::symbol(kW);
  TensorType t = TensorType::withDims(DType::F32, {1, 3, 48, w});
  EXPECT_FALSE(t.isStatic());
  EXPECT_EQ(t.shape, (Shape{1, 3, 48, 40}));
  EXPECT_EQ(t.str(), "1x3x48xWxf32");
  EXPECT_EQ(t.byteSize(), uint64_t(3 * 48 * 40 * 4));
  EXPECT_EQ(t.numElementsExpr(), 144 * w);
  TensorType c = TensorType::withDims(DType::F32, {2, (w - w) + 5});
  EXPECT_TRUE(c.isStatic());
  EXPECT_EQ(c.str(), "2x5xf32");
  EXPECT_EQ(TensorType::withDims(DType::F32, {2 * w}).str(), "(2*W)xf32");
}
