//===- ops/Unary.h - Shared pieces of elementwise unary ops -----*- C++ -*-===//
#ifndef TLC_OPS_UNARY_H
#define TLC_OPS_UNARY_H

#include "ops/OpDef.h"

namespace tlc {

/// Operation codes of shaders/unary.comp (specialization constant 1).
/// Keep in sync with the switch in that shader.
enum class UnaryOpCode : uint32_t {
  Copy = 0,
  Relu = 1,
  Sigmoid = 2,     // 1 / (1 + exp(-x))
  HardSigmoid = 3, // max(0, min(1, alpha * x + beta)); alpha, beta = P0, P1
  HardSwish = 4,   // x * max(0, min(1, x / 6 + 1 / 2))
  Sqrt = 5,        // sqrt(x); NaN for x < 0 as in IEEE-754
  // ops/UnaryMath.cpp (P0, P1: the attributes named there)
  Neg = 6,
  Abs = 7,
  Exp = 8,
  Log = 9,
  Reciprocal = 10,
  Floor = 11,
  Ceil = 12,
  Round = 13, // halves to even
  Sign = 14,
  Sin = 15,
  Cos = 16,
  Tan = 17,
  Asin = 18,
  Acos = 19,
  Atan = 20,
  Sinh = 21,
  Cosh = 22,
  Asinh = 23,
  Acosh = 24,
  Atanh = 25,
  Softsign = 26,
  Softplus = 27,
  Elu = 28,             // P0 = alpha
  LeakyRelu = 29,       // P0 = alpha
  Selu = 30,            // P0 = alpha, P1 = gamma
  ThresholdedRelu = 31, // P0 = alpha
  Celu = 32,            // P0 = alpha
  Shrink = 33,          // P0 = bias, P1 = lambd
  Scale = 34,           // P0 * x (Mean's 1/N, ops/Variadic.cpp)
};

/// Shape rule of a one-input elementwise op: one f32 input, output of the
/// same type.
llvm::Error inferUnaryTypes(const Node &node, llvm::ArrayRef<InputInfo> in,
                            llvm::SmallVectorImpl<TensorType> &out);

/// inferUnaryTypes for an op that accepts the attributes \p known (sorted
/// names); errors on any other attribute.
llvm::Error inferUnaryTypesWithAttrs(const Node &node,
                                     llvm::ArrayRef<InputInfo> in,
                                     llvm::SmallVectorImpl<TensorType> &out,
                                     llvm::ArrayRef<llvm::StringRef> known);

/// Elements (or vec4s) one invocation of an elementwise shader handles for
/// \p units units of work: 1 below 1M units, 2 below 4M, else 4, so that
/// small tensors still spread over every compute unit of a large GPU.
uint32_t elementwiseItemsPerInvocation(uint64_t units);

/// One dispatch of shaders/unary.comp over \p n elements: binding 0 is the
/// input (operand 0), binding 1 the output (operand 1). \p p0 and \p p1 are
/// the float parameters of the operation (specialization constants 2 and 3,
/// e.g. HardSigmoid's alpha and beta); unused by the others. Uses vec4
/// accesses when \p n is a multiple of 4 (specialization constant 4; the
/// bound tensors' offsets must then be multiples of 16 bytes, which the
/// planner's 256-byte alignment gives) and elementwiseItemsPerInvocation
/// elements per invocation (constant 5). A symbolic \p n (shape ranges)
/// is a run-time dim; vec4 then needs n to be a multiple of 4 everywhere in
/// the range, and the items per invocation are chosen at the bound.
DispatchDesc lowerUnary(UnaryOpCode code, const DimExpr &n, float p0 = 0.0f,
                        float p1 = 0.0f);

} // namespace tlc

#endif // TLC_OPS_UNARY_H
