//===- passes/OffsetPlannerCheck.cpp - Lower bound and plan checker -------===//
//
// The two measures every offset plan is judged by, kept apart from the
// planners so that a planner bug cannot hide itself: the lower bound (the
// peak of live bytes) and the checker (alignment, no overlap in time and
// memory, capacity). Also input validation and the no-alias planner, which
// need nothing but a running sum.
//
//===----------------------------------------------------------------------===//
#include "passes/OffsetPlanner.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <map>

using namespace llvm;

namespace tlc {

namespace {
/// A start or end of one buffer's live interval, for sweeps over steps.
struct Event {
  int64_t step;
  bool isStart;   // ends sort before starts at the same step (half-open)
  uint32_t index; // buffer index
};

SmallVector<Event, 0> sortedEvents(ArrayRef<LiveRange> ranges) {
  SmallVector<Event, 0> events;
  events.reserve(2 * ranges.size());
  for (size_t i = 0; i < ranges.size(); ++i) {
    events.push_back(Event{ranges[i].start, true, uint32_t(i)});
    events.push_back(Event{ranges[i].end, false, uint32_t(i)});
  }
  llvm::sort(events, [](const Event &a, const Event &b) {
    if (a.step != b.step)
      return a.step < b.step;
    if (a.isStart != b.isStart)
      return !a.isStart;
    return a.index < b.index;
  });
  return events;
}
} // namespace

Error verifyLiveRanges(ArrayRef<LiveRange> ranges, uint64_t alignment) {
  if (alignment == 0 || alignment > (uint64_t(1) << 32))
    return createStringError(inconvertibleErrorCode(),
                             "alignment %llu: expected 1 to 2^32 bytes",
                             (unsigned long long)alignment);
  if (ranges.size() >= UINT32_MAX)
    return createStringError(inconvertibleErrorCode(),
                             "%zu buffers: expected fewer than 2^32",
                             ranges.size());
  uint64_t total = 0;
  for (size_t i = 0; i < ranges.size(); ++i) {
    const LiveRange &r = ranges[i];
    if (r.start >= r.end)
      return createStringError(
          inconvertibleErrorCode(),
          "buffer %zu: live interval [%lld, %lld) is empty; expected start < "
          "end",
          i, (long long)r.start, (long long)r.end);
    if (r.size > kMaxPlannerBytes)
      return createStringError(inconvertibleErrorCode(),
                               "buffer %zu: size %llu bytes is above the "
                               "limit of 2^62",
                               i, (unsigned long long)r.size);
    uint64_t aligned = (r.size + alignment - 1) / alignment * alignment;
    total += aligned;
    if (total > kMaxPlannerBytes)
      return createStringError(inconvertibleErrorCode(),
                               "buffer %zu: total of the sizes is above the "
                               "limit of 2^62 bytes",
                               i);
  }
  return Error::success();
}

uint64_t computeLowerBound(ArrayRef<LiveRange> ranges) {
  uint64_t live = 0, peak = 0;
  for (const Event &e : sortedEvents(ranges)) {
    if (e.isStart) {
      live += ranges[e.index].size;
      peak = std::max(peak, live);
    } else {
      live -= ranges[e.index].size;
    }
  }
  return peak;
}

Error checkOffsets(ArrayRef<LiveRange> ranges, ArrayRef<uint64_t> offsets,
                   uint64_t alignment, std::optional<uint64_t> capacity) {
  if (ranges.size() != offsets.size())
    return createStringError(inconvertibleErrorCode(),
                             "%zu offsets for %zu buffers", offsets.size(),
                             ranges.size());
  if (alignment == 0)
    return createStringError(inconvertibleErrorCode(),
                             "alignment 0: expected >= 1 byte");
  for (size_t i = 0; i < ranges.size(); ++i) {
    const LiveRange &r = ranges[i];
    if (r.start >= r.end)
      return createStringError(inconvertibleErrorCode(),
                               "buffer %zu: empty live interval [%lld, %lld)",
                               i, (long long)r.start, (long long)r.end);
    if (offsets[i] % alignment != 0)
      return createStringError(inconvertibleErrorCode(),
                               "buffer %zu: offset %llu is not a multiple of "
                               "the alignment %llu",
                               i, (unsigned long long)offsets[i],
                               (unsigned long long)alignment);
    if (offsets[i] > UINT64_MAX - r.size)
      return createStringError(inconvertibleErrorCode(),
                               "buffer %zu: offset %llu + size %llu "
                               "overflows 64 bits",
                               i, (unsigned long long)offsets[i],
                               (unsigned long long)r.size);
    if (capacity && offsets[i] + r.size > *capacity)
      return createStringError(
          inconvertibleErrorCode(),
          "buffer %zu: bytes [%llu, %llu) exceed the capacity of %llu bytes", i,
          (unsigned long long)offsets[i],
          (unsigned long long)(offsets[i] + r.size),
          (unsigned long long)*capacity);
  }

  // Live buffers keyed by offset. Invariant: their byte ranges are pairwise
  // disjoint, so a new buffer can only overlap its neighbours in this order.
  std::map<uint64_t, uint32_t> live;
  auto overlapError = [&](uint32_t a, uint32_t b) {
    const LiveRange &ra = ranges[a], &rb = ranges[b];
    return createStringError(
        inconvertibleErrorCode(),
        "buffers %u and %u overlap: buffer %u is live on [%lld, %lld) at "
        "bytes [%llu, %llu), buffer %u is live on [%lld, %lld) at bytes "
        "[%llu, %llu)",
        std::min(a, b), std::max(a, b), a, (long long)ra.start,
        (long long)ra.end, (unsigned long long)offsets[a],
        (unsigned long long)(offsets[a] + ra.size), b, (long long)rb.start,
        (long long)rb.end, (unsigned long long)offsets[b],
        (unsigned long long)(offsets[b] + rb.size));
  };
  for (const Event &e : sortedEvents(ranges)) {
    uint32_t i = e.index;
    if (ranges[i].size == 0)
      continue;
    uint64_t lo = offsets[i], hi = lo + ranges[i].size;
    if (!e.isStart) {
      live.erase(lo);
      continue;
    }
    auto next = live.lower_bound(lo);
    if (next != live.end() && next->first < hi)
      return overlapError(next->second, i);
    if (next != live.begin()) {
      auto prev = std::prev(next);
      if (prev->first + ranges[prev->second].size > lo)
        return overlapError(prev->second, i);
    }
    live.emplace(lo, i);
  }
  return Error::success();
}

Expected<OffsetPlan> planNoAlias(ArrayRef<LiveRange> ranges,
                                 uint64_t alignment) {
  if (Error e = verifyLiveRanges(ranges, alignment))
    return e;
  OffsetPlan plan;
  plan.strategy = "no-alias";
  plan.offsets.reserve(ranges.size());
  uint64_t next = 0;
  for (const LiveRange &r : ranges) {
    plan.offsets.push_back(next);
    plan.height = std::max(plan.height, next + r.size);
    next += (r.size + alignment - 1) / alignment * alignment;
  }
  return plan;
}

} // namespace tlc
