// A plan's memory at one shape of its range (tools/PlanShapes.h): tensor
// bytes and live bytes at a shape against a direct computation, the worst
// shape of a plan whose tensors peak at different shapes (the waste of
// planning at the bound), and the --at parser's refusals.
#include "tools/PlanShapes.h"

#include <gtest/gtest.h>

using namespace tlc;

namespace {

PlanExpr symbolExpr(int64_t s) {
  return {{int64_t(ExprOp::Symbol), s}};
}
/// c - symbol s.
PlanExpr reverseExpr(int64_t c, int64_t s) {
  return {{int64_t(ExprOp::Const), c, int64_t(ExprOp::Symbol), s,
           int64_t(ExprOp::Sub)}};
}

PlanTensor transient(const char *name, uint32_t dim, int64_t bound,
                     int64_t first, int64_t last) {
  PlanTensor t;
  t.name = name;
  t.role = TensorRole::Transient;
  t.type = TensorType{DType::F32, {bound}};
  t.bytes = uint64_t(bound) * 4;
  t.firstStep = first;
  t.lastStep = last;
  t.dims = {dim};
  return t;
}

/// Two transients live together at step 1: a of N elements and b of 9 - N
/// (N in [1, 8]); a alone at step 0. At the bound (each at its own max) the
/// plan holds 8 + 8 elements; at any one shape only 9 live together.
Plan crossingPlan() {
  Plan p;
  p.numSteps = 2;
  p.symbols = {{"N", 1, 8}};
  p.exprs = {symbolExpr(0), reverseExpr(9, 0)};
  p.tensors = {transient("a", 0, 8, 0, 1), transient("b", 1, 8, 1, 1)};
  p.stats.transientBytes = 16 * 4;
  return p;
}

} // namespace

TEST(PlanShapesTest, BytesAndLiveBytesAtAShape) {
  Plan p = crossingPlan();
  for (int64_t n = 1; n <= 8; ++n) {
    ShapePoint at{{n}};
    EXPECT_EQ(tensorBytesAt(p, p.tensors[0], at), uint64_t(4 * n));
    EXPECT_EQ(tensorBytesAt(p, p.tensors[1], at), uint64_t(4 * (9 - n)));
    std::vector<uint64_t> live = liveBytesPerStepAt(p, at);
    ASSERT_EQ(live.size(), 2u);
    EXPECT_EQ(live[0], uint64_t(4 * n));
    EXPECT_EQ(live[1], uint64_t(4 * 9));
    EXPECT_EQ(lowerBoundAt(p, at), uint64_t(36));
  }
}

TEST(PlanShapesTest, WorstShapeIsBelowTheBoundsSumWhenSizesCross) {
  Plan p = crossingPlan();
  WorstShape w = worstShapeInRange(p);
  // Every shape needs 36 bytes; the plan reserves 64 (both at their max).
  EXPECT_EQ(w.lowerBound, 36u);
  EXPECT_GE(w.shapesTried, 2u);
  // A monotone plan's worst shape is the bound.
  Plan m = crossingPlan();
  m.exprs[1] = symbolExpr(0);
  WorstShape wm = worstShapeInRange(m);
  EXPECT_EQ(wm.at.values, std::vector<int64_t>{8});
  EXPECT_EQ(wm.lowerBound, 64u);
}

TEST(PlanShapesTest, AtParsesAndRefuses) {
  Plan p = crossingPlan();
  auto ok = parseShapePoint(p, "N=3");
  ASSERT_TRUE(bool(ok)) << llvm::toString(ok.takeError());
  EXPECT_EQ(ok->values, std::vector<int64_t>{3});
  auto err = [&](const char *spec) {
    auto r = parseShapePoint(p, spec);
    EXPECT_FALSE(bool(r)) << spec;
    return r ? std::string() : llvm::toString(r.takeError());
  };
  EXPECT_NE(err("N=9").find("outside the range [1, 8]"), std::string::npos);
  EXPECT_NE(err("M=2").find("no symbol 'M' (its symbols: N)"),
            std::string::npos);
  EXPECT_NE(err("N").find("is not NAME=VALUE"), std::string::npos);
  EXPECT_NE(err("N=2,N=3").find("given twice"), std::string::npos);
  Plan fixed; // no symbols
  auto r = parseShapePoint(fixed, "N=1");
  ASSERT_FALSE(bool(r));
  EXPECT_NE(llvm::toString(r.takeError()).find("static shapes"),
            std::string::npos);
}
