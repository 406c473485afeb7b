//===- ops/FusedElementwise.h - FusedElementwise layout ---------*- C++ -*-===//
//
// FusedElementwise (ops/FusedElementwise.cpp) reads up to kFusedMaxInputs
// inputs, each broadcast (ONNX multidirectional broadcasting) to the output
// shape. Its lowering merges output dims that every input traverses alike,
// as ops/Binary.h does for two inputs (mergeBroadcastDims, ops/Broadcast.h),
// so that a same-shape chain is one dim of stride 1 and
// shaders/fused_elementwise.comp can use vec4 accesses. Dims may be
// symbolic (shape ranges): sizes and strides are then run-time values of
// fused_elementwise_dyn.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_OPS_FUSEDELEMENTWISE_H
#define TLC_OPS_FUSEDELEMENTWISE_H

#include "ops/FusedElementwiseProgram.h"
#include "ops/OpDef.h"

namespace tlc {

/// Output shape of a FusedElementwise node: the broadcast of \p inputs,
/// left-padded with 1s to at least \p minRank dims (a folded scalar constant
/// of rank minRank still sets the output's rank). Dims may be symbolic
/// (broadcast as in ops/Broadcast.h). Errors when the shapes do not
/// broadcast, naming them.
llvm::Expected<SymShape> fusedOutputShape(llvm::ArrayRef<TensorType> inputs,
                                       int64_t minRank);

} // namespace tlc

#endif // TLC_OPS_FUSEDELEMENTWISE_H
