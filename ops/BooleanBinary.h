//===- ops/BooleanBinary.h - Comparisons and boolean logic -----*- C++ -*-===//
#ifndef TLC_OPS_BOOLEANBINARY_H
#define TLC_OPS_BOOLEANBINARY_H

#include "ops/OpDef.h"

namespace tlc {

/// The shape rule of the comparisons (ops/Compare.cpp) and of And, Or and
/// Xor (ops/Logical.cpp): two inputs of one dtype in \p allowed, numpy
/// broadcasting; one output, a boolean held as i64. Errors name a wrong
/// input count, dtype or unbroadcastable shapes.
llvm::Error inferBooleanBinaryTypes(const Node &node,
                                    llvm::ArrayRef<InputInfo> in,
                                    llvm::SmallVectorImpl<TensorType> &out,
                                    DTypeSet allowed);

/// shaders/compare.comp's OP.
enum class BooleanOpCode : uint32_t {
  Equal = 0,
  Less = 1,
  LessOrEqual = 2,
  Greater = 3,
  GreaterOrEqual = 4,
  And = 5,
  Or = 6,
  Xor = 7,
  Not = 8,
};

/// The one dispatch of shaders/compare.comp computing \p code elementwise
/// over node operands 0 (A, of type \p a) and 1 (B, \p b; for Not, A again
/// and unread) into operand \p y, of type \p out (i64 booleans, the
/// broadcast shape, rank <= 6). A and B are f32, i32 or i64 (booleans as
/// i64 for the logic ops).
DispatchDesc lowerBooleanOp(BooleanOpCode code, const TensorType &a,
                            const TensorType &b, const TensorType &out,
                            unsigned y);

} // namespace tlc

#endif // TLC_OPS_BOOLEANBINARY_H
