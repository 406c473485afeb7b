//===- codegen/PlanExprStr.cpp - A plan's expressions as readable text ----===//
//
// planExprStr turns a postfix PlanExpr back into infix text for `tlc
// inspect` and error messages: the same stack walk as evaluatePlanExpr, over
// strings instead of integers. Each operand carries a precedence so that
// parentheses appear only where they change the meaning.
//
//===----------------------------------------------------------------------===//
#include "codegen/Plan.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/Twine.h"

#include <string>

using namespace llvm;

namespace tlc {

namespace {

/// Binding strength of a printed operand.
enum Prec : int {
  Negative = 0, // a negative constant, or a product that starts with one
  Sum = 1,      // a+b, a-b
  Product = 2,  // a*b
  Atom = 3,     // a constant >= 0, a symbol, floor(..), min(..), max(..)
};

struct Operand {
  std::string text;
  Prec prec;
};

/// \p o parenthesized when it binds more loosely than \p need. A negative
/// operand binds as \p negativeAs: "-3*W" may stand on the left of '+', '-'
/// and '*' (negativeAs = need), never on their right (the default).
std::string wrap(const Operand &o, Prec need, Prec negativeAs = Negative) {
  Prec p = o.prec == Negative ? negativeAs : o.prec;
  return p < need ? "(" + o.text + ")" : o.text;
}

const char kMalformed[] = "<malformed expression>";

} // namespace

std::string planExprStr(const Plan &plan, const PlanExpr &e) {
  SmallVector<Operand, 8> stack;
  const std::vector<int64_t> &code = e.code;
  for (size_t pc = 0; pc < code.size(); ++pc) {
    int64_t op = code[pc];
    if (op == int64_t(ExprOp::Const) || op == int64_t(ExprOp::Symbol)) {
      if (pc + 1 >= code.size())
        return kMalformed;
      int64_t arg = code[++pc];
      if (op == int64_t(ExprOp::Const)) {
        stack.push_back({std::to_string(arg), arg < 0 ? Negative : Atom});
        continue;
      }
      if (arg < 0 || uint64_t(arg) >= plan.symbols.size())
        return kMalformed;
      stack.push_back({plan.symbols[size_t(arg)].name, Atom});
      continue;
    }
    if (op < int64_t(ExprOp::Add) || op > int64_t(ExprOp::Max) ||
        stack.size() < 2)
      return kMalformed;
    Operand b = stack.pop_back_val();
    Operand a = stack.pop_back_val();
    switch (ExprOp(op)) {
    case ExprOp::Add:
      // W + (-3) reads W-3, and W + (-2*S) reads W-2*S: a negative operand
      // is a negative constant, or a product that starts with one.
      if (b.prec == Negative)
        stack.push_back({wrap(a, Sum, Sum) + "-" + b.text.substr(1), Sum});
      else
        stack.push_back({wrap(a, Sum, Sum) + "+" + wrap(b, Sum), Sum});
      break;
    case ExprOp::Sub:
      stack.push_back({wrap(a, Sum, Sum) + "-" + wrap(b, Product), Sum});
      break;
    case ExprOp::Mul:
      stack.push_back({wrap(a, Product, Product) + "*" + wrap(b, Product),
                       a.prec == Negative ? Negative : Product});
      break;
    case ExprOp::FloorDiv:
      stack.push_back(
          {"floor(" + wrap(a, Product, Product) + "/" + wrap(b, Atom) + ")",
           Atom});
      break;
    case ExprOp::Min:
    case ExprOp::Max:
      stack.push_back({(ExprOp(op) == ExprOp::Min ? "min(" : "max(") + a.text +
                           "," + b.text + ")",
                       Atom});
      break;
    default:
      return kMalformed;
    }
  }
  if (stack.size() != 1)
    return kMalformed;
  return stack[0].text;
}

std::string planShapeStr(const Plan &plan, const PlanTensor &t) {
  std::string s;
  if (t.dims.empty()) {
    for (size_t i = 0; i < t.type.shape.size(); ++i)
      s += (i ? "x" : "") + std::to_string(t.type.shape[i]);
    return s;
  }
  for (size_t i = 0; i < t.dims.size(); ++i) {
    if (i)
      s += "x";
    uint32_t k = t.dims[i];
    if (k >= plan.exprs.size()) {
      s += "<exprs[" + std::to_string(k) + "]?>";
      continue;
    }
    std::string e = planExprStr(plan, plan.exprs[k]);
    // A constant >= 0 or a name or function call stands alone; anything with
    // an operator outside parentheses gets them ("1x(2*S)x768").
    int depth = 0;
    bool bare = true;
    for (size_t c = 0; c < e.size() && bare; ++c) {
      if (e[c] == '(')
        ++depth;
      else if (e[c] == ')')
        --depth;
      else if (depth == 0 && (e[c] == '+' || e[c] == '-' || e[c] == '*'))
        bare = false;
    }
    s += bare || e == kMalformed ? e : "(" + e + ")";
  }
  return s;
}

} // namespace tlc
