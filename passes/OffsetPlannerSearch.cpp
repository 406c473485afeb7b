//===- passes/OffsetPlannerSearch.cpp - Exact search after MiniMalloc -----===//
//
// A depth-first branch-and-bound search for a placement within a capacity,
// following MiniMalloc (R. Moffitt, "MiniMalloc: A Lightweight Memory
// Allocator for Hardware-Accelerated Machine Learning", ASPLOS 2023):
//
//  - Canonical solutions (sec. 4.1): every solution can be pushed down until
//    each buffer rests on a time-overlapping buffer or on 0; listed by
//    offset, each buffer sits at the lowest offset its predecessors allow
//    ("min offset" below). So the search only picks which buffer comes next,
//    in non-decreasing (offset, preorder index) order, never an offset.
//  - Dynamic ordering (sec. 4.2): candidates are tried lowest min offset
//    first, ties by a static preorder (lifetime width, area, section total).
//  - Section inference (sec. 5.1): for each section (the buffers live just
//    before one end step), its floor plus the sizes of the unplaced
//    buffers live there must fit in the capacity. A section's floor is the
//    top of the last buffer placed there, raised to the lowest min offset of
//    its unplaced buffers and to the current offset.
//  - Dominance (sec. 5.2): a candidate whose offset is at or above the top
//    some other candidate would have (min offset + size) is skipped: that
//    gap would stay empty. "Hatless" pruning: when a failed buffer had no
//    unplaced buffer above it in time, no sibling can do better.
//  - Dynamic decomposition (sec. 5.3): when no unplaced buffer crosses a
//    section boundary any more, the two sides are solved independently.
//
// The search counts work units (buffers and sections touched) and stops at a
// fixed budget, so its result never depends on the clock.
//
//===----------------------------------------------------------------------===//
#include "passes/OffsetPlannerInternal.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/MathExtras.h"

#include <algorithm>
#include <cassert>

using namespace llvm;

namespace tlc {
namespace planner_detail {

uint64_t countOverlapPairs(ArrayRef<LiveRange> ranges, uint64_t limit) {
  SmallVector<std::pair<int64_t, int>, 0> events;
  events.reserve(2 * ranges.size());
  for (const LiveRange &r : ranges) {
    events.push_back({r.start, 1});
    events.push_back({r.end, 0});
  }
  llvm::sort(events);
  uint64_t pairs = 0, live = 0;
  for (auto [step, isStart] : events) {
    if (!isStart) {
      --live;
      continue;
    }
    pairs += live++;
    if (pairs > limit)
      return pairs;
  }
  return pairs;
}

namespace {

constexpr uint64_t kUnplaced = UINT64_MAX;

enum class Status { Found, NotFound, Aborted };

/// A subproblem: unplaced buffers whose sections lie in [secLo, secHi), and
/// no other unplaced buffer touching those sections.
struct Partition {
  SmallVector<uint32_t, 0> buffers;
  uint32_t secLo = 0, secHi = 0;
};

/// Candidate of one search node: a buffer's min offset and preorder index.
struct Candidate {
  uint64_t offset;
  uint32_t preorderIdx;
  bool operator<(const Candidate &o) const {
    return offset != o.offset ? offset < o.offset : preorderIdx < o.preorderIdx;
  }
};

/// Static preorders tried round-robin: MiniMalloc's defaults "WAT", "TAW",
/// "TWA" (W = lifetime width, A = area, T = largest section total, all
/// decreasing).
enum class Key : uint8_t { Width, Area, Total };
constexpr Key kPreorders[][3] = {{Key::Width, Key::Area, Key::Total},
                                 {Key::Total, Key::Area, Key::Width},
                                 {Key::Total, Key::Width, Key::Area}};

class Searcher {
public:
  Searcher(ArrayRef<LiveRange> ranges, uint64_t capacity, uint64_t budget,
           CpuGuard &guard)
      : ranges(ranges), capacity(capacity), budget(budget), guard(guard) {
    sweep();
  }

  SearchOutcome run();

private:
  void sweep();
  void resetState();
  Status solvePartition(const Partition &part, const Key *preorder);
  Status dfs(const Partition &part, ArrayRef<uint32_t> preorder,
             ArrayRef<Candidate> parentOrdering, uint64_t minOffset,
             uint32_t minPreorderIdx);
  Status decompose(const Partition &part, uint32_t placed, const Key *preorder,
                   ArrayRef<uint32_t> preorderBuffers,
                   ArrayRef<Candidate> ordering, uint64_t minOffset,
                   uint32_t minPreorderIdx);
  bool sectionsFit(const Partition &part, uint64_t offset);

  ArrayRef<LiveRange> ranges; // sizes aligned
  uint64_t capacity;
  uint64_t budget;
  CpuGuard &guard;
  uint64_t work = 0;
  uint64_t nodes = 0;
  int64_t nodesLeft = 0;
  const Key *currentPreorder = kPreorders[0];

  // Sweep results.
  uint32_t numSections = 0;
  std::vector<uint32_t> secFirst, secLast; // [first, last) per buffer
  std::vector<SmallVector<uint32_t, 4>> overlaps;
  std::vector<SmallVector<uint32_t, 4>> sectionBuffers;
  std::vector<Partition> initialPartitions;

  // Search state.
  std::vector<uint64_t> offsets, minOffsets, solution;
  /// Per section: the lowest min offset of its unplaced buffers (MiniMalloc's
  /// "unallocated floor"; it is never below the top of a placed buffer live
  /// there, since every unplaced one there overlaps it), and the total size
  /// of its unplaced buffers.
  std::vector<uint64_t> floors, totals;
  std::vector<uint32_t> cuts; // unplaced buffers crossing boundary s|s+1
  std::vector<uint32_t> sectionStamp;
  uint32_t stampEpoch = 0;
};

void Searcher::sweep() {
  size_t n = ranges.size();
  // Sections as in MiniMalloc's sweep (computeSectionSpans).
  SectionSpans spans = computeSectionSpans(ranges);
  numSections = spans.count;
  secFirst = std::move(spans.first);
  secLast = std::move(spans.last);
  sectionBuffers.resize(numSections);
  for (size_t i = 0; i < n; ++i) {
    for (uint32_t s = secFirst[i]; s < secLast[i]; ++s)
      sectionBuffers[s].push_back(uint32_t(i));
  }
  // Overlap lists: a sweep over buffers sorted by start, keeping the live.
  overlaps.resize(n);
  std::vector<uint32_t> byStart(n);
  for (uint32_t i = 0; i < n; ++i)
    byStart[i] = i;
  llvm::sort(byStart, [&](uint32_t a, uint32_t b) {
    return secFirst[a] != secFirst[b] ? secFirst[a] < secFirst[b] : a < b;
  });
  SmallVector<uint32_t, 0> live;
  for (uint32_t b : byStart) {
    llvm::erase_if(live, [&](uint32_t o) { return secLast[o] <= secFirst[b]; });
    for (uint32_t o : live) {
      overlaps[b].push_back(o);
      overlaps[o].push_back(b);
    }
    live.push_back(b);
  }
  // Independent components: cut where no buffer crosses a boundary.
  uint32_t reach = 0;
  Partition cur;
  for (uint32_t b : byStart) {
    if (!cur.buffers.empty() && secFirst[b] >= reach) {
      cur.secHi = reach;
      initialPartitions.push_back(std::move(cur));
      cur = Partition();
    }
    if (cur.buffers.empty())
      cur.secLo = secFirst[b];
    cur.buffers.push_back(b);
    reach = std::max(reach, secLast[b]);
  }
  if (!cur.buffers.empty()) {
    cur.secHi = reach;
    initialPartitions.push_back(std::move(cur));
  }
}

void Searcher::resetState() {
  size_t n = ranges.size();
  offsets.assign(n, kUnplaced);
  minOffsets.assign(n, 0);
  floors.assign(numSections, 0);
  totals.assign(numSections, 0);
  cuts.assign(numSections, 0);
  sectionStamp.assign(numSections, 0);
  for (size_t i = 0; i < n; ++i) {
    for (uint32_t s = secFirst[i]; s < secLast[i]; ++s)
      totals[s] += ranges[i].size;
    for (uint32_t s = secFirst[i]; s + 1 < secLast[i]; ++s)
      ++cuts[s];
  }
}

bool Searcher::sectionsFit(const Partition &part, uint64_t offset) {
  work += part.secHi - part.secLo;
  for (uint32_t s = part.secLo; s < part.secHi; ++s)
    if (totals[s] != 0 && std::max(floors[s], offset) + totals[s] > capacity)
      return false;
  return true;
}

Status Searcher::solvePartition(const Partition &part, const Key *preorder) {
  // Static preorder of this partition's buffers.
  size_t m = part.buffers.size();
  std::vector<uint64_t> sectionTotal(m, 0);
  for (size_t k = 0; k < m; ++k) {
    uint32_t b = part.buffers[k];
    for (uint32_t s = secFirst[b]; s < secLast[b]; ++s)
      sectionTotal[k] = std::max(sectionTotal[k], totals[s]);
  }
  work += m;
  std::vector<uint32_t> perm(m);
  for (uint32_t k = 0; k < m; ++k)
    perm[k] = k;
  auto key = [&](Key key, uint32_t k) -> unsigned __int128 {
    uint32_t b = part.buffers[k];
    uint64_t width = uint64_t(ranges[b].end - ranges[b].start);
    switch (key) {
    case Key::Width:
      return width;
    case Key::Area:
      return (unsigned __int128)width * ranges[b].size;
    case Key::Total:
      return sectionTotal[k];
    }
    return 0;
  };
  llvm::sort(perm, [&](uint32_t x, uint32_t y) {
    for (int i = 0; i < 3; ++i) {
      auto kx = key(preorder[i], x), ky = key(preorder[i], y);
      if (kx != ky)
        return kx > ky;
    }
    return part.buffers[x] < part.buffers[y];
  });
  std::vector<uint32_t> preorderBuffers(m);
  SmallVector<Candidate, 0> ordering(m);
  for (uint32_t k = 0; k < m; ++k) {
    preorderBuffers[k] = part.buffers[perm[k]];
    ordering[k] = {0, k};
  }
  return dfs(part, preorderBuffers, ordering, 0, 0);
}

Status Searcher::dfs(const Partition &part, ArrayRef<uint32_t> preorder,
                     ArrayRef<Candidate> parentOrdering, uint64_t minOffset,
                     uint32_t minPreorderIdx) {
  if (work >= budget || nodesLeft <= 0 || guard.expired())
    return Status::Aborted;
  --nodesLeft;
  ++nodes;
  SmallVector<Candidate, 0> ordering;
  ordering.reserve(parentOrdering.size());
  for (const Candidate &c : parentOrdering) {
    uint32_t b = preorder[c.preorderIdx];
    if (offsets[b] == kUnplaced)
      ordering.push_back({minOffsets[b], c.preorderIdx});
  }
  work += parentOrdering.size();
  if (ordering.empty())
    return Status::Found;
  llvm::sort(ordering);
  work += ordering.size() * llvm::Log2_64_Ceil(ordering.size() + 1);
  uint64_t minHeight = UINT64_MAX;
  for (const Candidate &c : ordering)
    minHeight =
        std::min(minHeight, c.offset + ranges[preorder[c.preorderIdx]].size);

  struct OffsetChange {
    uint32_t buffer;
    uint64_t old;
  };
  struct FloorChange {
    uint32_t section;
    uint64_t old;
  };
  SmallVector<OffsetChange, 16> offsetChanges;
  SmallVector<FloorChange, 16> floorChanges;
  SmallVector<uint32_t, 16> affected;
  for (const Candidate &c : ordering) {
    uint32_t b = preorder[c.preorderIdx];
    uint64_t off = c.offset, size = ranges[b].size;
    // Canonical order: (offset, preorder index) never decreases.
    if (off < minOffset || (off == minOffset && c.preorderIdx < minPreorderIdx))
      continue;
    // Dominance: some other buffer would fit entirely below this one.
    if (off >= minHeight)
      continue;
    if (off + size > capacity)
      continue;
    offsets[b] = off;
    solution[b] = off;
    offsetChanges.clear();
    floorChanges.clear();
    affected.clear();
    ++stampEpoch;
    bool hatless = true;
    work += overlaps[b].size();
    auto mark = [&](uint32_t s) {
      if (sectionStamp[s] != stampEpoch) {
        sectionStamp[s] = stampEpoch;
        affected.push_back(s);
      }
    };
    for (uint32_t o : overlaps[b]) {
      if (offsets[o] != kUnplaced)
        continue;
      hatless = false;
      uint64_t old = minOffsets[o];
      if (old >= off + size)
        continue;
      offsetChanges.push_back({o, old});
      minOffsets[o] = off + size;
      work += secLast[o] - secFirst[o];
      // Only a section whose lowest min offset was this buffer's can rise.
      for (uint32_t s = secFirst[o]; s < secLast[o]; ++s)
        if (floors[s] == old)
          mark(s);
    }
    for (uint32_t s = secFirst[b]; s < secLast[b]; ++s) {
      totals[s] -= size;
      if (floors[s] == off)
        mark(s);
    }
    for (uint32_t s : affected) {
      // The floor never drops (min offsets only rise, buffers only leave),
      // so a buffer still at the old floor ends the scan.
      uint64_t lowest = UINT64_MAX;
      size_t scanned = 0;
      for (uint32_t o : sectionBuffers[s]) {
        ++scanned;
        if (offsets[o] == kUnplaced && minOffsets[o] < lowest) {
          lowest = minOffsets[o];
          if (lowest == floors[s])
            break;
        }
      }
      work += scanned;
      if (floors[s] != lowest) {
        floorChanges.push_back({s, floors[s]});
        floors[s] = lowest;
      }
    }
    Status status = Status::NotFound;
    if (sectionsFit(part, off))
      status = decompose(part, b, currentPreorder, preorder, ordering, off,
                         c.preorderIdx);
    for (const FloorChange &fc : llvm::reverse(floorChanges))
      floors[fc.section] = fc.old;
    for (uint32_t s = secFirst[b]; s < secLast[b]; ++s)
      totals[s] += size;
    for (const OffsetChange &oc : llvm::reverse(offsetChanges))
      minOffsets[oc.buffer] = oc.old;
    offsets[b] = kUnplaced;
    if (status != Status::NotFound)
      return status;
    if (hatless)
      break;
  }
  return Status::NotFound;
}

Status Searcher::decompose(const Partition &part, uint32_t placed,
                           const Key *preorder,
                           ArrayRef<uint32_t> preorderBuffers,
                           ArrayRef<Candidate> ordering, uint64_t minOffset,
                           uint32_t minPreorderIdx) {
  SmallVector<uint32_t, 8> cutpoints;
  for (uint32_t s = secFirst[placed]; s + 1 < secLast[placed]; ++s)
    if (--cuts[s] == 0 && s + 1 > part.secLo && s + 1 < part.secHi)
      cutpoints.push_back(s + 1);
  Status status = Status::Found;
  if (cutpoints.empty()) {
    status = dfs(part, preorderBuffers, ordering, minOffset, minPreorderIdx);
  } else {
    cutpoints.insert(cutpoints.begin(), part.secLo);
    cutpoints.push_back(part.secHi);
    for (size_t k = 0; k + 1 < cutpoints.size(); ++k) {
      Partition sub;
      sub.secLo = cutpoints[k];
      sub.secHi = cutpoints[k + 1];
      for (uint32_t b : part.buffers)
        if (offsets[b] == kUnplaced && secFirst[b] < sub.secHi &&
            secLast[b] > sub.secLo)
          sub.buffers.push_back(b);
      work += part.buffers.size();
      if (sub.buffers.empty())
        continue;
      status = solvePartition(sub, preorder);
      if (status != Status::Found)
        break;
    }
  }
  for (uint32_t s = secFirst[placed]; s + 1 < secLast[placed]; ++s)
    ++cuts[s];
  return status;
}

SearchOutcome Searcher::run() {
  SearchOutcome out;
  solution.assign(ranges.size(), 0);
  // Round robin over the preorders with doubling node limits, as
  // MiniMalloc's solver does: one of them often finishes quickly.
  int64_t nodeLimit = std::max<int64_t>(16, int64_t(ranges.size()));
  while (work < budget && !guard.fired) {
    nodeLimit *= 2;
    for (const Key *preorder : {kPreorders[0], kPreorders[1], kPreorders[2]}) {
      currentPreorder = preorder;
      nodesLeft = nodeLimit;
      resetState();
      Status status = Status::Found;
      for (const Partition &part : initialPartitions) {
        status = solvePartition(part, preorder);
        if (status != Status::Found)
          break;
      }
      out.nodes = nodes;
      out.work = work;
      if (status == Status::Found) {
        out.status = SearchOutcome::Found;
        out.offsets = solution;
        return out;
      }
      if (status == Status::NotFound) {
        out.status = SearchOutcome::Infeasible;
        return out;
      }
      if (work >= budget || guard.fired)
        break;
    }
  }
  out.status = SearchOutcome::OutOfBudget;
  return out;
}

} // namespace

SearchOutcome searchWithinCapacity(ArrayRef<LiveRange> ranges,
                                   uint64_t capacity, uint64_t workBudget,
                                   CpuGuard &guard) {
  Searcher searcher(ranges, capacity, workBudget, guard);
  return searcher.run();
}

} // namespace planner_detail
} // namespace tlc
