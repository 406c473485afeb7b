//===- passes/MemoryAwareSchedule.cpp - A topological order with a low peak
//
// Any topological order is a correct schedule, but the order decides which
// tensors are live together and so the lower bound every planner is measured
// against. This pass tries list schedulers that pick, among the ready nodes,
// by a memory score, and keeps the order whose peak of live transient bytes
// is lowest; the given order competes too, so the result is never worse.
//
// Scores (ties broken by position in the given order, so the pass is
// deterministic):
//  - net bytes: bytes the node's outputs allocate minus bytes of inputs whose
//    last reader it is (the greedy heuristic of e.g. Sarkar's and TVM's
//    memory-aware schedulers);
//  - depth first: prefer a node that reads the most recently produced tensor,
//    which finishes one branch before starting the next.
//
//===----------------------------------------------------------------------===//
#include "passes/MemoryPlan.h"
#include "passes/Passes.h"

#include <algorithm>
#include <functional>

namespace tlc {

namespace {
enum class Score { NetBytes, DepthFirst };
}

/// Peak live transient bytes of \p g with nodes in \p order: the same live
/// intervals as passes/Liveness.cpp, computed on the order without copying
/// the graph.
static uint64_t peakFor(const Graph &g, const std::vector<NodeId> &order) {
  std::vector<int64_t> first(g.values.size(), -1), last(g.values.size(), -1);
  for (size_t s = 0; s < order.size(); ++s) {
    const Node &n = g.nodes[order[s]];
    for (ValueId out : n.outputs)
      first[out] = last[out] = int64_t(s);
    for (ValueId in : n.inputs)
      last[in] = int64_t(s);
  }
  std::vector<int64_t> delta(order.size() + 1, 0);
  for (ValueId v = 0; v < g.values.size(); ++v) {
    if (g.values[v].kind != ValueKind::Intermediate || first[v] < 0 ||
        g.isOutput(v))
      continue;
    int64_t bytes = int64_t(g.values[v].type.byteSize());
    delta[size_t(first[v])] += bytes;
    delta[size_t(std::max(first[v], last[v])) + 1] -= bytes;
  }
  int64_t cur = 0, peak = 0;
  for (int64_t d : delta)
    peak = std::max(peak, cur += d);
  return uint64_t(peak);
}

static std::vector<NodeId> listSchedule(const Graph &g, Score score) {
  const size_t n = g.nodes.size();
  std::vector<int64_t> producer(g.values.size(), -1);
  std::vector<unsigned> readersLeft(g.values.size(), 0);
  for (NodeId i = 0; i < n; ++i) {
    for (ValueId out : g.nodes[i].outputs)
      producer[out] = i;
    for (ValueId in : g.nodes[i].inputs)
      ++readersLeft[in];
  }
  std::vector<unsigned> pending(n, 0);
  std::vector<std::vector<NodeId>> users(n);
  for (NodeId i = 0; i < n; ++i)
    for (ValueId in : g.nodes[i].inputs)
      if (producer[in] >= 0) {
        ++pending[i];
        users[size_t(producer[in])].push_back(i);
      }
  std::vector<int64_t> producedAt(g.values.size(), -1);
  std::vector<NodeId> ready, order;
  for (NodeId i = 0; i < n; ++i)
    if (pending[i] == 0)
      ready.push_back(i);

  auto netBytes = [&](NodeId i) {
    int64_t bytes = 0;
    for (ValueId out : g.nodes[i].outputs)
      bytes += int64_t(g.values[out].type.byteSize());
    for (ValueId in : g.nodes[i].inputs) {
      unsigned uses = 0;
      for (ValueId x : g.nodes[i].inputs)
        uses += x == in;
      if (producer[in] >= 0 && readersLeft[in] == uses && !g.isOutput(in))
        bytes -= int64_t(g.values[in].type.byteSize()) / int64_t(uses);
    }
    return bytes;
  };
  auto recency = [&](NodeId i) {
    int64_t r = -1;
    for (ValueId in : g.nodes[i].inputs)
      r = std::max(r, producedAt[in]);
    return r;
  };

  while (!ready.empty()) {
    size_t best = 0;
    for (size_t k = 1; k < ready.size(); ++k) {
      NodeId a = ready[k], b = ready[best];
      bool better;
      if (score == Score::NetBytes) {
        int64_t sa = netBytes(a), sb = netBytes(b);
        better = sa < sb || (sa == sb && a < b);
      } else {
        int64_t ra = recency(a), rb = recency(b);
        better = ra > rb || (ra == rb && a < b);
      }
      if (better)
        best = k;
    }
    NodeId i = ready[best];
    ready.erase(ready.begin() + long(best));
    order.push_back(i);
    for (ValueId in : g.nodes[i].inputs)
      --readersLeft[in];
    for (ValueId out : g.nodes[i].outputs)
      producedAt[out] = int64_t(order.size());
    for (NodeId u : users[i])
      if (--pending[u] == 0)
        ready.push_back(u);
  }
  return order;
}

ScheduleResult scheduleForMemory(Graph &g) {
  std::vector<NodeId> given(g.nodes.size());
  for (NodeId i = 0; i < given.size(); ++i)
    given[i] = i;
  ScheduleResult r;
  r.peakBefore = peakFor(g, given);
  std::vector<NodeId> best = given;
  r.peakAfter = r.peakBefore;
  r.strategy = "given";
  for (auto [score, name] : {std::pair{Score::NetBytes, "net-bytes"},
                             std::pair{Score::DepthFirst, "depth-first"}}) {
    std::vector<NodeId> order = listSchedule(g, score);
    uint64_t peak = peakFor(g, order);
    if (peak < r.peakAfter) {
      r.peakAfter = peak;
      best = order;
      r.strategy = name;
    }
  }
  std::vector<Node> nodes;
  for (NodeId i : best)
    nodes.push_back(std::move(g.nodes[i]));
  g.nodes = std::move(nodes);
  g.reindex();
  return r;
}

} // namespace tlc
