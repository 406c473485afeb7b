//===- ops/Binary.h - Shared parts of elementwise binary ops ----*- C++ -*-===//
//
// Add, Mul, Sub, Div (ONNX opset 14) and Pow (opset 15, f32 exponent) are elementwise over two f32 inputs with numpy
// multidirectional broadcasting (ops/Broadcast.h), output rank up to
// kBinaryMaxRank. They share a shape rule, a CPU reference and
// shaders/binary.comp, which takes the operation as a specialization constant.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_OPS_BINARY_H
#define TLC_OPS_BINARY_H

#include "ops/OpDef.h"

namespace tlc {

/// Highest output rank shaders/binary.comp handles.
constexpr unsigned kBinaryMaxRank = 6;

/// Operation codes of shaders/binary.comp (specialization constant 1). Keep
/// in sync with that shader.
enum class BinaryOpCode : uint32_t { Add = 0, Mul = 1, Sub = 2, Div = 3, Pow = 4 };

/// Shape rule: two f32 inputs whose shapes broadcast to a shape of rank <=
/// kBinaryMaxRank; the output has that shape. Errors name both shapes.
llvm::Error inferBinaryTypes(const Node &node, llvm::ArrayRef<InputInfo> in,
                             llvm::SmallVectorImpl<TensorType> &out);

/// Naive CPU reference: out[idx] = a[bcast(idx)] op b[bcast(idx)].
void referenceBinary(BinaryOpCode code, const HostTensor &a,
                     const HostTensor &b, HostTensor &out);

/// One dispatch of shaders/binary.comp: bindings 0 = A, 1 = B, 2 = output.
DispatchDesc lowerBinary(BinaryOpCode code, const TensorType &a,
                         const TensorType &b, const TensorType &out);

} // namespace tlc

#endif // TLC_OPS_BINARY_H
