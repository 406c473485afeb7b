//===- tests/unit/PlanExprTest.cpp - Plan expressions: evaluate, print ----===//
//
// evaluatePlanExpr on hand-written postfix programs, with values worked out
// by hand (floor division of negatives, 64-bit edges), and every malformed
// program it must refuse (unknown opcode, missing operand, underflow, extra
// results, symbol out of range, division by zero or a negative, overflow).
// planExprStr / planShapeStr against hand-written infix text.
//
//===----------------------------------------------------------------------===//
#include "codegen/Plan.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

using namespace llvm;
using namespace tlc;

namespace {

constexpr int64_t C = int64_t(ExprOp::Const), S = int64_t(ExprOp::Symbol),
                  ADD = int64_t(ExprOp::Add), SUB = int64_t(ExprOp::Sub),
                  MUL = int64_t(ExprOp::Mul), DIV = int64_t(ExprOp::FloorDiv),
                  MIN = int64_t(ExprOp::Min), MAX = int64_t(ExprOp::Max);
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

/// The value, or the error text prefixed with "error: ".
std::string eval(std::vector<int64_t> code, std::vector<int64_t> values = {}) {
  Expected<int64_t> v = evaluatePlanExpr(PlanExpr{std::move(code)}, values);
  if (!v)
    return "error: " + toString(v.takeError());
  return std::to_string(*v);
}

TEST(PlanExprEval, ConstantsAndSymbols) {
  EXPECT_EQ(eval({C, 7}), "7");
  EXPECT_EQ(eval({C, -5}), "-5");
  EXPECT_EQ(eval({C, kMax}), std::to_string(kMax));
  EXPECT_EQ(eval({C, kMin}), std::to_string(kMin));
  EXPECT_EQ(eval({S, 0}, {3, 9}), "3");
  EXPECT_EQ(eval({S, 1}, {3, 9}), "9");
}

TEST(PlanExprEval, OperatorsTakeTheirOperandsInOrder) {
  EXPECT_EQ(eval({C, 7, C, 2, ADD}), "9");
  EXPECT_EQ(eval({C, 7, C, 2, SUB}), "5"); // a - b, a pushed first
  EXPECT_EQ(eval({C, 2, C, 7, SUB}), "-5");
  EXPECT_EQ(eval({C, -6, C, 7, MUL}), "-42");
  EXPECT_EQ(eval({C, 7, C, 2, MIN}), "2");
  EXPECT_EQ(eval({C, -7, C, 2, MAX}), "2");
  EXPECT_EQ(eval({C, 4, C, 4, MIN}), "4");
}

TEST(PlanExprEval, FloorDivisionRoundsDown) {
  EXPECT_EQ(eval({C, 7, C, 2, DIV}), "3");
  EXPECT_EQ(eval({C, -7, C, 2, DIV}), "-4"); // not -3 (C++ truncation)
  EXPECT_EQ(eval({C, -8, C, 2, DIV}), "-4");
  EXPECT_EQ(eval({C, -1, C, 64, DIV}), "-1");
  EXPECT_EQ(eval({C, 0, C, 5, DIV}), "0");
  EXPECT_EQ(eval({C, kMin, C, 1, DIV}), std::to_string(kMin));
}

TEST(PlanExprEval, ShapesOfConvolutionAndGroups) {
  // floor((W+1)/2)-1, a stride-2 output width: 15 at W=32, 16 at W=33.
  std::vector<int64_t> w = {S, 0, C, 1, ADD, C, 2, DIV, C, 1, SUB};
  EXPECT_EQ(eval(w, {32}), "15");
  EXPECT_EQ(eval(w, {33}), "16");
  // floor((N*W+63)/64) groups of 64 over N*W elements: 20 at 1x1280.
  std::vector<int64_t> g = {S, 0, S, 1, MUL, C, 63, ADD, C, 64, DIV};
  EXPECT_EQ(eval(g, {1, 1280}), "20");
  EXPECT_EQ(eval(g, {1, 1281}), "21");
  // min(N, 64)*3 - max(W, 2)
  std::vector<int64_t> m = {S, 0, C, 64, MIN, C, 3, MUL, S, 1, C, 2, MAX, SUB};
  EXPECT_EQ(eval(m, {100, 1}), "190");
  EXPECT_EQ(eval(m, {5, 10}), "5");
}

TEST(PlanExprEval, ResultsBeyond64BitsAreErrors) {
  EXPECT_EQ(eval({C, kMax, C, 1, ADD}),
            "error: expression word 4: result beyond 64 bits");
  EXPECT_EQ(eval({C, kMin, C, 1, SUB}),
            "error: expression word 4: result beyond 64 bits");
  EXPECT_EQ(eval({C, int64_t(1) << 62, C, 4, MUL}),
            "error: expression word 4: result beyond 64 bits");
  EXPECT_EQ(eval({C, kMin, C, -1, MUL}),
            "error: expression word 4: result beyond 64 bits");
  // The first overflowing step is reported, even if a later one would
  // bring the value back.
  EXPECT_EQ(eval({C, kMax, C, 1, ADD, C, 2, SUB}),
            "error: expression word 4: result beyond 64 bits");
  // Edges that fit.
  EXPECT_EQ(eval({C, kMax, C, kMax, SUB}), "0");
  EXPECT_EQ(eval({C, kMin, C, 1, ADD}), std::to_string(kMin + 1));
  EXPECT_EQ(eval({C, int64_t(1) << 31, C, int64_t(1) << 31, MUL}),
            std::to_string(int64_t(1) << 62));
}

TEST(PlanExprEval, DivisionByZeroOrANegativeIsAnError) {
  EXPECT_EQ(eval({C, 7, C, 0, DIV}),
            "error: expression word 4: division by a value <= 0");
  EXPECT_EQ(eval({C, 7, C, -2, DIV}),
            "error: expression word 4: division by a value <= 0");
  EXPECT_EQ(eval({C, kMin, C, -1, DIV}),
            "error: expression word 4: division by a value <= 0");
  // A divisor that is 0 for one symbol value only.
  std::vector<int64_t> e = {C, 63, S, 0, C, 1, SUB, DIV};
  EXPECT_EQ(eval(e, {2}), "63");
  EXPECT_EQ(eval(e, {1}), "error: expression word 7: division by a value <= 0");
}

TEST(PlanExprEval, MalformedProgramsAreErrors) {
  EXPECT_EQ(eval({}), "error: expression leaves 0 values, expected 1");
  EXPECT_EQ(eval({C, 1, C, 2}),
            "error: expression leaves 2 values, expected 1");
  EXPECT_EQ(eval({C}), "error: expression word 0: operand missing after "
                       "opcode 0");
  EXPECT_EQ(eval({C, 1, S}, {4}),
            "error: expression word 2: operand missing after opcode 1");
  EXPECT_EQ(eval({C, 1, C, 2, 8}), "error: expression word 4: unknown "
                                   "opcode 8");
  EXPECT_EQ(eval({C, 1, C, 2, -1}), "error: expression word 4: unknown "
                                    "opcode -1");
  EXPECT_EQ(eval({kMin}),
            "error: expression word 0: unknown opcode " + std::to_string(kMin));
  EXPECT_EQ(eval({ADD}), "error: expression word 0: stack underflow");
  EXPECT_EQ(eval({C, 1, MUL}), "error: expression word 2: stack underflow");
  EXPECT_EQ(eval({S, 2}, {1, 2}),
            "error: expression word 1: symbol 2 out of range (2 symbols)");
  EXPECT_EQ(eval({S, -1}, {1, 2}),
            "error: expression word 1: symbol -1 out of range (2 symbols)");
  EXPECT_EQ(eval({S, 0}),
            "error: expression word 1: symbol 0 out of range (0 symbols)");
}

//===----------------------------------------------------------------------===//
// planExprStr, planShapeStr
//===----------------------------------------------------------------------===//

/// A plan with symbols W (index 0) and S (index 1).
Plan twoSymbols() {
  Plan p;
  p.symbols = {{"W", 32, 1280}, {"S", 1, 64}};
  return p;
}

std::string str(std::vector<int64_t> code) {
  return planExprStr(twoSymbols(), PlanExpr{std::move(code)});
}

TEST(PlanExprStr, AtomsAndSimpleForms) {
  EXPECT_EQ(str({S, 0}), "W");
  EXPECT_EQ(str({C, 42}), "42");
  EXPECT_EQ(str({C, -3}), "-3");
  EXPECT_EQ(str({C, 2, S, 1, MUL, C, 1, ADD}), "2*S+1");
  EXPECT_EQ(str({S, 1, C, 64, MIN}), "min(S,64)");
  EXPECT_EQ(str({S, 0, S, 1, MAX}), "max(W,S)");
  EXPECT_EQ(str({S, 0, C, 1, ADD, C, 2, DIV, C, 1, SUB}), "floor((W+1)/2)-1");
}

TEST(PlanExprStr, ParenthesesOnlyWhereTheyChangeTheMeaning) {
  EXPECT_EQ(str({S, 0, S, 1, C, 1, ADD, SUB}), "W-(S+1)");
  EXPECT_EQ(str({S, 0, S, 1, SUB, C, 1, ADD}), "W-S+1");
  EXPECT_EQ(str({S, 0, S, 1, C, 1, ADD, ADD}), "W+S+1");
  EXPECT_EQ(str({S, 0, S, 1, SUB, C, 2, MUL}), "(W-S)*2");
  EXPECT_EQ(str({C, 2, S, 0, S, 1, MUL, MUL}), "2*W*S");
  EXPECT_EQ(str({S, 0, C, 2, S, 1, MUL, DIV}), "floor(W/(2*S))");
  EXPECT_EQ(str({S, 0, S, 1, C, 2, MUL, DIV}), "floor(W/(S*2))");
  EXPECT_EQ(str({C, 3, S, 0, MUL, C, 2, DIV}), "floor(3*W/2)");
  EXPECT_EQ(str({S, 0, C, 2, DIV, C, 4, DIV}), "floor(floor(W/2)/4)");
  EXPECT_EQ(str({S, 0, C, 3, SUB, S, 1, MIN}), "min(W-3,S)");
}

TEST(PlanExprStr, NegativeConstantsAndProducts) {
  EXPECT_EQ(str({S, 0, C, -3, ADD}), "W-3");
  EXPECT_EQ(str({S, 0, C, 3, SUB}), "W-3");
  EXPECT_EQ(str({S, 0, C, -2, S, 1, MUL, ADD}), "W-2*S");
  EXPECT_EQ(str({C, -2, S, 1, MUL, S, 0, ADD}), "-2*S+W");
  EXPECT_EQ(str({S, 0, C, -3, SUB}), "W-(-3)");
  EXPECT_EQ(str({S, 0, C, -2, S, 1, MUL, SUB}), "W-(-2*S)");
  EXPECT_EQ(str({S, 0, C, -1, MUL}), "W*(-1)");
  EXPECT_EQ(str({C, -1, S, 0, MUL}), "-1*W");
  EXPECT_EQ(str({C, 0, C, -1, S, 0, MUL, C, 2, DIV, SUB}), "0-floor(-1*W/2)");
  EXPECT_EQ(str({S, 0, C, -2, DIV}), "floor(W/(-2))");
}

TEST(PlanExprStr, MalformedProgramsPrintAsSuch) {
  for (std::vector<int64_t> bad : {std::vector<int64_t>{},
                                   {C},
                                   {C, 1, ADD},
                                   {S, 5},
                                   {S, -1},
                                   {C, 1, C, 2},
                                   {C, 1, C, 2, 9}}) {
    EXPECT_EQ(str(bad), "<malformed expression>");
  }
}

TEST(PlanShapeStr, SymbolicStaticAndScalar) {
  Plan p = twoSymbols();
  p.exprs = {{{C, 1}},
             {{C, 3}},
             {{S, 0}},
             {{S, 0, C, 1, ADD, C, 2, DIV, C, 1, SUB}},
             {{C, 2, S, 1, MUL}},
             {{C, -3}},
             {{S, 1, C, 64, MIN}}};
  PlanTensor t;
  t.type = {DType::F32, {1, 3, 1280, 640, 128}};
  t.dims = {0, 1, 2, 3, 4};
  EXPECT_EQ(planShapeStr(p, t), "1x3xWx(floor((W+1)/2)-1)x(2*S)");
  t.type = {DType::F32, {64, 1}};
  t.dims = {6, 5};
  EXPECT_EQ(planShapeStr(p, t), "min(S,64)x(-3)");
  t.dims = {0, 9};
  EXPECT_EQ(planShapeStr(p, t), "1x<exprs[9]?>");
  PlanTensor s; // static
  s.type = {DType::F32, {2, 4}};
  EXPECT_EQ(planShapeStr(p, s), "2x4");
  s.type = {DType::F32, {}};
  EXPECT_EQ(planShapeStr(p, s), "");
}

} // namespace
