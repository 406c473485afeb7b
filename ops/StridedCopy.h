//===- ops/StridedCopy.h - Strided copy of a box of elements ----*- C++ -*-===//
//
// Data movement ops (Transpose, Concat) move every element of a box of up to
// kStridedCopyMaxRank dims from one row-major buffer to another, each side
// addressed as base + sum(coordinate * stride). shaders/strided_copy.comp
// does that in one dispatch; this header builds that dispatch.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_OPS_STRIDEDCOPY_H
#define TLC_OPS_STRIDEDCOPY_H

#include "ops/OpDef.h"

namespace tlc {

/// Highest box rank shaders/strided_copy.comp handles.
constexpr unsigned kStridedCopyMaxRank = 6;

/// One dispatch of shaders/strided_copy.comp over the box \p box (rank <=
/// kStridedCopyMaxRank, elements): for every coordinate c of the box,
///   dst[dstBase + sum c_k * dstStrides_k] = src[srcBase + sum c_k *
///   srcStrides_k]
/// with strides and bases in elements (signed; each address must stay in
/// [0, 2^31)). Binding 0 is operand \p srcOperand, binding 1 operand
/// \p dstOperand.
DispatchDesc lowerStridedCopy(llvm::ArrayRef<int64_t> box,
                              llvm::ArrayRef<int64_t> srcStrides,
                              int64_t srcBase,
                              llvm::ArrayRef<int64_t> dstStrides,
                              int64_t dstBase, unsigned srcOperand,
                              unsigned dstOperand);

/// The same for a box, strides and bases that may be symbolic (shape
/// ranges): the symbolic ones become run-time values of the dispatch (the
/// dyn build); a box of constants gives exactly the dispatch above.
DispatchDesc lowerStridedCopy(llvm::ArrayRef<DimExpr> box,
                              llvm::ArrayRef<DimExpr> srcStrides,
                              const DimExpr &srcBase,
                              llvm::ArrayRef<DimExpr> dstStrides,
                              const DimExpr &dstBase, unsigned srcOperand,
                              unsigned dstOperand);

} // namespace tlc

#endif // TLC_OPS_STRIDEDCOPY_H
