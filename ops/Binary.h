//===- ops/Binary.h - Shared parts of elementwise binary ops ----*- C++ -*-===//
//
// Add, Mul, Sub, Div (ONNX opset 14) and Pow (opset 15, f32 exponent) are
// elementwise over two f32 inputs with numpy multidirectional broadcasting
// (ops/Broadcast.h), output rank up to kBinaryMaxRank. They share a shape rule,
// a CPU reference and shaders/binary.comp, which takes the operation as a
// specialization constant.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_OPS_BINARY_H
#define TLC_OPS_BINARY_H

#include "ops/Broadcast.h"
#include "ops/OpDef.h"

namespace tlc {

/// Highest output rank shaders/binary.comp handles (its index space,
/// ops/Broadcast.h).
constexpr unsigned kBinaryMaxRank = kBroadcastKernelRank;

/// Operation codes of shaders/binary.comp (specialization constant 1). Keep
/// in sync with that shader.
enum class BinaryOpCode : uint32_t {
  Add = 0,
  Mul = 1,
  Sub = 2,
  Div = 3,
  Pow = 4,
  Max = 5,   // ops/Variadic.cpp
  Min = 6,   // ops/Variadic.cpp
  PRelu = 7, // A < 0 ? B * A : A (ops/Variadic.cpp)
  Fmod = 8,  // A - B * trunc(A / B): the sign of A (ops/Mod.cpp, fmod = 1)
  Mod = 9,   // integers only, the sign of B (ops/Mod.cpp, fmod = 0)
};

/// Shape rule: two f32 inputs whose shapes broadcast to a shape of rank <=
/// kBinaryMaxRank; the output has that shape. Dims may be symbolic: a
/// symbolic dim broadcasts against an equal one or 1 (ops/Broadcast.h).
/// Errors name both shapes.
llvm::Error inferBinaryTypes(const Node &node, llvm::ArrayRef<InputInfo> in,
                             llvm::SmallVectorImpl<TensorType> &out);
/// The same for an op that takes the attributes \p attrs (sorted names).
llvm::Error inferBinaryTypesWithAttrs(const Node &node,
                                      llvm::ArrayRef<InputInfo> in,
                                      llvm::SmallVectorImpl<TensorType> &out,
                                      llvm::ArrayRef<llvm::StringRef> attrs);

/// Naive CPU reference: out[idx] = a[bcast(idx)] op b[bcast(idx)].
/// The reference of \p code: f32, or (Add, Sub, Mul, Div) i32 and i64 with
/// checked arithmetic; errors on integer division by zero and overflow.
llvm::Error referenceBinary(BinaryOpCode code, const HostTensor &a,
                            const HostTensor &b, HostTensor &out);

/// OpDef::foldSymbolic of Add, Sub, Mul and Div on integer shape values
/// (ops/SymbolicFold.cpp): elementwise with broadcasting; Div is floor
/// division by a positive constant of a non-negative value, or an exact
/// division (errors otherwise).
llvm::Error foldBinarySymbolic(BinaryOpCode code,
                               llvm::ArrayRef<SymTensor> in,
                               llvm::MutableArrayRef<SymTensor> out);

/// The iteration space of a broadcast binary op after merging dims: dims
/// of size 1 are dropped and adjacent dims merged where both inputs traverse
/// them as one run (stride of the outer = stride of the inner * its size, for
/// A and for B). Strides are in elements, 0 along broadcast dims. Dims and
/// strides may be symbolic (shape ranges); merges and vec4 then hold for
/// every value in the range (mergeBroadcastDims, ops/Broadcast.h).
struct BinaryLayout {
  SymShape dims, sa, sb; // outermost first; at least one dim
  /// The innermost dim is a multiple of 4 and each input's innermost stride
  /// is 1 or 0: shaders/binary.comp may work on 4 outputs at once.
  bool vec4 = false;
};

/// Merges the dims of output shape \p out read through strides \p sa and
/// \p sb (broadcastStrides) into a BinaryLayout with at most out.size()
/// dims.
BinaryLayout coalesceBinary(llvm::ArrayRef<DimExpr> out,
                            llvm::ArrayRef<DimExpr> sa,
                            llvm::ArrayRef<DimExpr> sb);

/// One dispatch of shaders/binary.comp: bindings 0 = A, 1 = B, 2 = output.
/// Uses the merged layout (coalesceBinary), vec4 accesses when it allows
/// them (the bound tensors' offsets must then be multiples of 16 bytes,
/// which the planner's 256-byte alignment gives), and
/// elementwiseItemsPerInvocation units per invocation (at the bound).
/// Symbolic dims and strides are run-time values of binary_dyn.
DispatchDesc lowerBinary(BinaryOpCode code, const TensorType &a,
                         const TensorType &b, const TensorType &out);

} // namespace tlc

#endif // TLC_OPS_BINARY_H
