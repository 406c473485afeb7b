//===- passes/ArenaAssignment.cpp - Offsets in one arena ------------------===//
//
// Hands the transient tensors' live intervals to an offset planner
// (passes/OffsetPlanner.h) and turns its offsets into a MemoryPlan. The arena
// is one buffer unless it is taller than maxBufferBytes (lavapipe binds at
// most 128 MiB, other devices cap single allocations): then it is cut into
// several buffers at offsets no tensor straddles.
//
//===----------------------------------------------------------------------===//
#include "passes/MemoryPlan.h"
#include "passes/OffsetPlanner.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <numeric>

using namespace llvm;

namespace tlc {

/// Cuts [0, height) into segments of at most \p limit bytes at offsets no
/// tensor straddles; returns the segment start offsets (the first is 0).
static Expected<std::vector<uint64_t>>
cutArena(ArrayRef<LiveRange> ranges, ArrayRef<uint64_t> offsets,
         uint64_t height, uint64_t limit, uint64_t alignment) {
  // A cut at x is valid when no tensor has offset < x < offset + size.
  // Candidate cuts are tensor ends; sweep them in order with the furthest
  // end seen among tensors starting before the candidate.
  std::vector<size_t> order(ranges.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return offsets[a] < offsets[b]; });
  std::vector<uint64_t> validCuts;
  uint64_t reach = 0; // max end over tensors with offset < candidate
  size_t i = 0;
  std::vector<uint64_t> ends;
  for (size_t k = 0; k < ranges.size(); ++k)
    ends.push_back(alignTo(offsets[k] + ranges[k].size, alignment));
  std::sort(ends.begin(), ends.end());
  ends.erase(std::unique(ends.begin(), ends.end()), ends.end());
  for (uint64_t x : ends) {
    while (i < order.size() && offsets[order[i]] < x) {
      reach = std::max(reach, offsets[order[i]] + ranges[order[i]].size);
      ++i;
    }
    if (reach <= x)
      validCuts.push_back(x);
  }
  std::vector<uint64_t> starts = {0};
  size_t c = 0;
  while (height - starts.back() > limit) {
    uint64_t best = 0;
    while (c < validCuts.size() && validCuts[c] - starts.back() <= limit) {
      if (validCuts[c] > starts.back())
        best = validCuts[c];
      ++c;
    }
    if (best == 0)
      return createStringError(
          inconvertibleErrorCode(),
          "the arena cannot be cut into buffers of at most %llu bytes: a "
          "tensor or a stack of overlapping tensors is larger",
          (unsigned long long)limit);
    starts.push_back(best);
  }
  return starts;
}

Expected<MemoryPlan> assignArenaOffsets(const Graph &g, const Liveness &live,
                                        const ArenaAssignOptions &opts) {
  std::vector<ValueId> tensors;
  std::vector<LiveRange> ranges;
  for (ValueId v = 0; v < g.values.size(); ++v) {
    if (!live.isTransient[v])
      continue;
    tensors.push_back(v);
    ranges.push_back({live.intervals[v].first, live.intervals[v].last + 1,
                      g.values[v].type.byteSize()});
  }
  MemoryPlan plan;
  plan.planner = opts.planner;
  plan.placement.assign(g.values.size(), std::nullopt);
  plan.lowerBound = transientLowerBound(g, live);
  for (const LiveRange &r : ranges)
    plan.noReuseBytes += r.size;
  plan.slotsPerKey = assignPoolSlots(g, live).slotsPerKey;
  if (tensors.empty())
    return plan;

  for (size_t k = 0; k < tensors.size(); ++k)
    if (ranges[k].size > opts.maxBufferBytes)
      return errorAt(g.values[tensors[k]].loc,
                     "tensor '" + g.values[tensors[k]].name + "' needs " +
                         Twine(ranges[k].size) +
                         " bytes, more than the largest buffer allowed (" +
                         Twine(opts.maxBufferBytes) +
                         " bytes; see --max-buffer-bytes)");
  Expected<OffsetPlan> offsets =
      opts.planner == "no-alias"
          ? planNoAlias(ranges, opts.alignment)
          : planArena(ranges, ArenaOptions{opts.alignment, opts.timeLimitSeconds,
                                           std::nullopt, std::nullopt});
  if (!offsets)
    return offsets.takeError();
  if (offsets->cpuGuardFired)
    WithColor::warning(errs(), "tlc")
        << "the arena planner's budget (--plan-time-limit=" << opts.timeLimitSeconds
        << ") ran out on this machine's CPU clock before its work did: the "
           "plan is valid, but a faster machine may give another one\n";
  if (Error e = checkOffsets(ranges, offsets->offsets, opts.alignment,
                             std::nullopt))
    return std::move(e);
  uint64_t height = 0;
  for (size_t k = 0; k < ranges.size(); ++k)
    height = std::max(height, offsets->offsets[k] + ranges[k].size);
  height = alignTo(height, 4);

  auto starts = cutArena(ranges, offsets->offsets, height, opts.maxBufferBytes,
                         opts.alignment);
  if (!starts)
    return starts.takeError();
  for (size_t b = 0; b < starts->size(); ++b) {
    uint64_t end = b + 1 < starts->size() ? (*starts)[b + 1] : height;
    plan.bufferBytes.push_back(end - (*starts)[b]);
  }
  for (size_t k = 0; k < tensors.size(); ++k) {
    uint64_t off = offsets->offsets[k];
    size_t b = size_t(std::upper_bound(starts->begin(), starts->end(), off) -
                      starts->begin()) - 1;
    Placement p;
    p.buffer = uint32_t(b);
    p.offset = off - (*starts)[b];
    p.poolKey = g.values[tensors[k]].type.str();
    plan.placement[tensors[k]] = p;
  }
  return plan;
}

} // namespace tlc
