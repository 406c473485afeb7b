//===- passes/Schedule.cpp - Topological order of nodes -------------------===//
//
// Kahn's algorithm (Kahn, "Topological sorting of large networks", CACM 1962)
// with a min-heap on the node's position in the model, so that the result is
// deterministic and a model already in order keeps it.
//
//===----------------------------------------------------------------------===//
#include "passes/Passes.h"

#include <queue>

using namespace llvm;

namespace tlc {

Error scheduleTopological(Graph &g) {
  const size_t n = g.nodes.size();
  std::vector<std::vector<NodeId>> users(n);
  std::vector<unsigned> pending(n, 0);
  // Producer of each value by scanning, since the parser may list nodes in
  // any order.
  std::vector<int64_t> producer(g.values.size(), -1);
  for (NodeId i = 0; i < n; ++i)
    for (ValueId out : g.nodes[i].outputs)
      producer[out] = i;
  for (NodeId i = 0; i < n; ++i)
    for (ValueId in : g.nodes[i].inputs)
      if (producer[in] >= 0) {
        users[producer[in]].push_back(i);
        ++pending[i];
      }

  std::priority_queue<NodeId, std::vector<NodeId>, std::greater<NodeId>> ready;
  for (NodeId i = 0; i < n; ++i)
    if (pending[i] == 0)
      ready.push(i);
  std::vector<NodeId> order;
  order.reserve(n);
  while (!ready.empty()) {
    NodeId i = ready.top();
    ready.pop();
    order.push_back(i);
    for (NodeId u : users[i])
      if (--pending[u] == 0)
        ready.push(u);
  }
  if (order.size() != n) {
    for (NodeId i = 0; i < n; ++i)
      if (pending[i] != 0)
        return errorAt(g.nodes[i].loc,
                       "node '" + g.nodes[i].name +
                           "' is part of a cycle: its inputs depend on its "
                           "own outputs");
  }
  std::vector<Node> sorted;
  sorted.reserve(n);
  for (NodeId i : order)
    sorted.push_back(std::move(g.nodes[i]));
  g.nodes = std::move(sorted);
  g.reindex();
  return Error::success();
}

} // namespace tlc
