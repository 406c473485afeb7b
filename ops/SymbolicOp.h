//===- ops/SymbolicOp.h - Marking an op as shape-range ready ----*- C++ -*-===//
#ifndef TLC_OPS_SYMBOLICOP_H
#define TLC_OPS_SYMBOLICOP_H

#include "ops/OpDef.h"

namespace tlc {

/// \p def with OpDef::symbolicShapes and symbolicLowering set: its shape
/// rule and lowering handle symbolic dims (docs/shape-ranges.md). Written
/// `const OpDef kFooOp = symbolicOp({"Foo", ...});`.
inline OpDef symbolicOp(OpDef def) {
  def.symbolicShapes = true;
  def.symbolicLowering = def.lower != nullptr;
  return def;
}

} // namespace tlc

#endif // TLC_OPS_SYMBOLICOP_H
