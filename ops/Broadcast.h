//===- ops/Broadcast.h - Numpy-style broadcasting of shapes -----*- C++ -*-===//
//
// ONNX multidirectional (numpy) broadcasting, as used by Add, Mul and the
// batch dimensions of MatMul, and unidirectional broadcasting, as used by
// Gemm's C. See https://onnx.ai/onnx/repo-docs/Broadcasting.html.
//
// Shape ranges (docs/shape-ranges.md): the DimExpr forms take symbolic dims.
// A symbolic dim broadcasts only against an equal expression or the
// constant 1: "W against 5" could hold for one W and not for another, and
// a plan must be valid over its whole range, so it is an error, as is a
// symbolic dim against a different symbolic one (W against H).
//
//===----------------------------------------------------------------------===//
#ifndef TLC_OPS_BROADCAST_H
#define TLC_OPS_BROADCAST_H

#include "ir/Types.h"
#include "ops/OpDef.h"

#include <vector>

namespace tlc {

/// The broadcast shape of \p a and \p b: shapes are right-aligned, missing
/// leading dims count as 1, and each pair of dims must be equal or contain a
/// 1. Errors name both shapes and the first incompatible output dim.
llvm::Expected<Shape> broadcastShapes(llvm::ArrayRef<int64_t> a,
                                      llvm::ArrayRef<int64_t> b);

/// Element strides to read a row-major tensor of shape \p in as if it had the
/// (broadcast) shape \p out: one entry per dim of \p out, 0 where \p in is
/// missing that dim or has size 1. Requires \p in to broadcast to \p out.
Shape broadcastStrides(llvm::ArrayRef<int64_t> in, llvm::ArrayRef<int64_t> out);

/// broadcastShapes over dims that may be symbolic: a pair of dims must be
/// equal expressions or contain the constant 1. Errors name both shapes and
/// both dims of the first incompatible output dim.
llvm::Expected<SymShape> broadcastShapes(llvm::ArrayRef<DimExpr> a,
                                         llvm::ArrayRef<DimExpr> b);

/// broadcastStrides over dims that may be symbolic: \p in must broadcast to
/// \p out in the sense of the DimExpr broadcastShapes. A dim that is the
/// constant 1 in \p in reads with stride 0.
SymShape broadcastStrides(llvm::ArrayRef<DimExpr> in,
                          llvm::ArrayRef<DimExpr> out);

/// Dims of a broadcast elementwise op after merging, as shaders/binary.comp
/// and fused_elementwise.comp index them: dims that are the constant 1 are
/// dropped and adjacent dims merged where every input steps through them as
/// one run (outer stride == inner stride * inner size, compared as
/// expressions, so a merge holds at every point of a range). Strides are in
/// elements, 0 along broadcast dims.
struct MergedDims {
  SymShape dims;                          // outermost first; at least one
  llvm::SmallVector<SymShape, 4> strides; // per input, one entry per dim
  /// The innermost dim is a multiple of 4 for every value of its symbols
  /// and every input's innermost stride is the constant 0 or 1: a shader
  /// may compute 4 outputs at once.
  bool vec4 = false;
};

/// Merges output dims \p out read by inputs with strides \p strides
/// (broadcastStrides, one entry per output dim each) into MergedDims of at
/// most out.size() dims (at least 1).
MergedDims mergeBroadcastDims(llvm::ArrayRef<DimExpr> out,
                              llvm::ArrayRef<SymShape> strides);

/// Rank of the index space of the broadcast kernels (shaders/binary.comp,
/// compare.comp, where.comp): six coordinates, outermost first.
inline constexpr unsigned kBroadcastKernelRank = 6;

/// Sets a broadcast kernel's index-space constants in \p d: the merged
/// dims \p dims (at most kBroadcastKernelRank; mergeBroadcastDims) padded in
/// front with dims of 1, as constants dimsId .. dimsId + 5, and input k's
/// strides \p strides[k] (elements; 0 on the padded dims) as constants
/// stridesIds[k] .. stridesIds[k] + 5. Symbolic values become run-time
/// values of the dyn build (setDim).
void setBroadcastConstants(DispatchDesc &d, llvm::ArrayRef<DimExpr> dims,
                           llvm::ArrayRef<SymShape> strides, unsigned dimsId,
                           llvm::ArrayRef<unsigned> stridesIds);

/// For every element of a row-major tensor of shape \p out, in order, the
/// linear index of the element of \p in (which broadcasts to \p out) that
/// broadcasting reads.
std::vector<int64_t> broadcastIndices(llvm::ArrayRef<int64_t> in,
                                      llvm::ArrayRef<int64_t> out);

} // namespace tlc

#endif // TLC_OPS_BROADCAST_H
