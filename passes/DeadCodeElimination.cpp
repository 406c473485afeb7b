//===- passes/DeadCodeElimination.cpp - Drop work no output needs ---------===//
//
// A backward walk from the graph outputs marks the nodes they need; the rest
// is removed, and weights nobody reads lose their data so the plan does not
// carry them.
//
//===----------------------------------------------------------------------===//
#include "passes/Passes.h"

namespace tlc {

size_t eliminateDeadCode(Graph &g) {
  std::vector<bool> needed(g.values.size(), false);
  for (ValueId o : g.outputs)
    needed[o] = true;
  std::vector<bool> keep(g.nodes.size(), false);
  for (size_t i = g.nodes.size(); i-- > 0;) {
    const Node &n = g.nodes[i];
    for (ValueId out : n.outputs)
      if (needed[out])
        keep[i] = true;
    if (keep[i])
      for (ValueId in : n.inputs)
        needed[in] = true;
  }
  std::vector<Node> kept;
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (keep[i])
      kept.push_back(std::move(g.nodes[i]));
  size_t removed = g.nodes.size() - kept.size();
  g.nodes = std::move(kept);
  for (ValueId v = 0; v < g.values.size(); ++v)
    if (g.values[v].kind == ValueKind::Weight && !needed[v])
      g.values[v].data.clear();
  g.reindex();
  return removed;
}

} // namespace tlc
