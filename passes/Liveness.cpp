//===- passes/Liveness.cpp - Live intervals in schedule steps -------------===//
//
// Step i is node i of the schedule. A node output is live from its step to
// the last step that reads it; a graph output to the last step (the host
// reads it after the run); an input from step 0 to its last reader. Weights
// and state (a KV cache) are live throughout. An output nothing reads is live during its own step
// only, since the dispatch still writes it. Tensors sharing memory (views,
// in-place outputs; passes/Aliasing.cpp) make one storage group whose root
// lives from the first member's definition to the last member's use; for a
// Concat whose inputs are computed in its slices (passes/Aliasing.cpp), that
// is from the first slice's producer on.
//
//===----------------------------------------------------------------------===//
#include "passes/Passes.h"

#include <algorithm>

namespace tlc {

Liveness computeLiveness(const Graph &g,
                         const std::vector<ValueId> &storageRoots) {
  Liveness live;
  live.numSteps = int64_t(g.nodes.size());
  live.intervals.assign(g.values.size(), LiveInterval{});
  live.isTransient.assign(g.values.size(), false);
  const int64_t lastStep = std::max<int64_t>(0, live.numSteps - 1);

  for (int64_t s = 0; s < live.numSteps; ++s) {
    const Node &n = g.nodes[size_t(s)];
    for (ValueId out : n.outputs) {
      LiveInterval &iv = live.intervals[out];
      iv.first = s;
      iv.last = std::max(iv.last, s);
    }
    for (ValueId in : n.inputs) {
      LiveInterval &iv = live.intervals[in];
      if (!iv.isLive())
        iv.first = 0; // inputs and weights: live from the start
      iv.last = std::max(iv.last, s);
    }
  }
  for (ValueId v = 0; v < g.values.size(); ++v) {
    const Value &val = g.values[v];
    LiveInterval &iv = live.intervals[v];
    if ((val.kind == ValueKind::Weight || val.kind == ValueKind::State) &&
        iv.isLive()) {
      iv.first = 0;
      iv.last = lastStep;
    }
    if (g.isOutput(v) && iv.isLive())
      iv.last = lastStep;
  }
  // A storage group lives as long as any member.
  live.storageRoot = storageRoots;
  if (live.storageRoot.empty())
    for (ValueId v = 0; v < g.values.size(); ++v)
      live.storageRoot.push_back(v);
  std::vector<LiveInterval> group = live.intervals;
  for (ValueId v = 0; v < g.values.size(); ++v) {
    ValueId r = live.storageRoot[v];
    const LiveInterval &iv = live.intervals[v];
    if (r == v || !iv.isLive())
      continue;
    LiveInterval &gr = group[r];
    gr.first = gr.isLive() ? std::min(gr.first, iv.first) : iv.first;
    gr.last = std::max(gr.last, iv.last);
  }
  for (ValueId v = 0; v < g.values.size(); ++v) {
    if (live.storageRoot[v] != v)
      continue;
    live.intervals[v] = group[v];
    const Value &val = g.values[v];
    live.isTransient[v] = val.kind == ValueKind::Intermediate &&
                          live.intervals[v].isLive() && !g.isOutput(v);
  }
  return live;
}

Liveness computeLiveness(const Graph &g, const StorageLayout &layout) {
  Liveness live = computeLiveness(g, layout.root);
  if (std::any_of(layout.offset.begin(), layout.offset.end(),
                  [](uint64_t o) { return o != 0; }))
    live.storageOffset = layout.offset;
  return live;
}

} // namespace tlc
