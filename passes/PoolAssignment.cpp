//===- passes/PoolAssignment.cpp - The shape-keyed pool -------------------===//
//
// The ahead-of-time version of the shape pools runtime libraries keep: a
// tensor can only reuse memory of a tensor of the same shape and dtype. It
// is simple and never fragments, but costs 1.1x-2.3x the lower bound on real
// models, which is why tlc also has offset planners (passes/OffsetPlanner.h).
//
// Within a step, outputs take their slots before the step's dying inputs give
// theirs back, so an op never writes over an input it is still reading.
//
//===----------------------------------------------------------------------===//
#include "passes/MemoryPlan.h"

#include "llvm/ADT/MapVector.h"

#include <algorithm>
#include <map>

namespace tlc {

uint64_t transientLowerBound(const Graph &g, const Liveness &live) {
  // Sweep: +bytes at first, -bytes after last.
  std::vector<int64_t> delta(size_t(live.numSteps) + 1, 0);
  for (ValueId v = 0; v < g.values.size(); ++v) {
    if (!live.isTransient[v])
      continue;
    int64_t b = int64_t(g.values[v].type.byteSize());
    delta[size_t(live.intervals[v].first)] += b;
    delta[size_t(live.intervals[v].last) + 1] -= b;
  }
  int64_t cur = 0, best = 0;
  for (int64_t d : delta) {
    cur += d;
    best = std::max(best, cur);
  }
  return uint64_t(best);
}

MemoryPlan assignPoolSlots(const Graph &g, const Liveness &live) {
  MemoryPlan plan;
  plan.planner = "pool";
  plan.placement.assign(g.values.size(), std::nullopt);

  struct Pool {
    std::vector<uint32_t> slotBuffer; // buffer index of each slot
    std::vector<int32_t> freeSlots;   // kept sorted descending; pop the lowest
  };
  std::map<std::string, Pool> pools;
  std::vector<std::vector<ValueId>> dyingAfter(size_t(live.numSteps));
  for (ValueId v = 0; v < g.values.size(); ++v)
    if (live.isTransient[v])
      dyingAfter[size_t(live.intervals[v].last)].push_back(v);

  // Transients by the step they become live at: a node's outputs at the
  // node's step, except a Concat output whose inputs are computed in its
  // slices (passes/Aliasing.cpp): at its first slice's producer.
  std::vector<std::vector<ValueId>> bornAt(size_t(live.numSteps));
  for (int64_t s = 0; s < live.numSteps; ++s)
    for (ValueId out : g.nodes[size_t(s)].outputs)
      if (live.isTransient[out])
        bornAt[size_t(live.intervals[out].first)].push_back(out);

  for (int64_t s = 0; s < live.numSteps; ++s) {
    for (ValueId out : bornAt[size_t(s)]) {
      const TensorType &t = g.values[out].type;
      std::string key = t.str();
      Pool &pool = pools[key];
      Placement p;
      p.poolKey = key;
      if (!pool.freeSlots.empty()) {
        p.slot = pool.freeSlots.back();
        pool.freeSlots.pop_back();
      } else {
        p.slot = int32_t(pool.slotBuffer.size());
        pool.slotBuffer.push_back(uint32_t(plan.bufferBytes.size()));
        plan.bufferBytes.push_back(alignTo(t.byteSize(), 4));
      }
      p.buffer = pool.slotBuffer[size_t(p.slot)];
      plan.placement[out] = p;
      plan.noReuseBytes += t.byteSize();
    }
    for (ValueId v : dyingAfter[size_t(s)]) {
      Pool &pool = pools[plan.placement[v]->poolKey];
      pool.freeSlots.push_back(plan.placement[v]->slot);
      std::sort(pool.freeSlots.rbegin(), pool.freeSlots.rend());
    }
  }
  for (auto &kv : pools)
    plan.slotsPerKey.push_back({kv.first, uint32_t(kv.second.slotBuffer.size())});
  plan.lowerBound = transientLowerBound(g, live);
  return plan;
}

} // namespace tlc
