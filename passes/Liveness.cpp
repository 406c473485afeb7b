//===- passes/Liveness.cpp - Live intervals in schedule steps -------------===//
//
// Step i is node i of the schedule. A node output is live from its step to
// the last step that reads it; a graph output to the last step (the host
// reads it after the run); an input from step 0 to its last reader. Weights
// are live throughout. An output nothing reads is live during its own step
// only, since the dispatch still writes it.
//
//===----------------------------------------------------------------------===//
#include "passes/Passes.h"

#include <algorithm>

namespace tlc {

Liveness computeLiveness(const Graph &g) {
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
    if (val.kind == ValueKind::Weight && iv.isLive()) {
      iv.first = 0;
      iv.last = lastStep;
    }
    if (g.isOutput(v) && iv.isLive())
      iv.last = lastStep;
    live.isTransient[v] = val.kind == ValueKind::Intermediate &&
                          iv.isLive() && !g.isOutput(v);
  }
  return live;
}

} // namespace tlc
