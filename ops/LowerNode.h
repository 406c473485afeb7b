//===- ops/LowerNode.h - The dispatches of one graph node -------*- C++ -*-===//
#ifndef TLC_OPS_LOWERNODE_H
#define TLC_OPS_LOWERNODE_H

#include "ops/OpDef.h"

namespace tlc {

/// The dispatches of \p node of graph \p g for kernel target \p target, as
/// the codegen emits them: with \p f16Storage (its float tensors stored as
/// binary16, passes/F16Storage.cpp) the op's lowering sees the f32 types the
/// tensors stand for and KernelTarget::f16Storage set, and every dispatch
/// runs its shader's fp16 build (f16BuildName). The F16Storage pass chooses
/// storage from exactly these dispatches. \p node's op must have a lowering.
llvm::SmallVector<DispatchDesc, 2> lowerNode(const Graph &g, const Node &node,
                                             bool f16Storage,
                                             const KernelTarget &target);

} // namespace tlc

#endif // TLC_OPS_LOWERNODE_H
