//===- ops/FusedElementwise.h - FusedElementwise layout ---------*- C++ -*-===//
//
// FusedElementwise (ops/FusedElementwise.cpp) reads up to kFusedMaxInputs
// inputs, each broadcast (ONNX multidirectional broadcasting) to the output
// shape. Its lowering merges output dims that every input traverses alike,
// as ops/Binary.h does for two inputs, so that a same-shape chain is one
// dim of stride 1 and shaders/fused_elementwise.comp can use vec4 accesses.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_OPS_FUSEDELEMENTWISE_H
#define TLC_OPS_FUSEDELEMENTWISE_H

#include "ops/FusedElementwiseProgram.h"
#include "ops/OpDef.h"

namespace tlc {

/// The iteration space of a FusedElementwise node after merging dims: dims
/// of size 1 dropped, adjacent dims merged where every input steps through
/// them as one run (outer stride = inner stride * inner size, 0 along
/// broadcast dims). Strides are in elements.
struct FusedLayout {
  Shape dims;                          // outermost first; at least one dim
  llvm::SmallVector<Shape, 4> strides; // per input, one entry per dim
  /// The innermost dim is a multiple of 4 and every input's innermost
  /// stride is 0 or 1: the shader may compute 4 outputs at once.
  bool vec4 = false;
};

/// Merges the dims of output shape \p out, read by inputs with element
/// strides \p strides (broadcastStrides, one entry per output dim each), into
/// a FusedLayout of at most out.size() dims (at least 1).
FusedLayout coalesceFused(llvm::ArrayRef<int64_t> out,
                          llvm::ArrayRef<Shape> strides);

/// Output shape of a FusedElementwise node: the broadcast of \p inputs,
/// left-padded with 1s to at least \p minRank dims (a folded scalar constant
/// of rank minRank still sets the output's rank). Errors when the shapes do
/// not broadcast, naming them.
llvm::Expected<Shape> fusedOutputShape(llvm::ArrayRef<TensorType> inputs,
                                       int64_t minRank);

} // namespace tlc

#endif // TLC_OPS_FUSEDELEMENTWISE_H
