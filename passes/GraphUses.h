//===- passes/GraphUses.h - Readers of every value --------------*- C++ -*-===//
//
// Fusion passes ask "who reads this tensor?" for every candidate link; this
// builds the answer once per pass.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_PASSES_GRAPHUSES_H
#define TLC_PASSES_GRAPHUSES_H

#include "ir/Graph.h"

#include "llvm/ADT/SmallVector.h"

#include <vector>

namespace tlc {

/// For each value (indexed by ValueId), the nodes reading it in node order,
/// one entry per use: a node reading a value twice appears twice.
using UseList = std::vector<llvm::SmallVector<NodeId, 2>>;

/// The readers of every value of \p g. Invalidated by any edit of g.nodes.
UseList collectUses(const Graph &g);

} // namespace tlc

#endif // TLC_PASSES_GRAPHUSES_H
