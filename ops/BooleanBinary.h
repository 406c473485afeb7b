//===- ops/BooleanBinary.h - Shape rule of two-input boolean ops -*- C++ -*-===//
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

} // namespace tlc

#endif // TLC_OPS_BOOLEANBINARY_H
