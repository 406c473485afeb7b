//===- passes/FusionUtil.h - What the fusion passes share -------*- C++ -*-===//
//
// Every fusion pass asks "who reads this tensor?" for each candidate link,
// then replaces matched chains by one node at the chain's last position.
// These helpers do both once, for all of them.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_PASSES_FUSIONUTIL_H
#define TLC_PASSES_FUSIONUTIL_H

#include "ir/Graph.h"

#include "llvm/ADT/SmallVector.h"

#include <optional>
#include <vector>

namespace tlc {

/// For each value (indexed by ValueId), the nodes reading it in node order,
/// one entry per use: a node reading a value twice appears twice.
using UseList = std::vector<llvm::SmallVector<NodeId, 2>>;

/// The readers of every value of \p g. Invalidated by any edit of g.nodes.
UseList collectUses(const Graph &g);

/// Rebuilds g.nodes in order: node i becomes *replacement[i] when set, is
/// dropped when removed[i], and is kept otherwise; then g.reindex().
/// \p replacement is either empty (no replacements) or has one entry per
/// node, as does \p removed. A replacement wins over removed[i], so a pass
/// may mark a whole chain removed and replace its last node.
void rebuildNodes(Graph &g, std::vector<std::optional<Node>> &replacement,
                  const std::vector<bool> &removed);

} // namespace tlc

#endif // TLC_PASSES_FUSIONUTIL_H
