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

} // namespace tlc

#endif // TLC_OPS_NOOP_H
