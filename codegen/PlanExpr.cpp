//===- codegen/PlanExpr.cpp - Evaluating a plan's symbolic expressions ----===//
//
// The runtime's whole expression machinery: a stack machine over the postfix
// programs codegen writes (codegen/Plan.h: PlanExpr, ExprOp). Arithmetic is
// in 128 bits and checked against 64, so no program, however malformed,
// overflows or divides by zero.
//
//===----------------------------------------------------------------------===//
#include "codegen/Plan.h"

#include "llvm/ADT/SmallVector.h"

#include <string>

using namespace llvm;

namespace tlc {

static Error exprError(const Twine &msg) {
  return createStringError(inconvertibleErrorCode(), msg);
}

Expected<int64_t> evaluatePlanExpr(const PlanExpr &e,
                                   ArrayRef<int64_t> symbolValues) {
  SmallVector<__int128, 16> stack;
  const std::vector<int64_t> &code = e.code;
  for (size_t pc = 0; pc < code.size(); ++pc) {
    int64_t op = code[pc];
    if (op == int64_t(ExprOp::Const) || op == int64_t(ExprOp::Symbol)) {
      if (pc + 1 >= code.size())
        return exprError("expression word " + Twine(pc) +
                         ": operand missing after opcode " + Twine(op));
      int64_t arg = code[++pc];
      if (op == int64_t(ExprOp::Const)) {
        stack.push_back(arg);
        continue;
      }
      if (arg < 0 || uint64_t(arg) >= symbolValues.size())
        return exprError("expression word " + Twine(pc) + ": symbol " +
                         Twine(arg) + " out of range (" +
                         Twine(symbolValues.size()) + " symbols)");
      stack.push_back(symbolValues[size_t(arg)]);
      continue;
    }
    if (op < int64_t(ExprOp::Add) || op > int64_t(ExprOp::Max))
      return exprError("expression word " + Twine(pc) + ": unknown opcode " +
                       Twine(op));
    if (stack.size() < 2)
      return exprError("expression word " + Twine(pc) + ": stack underflow");
    __int128 b = stack.pop_back_val();
    __int128 a = stack.back();
    __int128 r = 0;
    switch (ExprOp(op)) {
    case ExprOp::Add: r = a + b; break;
    case ExprOp::Sub: r = a - b; break;
    case ExprOp::Mul: r = a * b; break;
    case ExprOp::FloorDiv:
      if (b <= 0)
        return exprError("expression word " + Twine(pc) +
                         ": division by a value <= 0");
      r = a / b;
      if (a % b != 0 && a < 0)
        --r;
      break;
    case ExprOp::Min: r = a < b ? a : b; break;
    case ExprOp::Max: r = a > b ? a : b; break;
    default: break;
    }
    if (r > INT64_MAX || r < INT64_MIN)
      return exprError("expression word " + Twine(pc) +
                       ": result beyond 64 bits");
    stack.back() = r;
  }
  if (stack.size() != 1)
    return exprError("expression leaves " + Twine(stack.size()) +
                     " values, expected 1");
  return int64_t(stack[0]);
}

} // namespace tlc
