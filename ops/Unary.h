//===- ops/Unary.h - Shared pieces of elementwise unary ops -----*- C++ -*-===//
#ifndef TLC_OPS_UNARY_H
#define TLC_OPS_UNARY_H

#include "ops/OpDef.h"

namespace tlc {

/// Operation codes of shaders/unary.comp (specialization constant 1).
/// Keep in sync with the switch in that shader.
enum class UnaryOpCode : uint32_t { Copy = 0, Relu = 1 };

/// Shape rule of a one-input elementwise op: one f32 input, output of the
/// same type.
llvm::Error inferUnaryTypes(const Node &node, llvm::ArrayRef<InputInfo> in,
                            llvm::SmallVectorImpl<TensorType> &out);

/// One dispatch of shaders/unary.comp over \p n elements: binding 0 is the
/// input (operand 0), binding 1 the output (operand 1).
DispatchDesc lowerUnary(UnaryOpCode code, int64_t n);

} // namespace tlc

#endif // TLC_OPS_UNARY_H
