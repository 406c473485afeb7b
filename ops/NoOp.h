//===- ops/NoOp.h - Nodes that compute nothing ------------------*- C++ -*-===//
#ifndef TLC_OPS_NOOP_H
#define TLC_OPS_NOOP_H

#include "ir/Graph.h"

namespace tlc {

/// Whether \p node of \p g computes nothing: output 0 equals input 0
/// (Identity; Dropout in inference with an unused mask; Cast to the input's
/// own dtype; Pad whose pads are all 0), so passes/RemoveIdentities.cpp may
/// drop it.
bool isNoOp(const Graph &g, const Node &node);

/// Whether \p data, the bytes of a tensor of type \p t, is Dropout's ratio
/// as a constant 0 (+0 or -0, f32): such a Dropout drops nothing, in
/// training mode too. Empty \p data (not a constant) is not.
bool isZeroDropoutRatio(const TensorType &t, llvm::ArrayRef<uint8_t> data);

} // namespace tlc

#endif // TLC_OPS_NOOP_H
