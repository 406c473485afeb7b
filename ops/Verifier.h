//===- ops/Verifier.h - IR invariants ---------------------------*- C++ -*-===//
#ifndef TLC_OPS_VERIFIER_H
#define TLC_OPS_VERIFIER_H

#include "ir/Graph.h"

#include "llvm/Support/Error.h"

namespace tlc {

/// Checks the invariants every pass may assume (ops/Verifier.cpp): each
/// value defined once and before its first use, every value typed, every
/// node's output types those of its op's shape rule, and every node able
/// to run on the device (its op has a lowering for its output dtypes).
/// Errors name the node, its location and what is wrong.
llvm::Error verifyGraph(const Graph &g);

} // namespace tlc

#endif // TLC_OPS_VERIFIER_H
