//===- ops/Reduce.h - One reduction over a box of dims ----------*- C++ -*-===//
//
// The dispatch of shaders/reduce.comp, shared by the Reduce* ops
// (ops/Reduce.cpp) and LayerNormalization's Mean and InvStdDev outputs.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_OPS_REDUCE_H
#define TLC_OPS_REDUCE_H

#include "ops/KernelTarget.h"
#include "ops/OpDef.h"

namespace tlc {

/// The reductions, numbered as shaders/reduce.comp's OP. InvStdDev is
/// 1 / sqrt(biased variance + epsilon), LayerNormalization's output; the
/// others are the ONNX ops of their names.
enum class ReduceKind : uint32_t {
  Sum = 0,
  Mean = 1,
  Max = 2,
  Min = 3,
  Prod = 4,
  L1 = 5,
  L2 = 6,
  LogSum = 7,
  LogSumExp = 8,
  SumSquare = 9,
  InvStdDev = 10,
};

/// Most dims a reduction's input may have.
inline constexpr unsigned kReduceMaxRank = 6;

/// Appends the dispatch that reduces the f32 (or fp16-stored) tensor of
/// dims \p in (rank 1 to kReduceMaxRank, symbolic dims allowed), bound as
/// node operand \p inOperand, over the dims where \p reduced is true, as
/// \p kind, into operand \p outOperand: one element per box, row-major over
/// the dims not reduced (any keepdims shape of those elements). \p epsilon
/// is read by InvStdDev only. A workgroup per output with subgroup
/// operations for boxes of >= 256 elements where \p target has them; one
/// invocation per output otherwise.
void appendReduceDispatch(ReduceKind kind, const SymShape &in,
                          llvm::ArrayRef<bool> reduced, unsigned inOperand,
                          unsigned outOperand, float epsilon,
                          const KernelTarget &target,
                          llvm::SmallVectorImpl<DispatchDesc> &d);

} // namespace tlc

#endif // TLC_OPS_REDUCE_H
