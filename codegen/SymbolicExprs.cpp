//===- codegen/SymbolicExprs.cpp - DimExprs as plan expressions -----------===//
#include "codegen/SymbolicExprs.h"

using namespace llvm;

namespace tlc {

PlanExprTable::PlanExprTable(Plan &plan, ArrayRef<DimSymbol> symbols)
    : plan(plan) {
  plan.symbols.clear();
  for (const DimSymbol &s : symbols) {
    symbolIndex[s.name] = uint32_t(plan.symbols.size());
    plan.symbols.push_back(PlanSymbol{s.name, s.min, s.max});
  }
}

static void op(std::vector<int64_t> &code, ExprOp o) {
  code.push_back(int64_t(o));
}

Error PlanExprTable::emit(const DimExpr &e, std::vector<int64_t> &code) {
  if (e.terms().empty()) {
    op(code, ExprOp::Const);
    code.push_back(0);
    return Error::success();
  }
  bool first = true;
  for (const DimExpr::Term &t : e.terms()) {
    // coeff * atom * atom ...; a leading coefficient of 1 is left out.
    bool pushed = false;
    if (t.coeff != 1 || t.atoms.empty()) {
      op(code, ExprOp::Const);
      code.push_back(t.coeff);
      pushed = true;
    }
    for (const auto &a : t.atoms) {
      switch (a->kind) {
      case DimAtom::Symbol: {
        auto it = symbolIndex.find(a->symbol.name);
        if (it == symbolIndex.end())
          return createStringError(inconvertibleErrorCode(),
                                   "symbol '%s' is not a symbol of the graph",
                                   a->symbol.name.c_str());
        op(code, ExprOp::Symbol);
        code.push_back(it->second);
        break;
      }
      case DimAtom::FloorDiv:
        if (Error err = emit(a->a, code))
          return err;
        if (Error err = emit(a->b, code))
          return err;
        op(code, ExprOp::FloorDiv);
        break;
      case DimAtom::Min:
      case DimAtom::Max:
        if (Error err = emit(a->a, code))
          return err;
        if (Error err = emit(a->b, code))
          return err;
        op(code, a->kind == DimAtom::Min ? ExprOp::Min : ExprOp::Max);
        break;
      }
      if (pushed)
        op(code, ExprOp::Mul);
      pushed = true;
    }
    if (!first)
      op(code, ExprOp::Add);
    first = false;
  }
  return Error::success();
}

Expected<uint32_t> PlanExprTable::intern(const DimExpr &e) {
  std::string key = e.str();
  auto it = byText.find(key);
  if (it != byText.end())
    return it->second;
  PlanExpr pe;
  if (Error err = emit(e, pe.code))
    return std::move(err);
  uint32_t idx = uint32_t(plan.exprs.size());
  plan.exprs.push_back(std::move(pe));
  byText[key] = idx;
  return idx;
}

} // namespace tlc
