//===- codegen/SymbolicExprs.h - DimExprs as plan expressions ---*- C++ -*-===//
//
// Codegen writes every symbolic dim, run-time shader dimension and group
// count of a plan for a range of shapes as a postfix program in
// Plan::exprs (codegen/Plan.h: PlanExpr), which the runtime evaluates.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_CODEGEN_SYMBOLICEXPRS_H
#define TLC_CODEGEN_SYMBOLICEXPRS_H

#include "codegen/Plan.h"
#include "ir/DimExpr.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Error.h"

namespace tlc {

/// Appends expressions to a plan's Plan::exprs, each distinct expression
/// once. The plan's symbols are set from \p symbols at construction.
class PlanExprTable {
public:
  PlanExprTable(Plan &plan, llvm::ArrayRef<DimSymbol> symbols);

  /// Index in plan.exprs of \p e's program. Errors: \p e reads a symbol
  /// that is not one of the plan's (with the symbol's name).
  llvm::Expected<uint32_t> intern(const DimExpr &e);

private:
  llvm::Error emit(const DimExpr &e, std::vector<int64_t> &code);
  Plan &plan;
  llvm::StringMap<uint32_t> symbolIndex;
  llvm::StringMap<uint32_t> byText;
};

} // namespace tlc

#endif // TLC_CODEGEN_SYMBOLICEXPRS_H
