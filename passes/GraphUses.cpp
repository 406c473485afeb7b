//===- passes/GraphUses.cpp - Readers of every value ----------------------===//
#include "passes/GraphUses.h"

namespace tlc {

UseList collectUses(const Graph &g) {
  UseList uses(g.values.size());
  for (NodeId n = 0; n < g.nodes.size(); ++n)
    for (ValueId in : g.nodes[n].inputs)
      uses[in].push_back(n);
  return uses;
}

} // namespace tlc
