//===- passes/FusionUtil.cpp - What the fusion passes share ---------------===//
#include "passes/FusionUtil.h"

#include <cassert>

namespace tlc {

UseList collectUses(const Graph &g) {
  UseList uses(g.values.size());
  for (NodeId n = 0; n < g.nodes.size(); ++n)
    for (ValueId in : g.nodes[n].inputs)
      uses[in].push_back(n);
  return uses;
}

void rebuildNodes(Graph &g, std::vector<std::optional<Node>> &replacement,
                  const std::vector<bool> &removed) {
  assert(removed.size() == g.nodes.size() &&
         (replacement.empty() || replacement.size() == g.nodes.size()) &&
         "one entry per node");
  std::vector<Node> nodes;
  nodes.reserve(g.nodes.size());
  for (NodeId i = 0; i < g.nodes.size(); ++i) {
    if (!replacement.empty() && replacement[i])
      nodes.push_back(std::move(*replacement[i]));
    else if (!removed[i])
      nodes.push_back(std::move(g.nodes[i]));
  }
  g.nodes = std::move(nodes);
  g.reindex();
}

} // namespace tlc
