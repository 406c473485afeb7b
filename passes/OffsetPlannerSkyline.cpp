//===- passes/OffsetPlannerSkyline.cpp - Exact search by lowest gap -------===//
//
// A depth-first search for a plan within a capacity that branches on a free
// byte rather than on the next buffer (MiniMalloc's search,
// OffsetPlannerSearch.cpp, branches on buffers): the bottom-left branching
// of exact strip-packing searches (Martello, Monaci & Vigo, "An exact
// approach to the strip-packing problem", INFORMS J. on Computing 15(3),
// 2003) for buffers whose place in time is fixed.
//
//  - State: a skyline. Per section (as in MiniMalloc's sweep, the buffers
//    live just before one end step) the top of what is placed or left empty
//    there; every unplaced buffer goes above it. Plans built this way are
//    canonical (each buffer rests on another, on a decided gap or on 0).
//  - Branching: a run [a, e) of sections with top f whose neighbours are
//    higher (a local minimum) has two bytes that a buffer inside the run,
//    sitting at f, must cover unless they stay empty: (a, f), covered by a
//    buffer starting at a, and (e - 1, f), by one ending at e - 1. The
//    search branches on the byte with the fewest choices over all such runs
//    (zero: a dead end), the empty byte last, allowed only where the section
//    has slack (capacity - top - unplaced sizes > 0). Leaving (w, f) empty
//    raises w's top to the lowest level the next buffer there can take: a
//    neighbour's top, or f plus the smallest unplaced buffer inside the run
//    that does not cover w (one it could rest on).
//  - Run tiling: every byte of such a run at level f is covered by a buffer
//    inside it or left empty where there is slack, so the run must be tiled
//    by a chain of buffers (boundary to boundary), and a candidate is kept
//    only if the rest of the run can still be tiled around it.
//  - Section inference (MiniMalloc sec. 5.1): per section, the lowest offset
//    any of its unplaced buffers can take (the highest top over its
//    sections) plus their sizes must fit; kept incrementally.
//  - A flat partition with a buffer spanning all of it: that buffer goes to
//    the bottom, the only branch (in any plan, swapping it with what lies
//    below it keeps the plan valid).
//  - Identical buffers (same sections and size) are placed in index order.
//  - Failed states are remembered (a table of 64-bit Zobrist hashes of the
//    tops and unplaced buffers of one partition; Zobrist, "A new hashing
//    method with application for game playing", 1970): stacking the same
//    buffers in another order reaches the same state.
//  - Decomposition as in MiniMalloc (sec. 5.3): where no unplaced buffer
//    crosses a section boundary, the two sides are solved apart.
//  - Restarts: three candidate orders round-robin, node limits growing by
//    30% a round, and from the second round the orders perturbed by a seeded
//    generator (Gomes, Selman & Kautz, "Boosting combinatorial search
//    through randomization", AAAI 1998): a search that went wrong at its
//    first choices starts again elsewhere. The table of failed states is
//    kept, since infeasibility does not depend on the order.
//
// Where the lower bound binds (perfect packings, MiniMalloc's challenge
// files) the choices are few and dead ends show early; where a plan must
// leave gaps the search by buffer is the stronger one (planArena runs both).
// Work units (sections and buffers touched, nodes) are counted and the search
// stops at a fixed budget, so the result never depends on the clock unless
// the CpuGuard fires.
//
//===----------------------------------------------------------------------===//
#include "passes/OffsetPlannerInternal.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/MathExtras.h"

#include <algorithm>
#include <pthread.h>

using namespace llvm;

namespace tlc {
namespace planner_detail {

/// The distinct end steps of \p ranges, sorted: the sections' ends.
static SmallVector<int64_t, 0> sectionEnds(ArrayRef<LiveRange> ranges) {
  SmallVector<int64_t, 0> ends;
  for (const LiveRange &r : ranges)
    ends.push_back(r.end);
  llvm::sort(ends);
  ends.erase(std::unique(ends.begin(), ends.end()), ends.end());
  return ends;
}

SectionSpans computeSectionSpans(ArrayRef<LiveRange> ranges) {
  SmallVector<int64_t, 0> ends = sectionEnds(ranges);
  SectionSpans s;
  s.count = uint32_t(ends.size());
  s.first.resize(ranges.size());
  s.last.resize(ranges.size());
  for (size_t i = 0; i < ranges.size(); ++i) {
    s.first[i] = uint32_t(
        std::upper_bound(ends.begin(), ends.end(), ranges[i].start) -
        ends.begin());
    s.last[i] = uint32_t(
        std::upper_bound(ends.begin(), ends.end(), ranges[i].end) -
        ends.begin());
  }
  return s;
}

uint64_t countSectionEntries(ArrayRef<LiveRange> ranges, uint64_t limit) {
  SmallVector<int64_t, 0> ends = sectionEnds(ranges);
  uint64_t entries = 0;
  for (const LiveRange &r : ranges) {
    entries += uint64_t(std::upper_bound(ends.begin(), ends.end(), r.end) -
                        std::upper_bound(ends.begin(), ends.end(), r.start));
    if (entries > limit)
      break;
  }
  return entries;
}

namespace {

enum class Status { Found, NotFound, Aborted };

constexpr uint32_t kNone = UINT32_MAX;
constexpr uint64_t kInfinite = UINT64_MAX;
/// Deepest recursion the search goes to (placements plus empty bytes); the
/// search runs on a thread whose stack holds it (kStackBytes).
constexpr uint32_t kMaxDepth = 100'000;
constexpr size_t kStackBytes = size_t(256) << 20;
/// Work units per node beyond what it scans: the lookup in the table of
/// failed states is a cache miss, about 50 units' time.
constexpr uint64_t kNodeWork = 50;
/// The table of failed states: at most 2^23 hashes (64 MiB), fewer for
/// small traces.
constexpr size_t kLog2FailedStates = 23;

/// SplitMix64 (Steele, Lea & Flood, "Fast splittable pseudorandom number
/// generators", OOPSLA 2014): the Zobrist keys.
uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

/// A lossy set of 64-bit state hashes (direct-mapped, two slots per
/// bucket); a lookup can miss a stored state but never invents one, so the
/// only false answer is a hash collision (about n^2 / 2^64 for n states).
class StateSet {
public:
  explicit StateSet(size_t log2Slots) : slots(size_t(1) << log2Slots, 0) {}
  bool contains(uint64_t h) const {
    h |= 1;
    size_t i = h & (slots.size() - 1);
    return slots[i] == h || slots[i ^ 1] == h;
  }
  void insert(uint64_t h) {
    h |= 1;
    size_t i = h & (slots.size() - 1);
    if (slots[i] != 0 && slots[i] != h)
      slots[i ^ 1] = slots[i];
    slots[i] = h;
  }

private:
  std::vector<uint64_t> slots;
};

/// Keys of the candidate orders, all decreasing: lifetime in sections, size,
/// size x sections.
enum class CandidateKey : uint8_t { Length, Size, Area };
/// The candidate orders tried round-robin, two keys each (ties by index):
/// longest first (fills the run), largest first, largest area first.
constexpr CandidateKey kCandidateOrders[][2] = {
    {CandidateKey::Length, CandidateKey::Size},
    {CandidateKey::Size, CandidateKey::Length},
    {CandidateKey::Area, CandidateKey::Length}};
constexpr uint64_t kNumCandidateOrders =
    sizeof(kCandidateOrders) / sizeof(kCandidateOrders[0]);

class SkylineSearcher {
public:
  SkylineSearcher(ArrayRef<LiveRange> ranges, uint64_t capacity,
                  uint64_t budget, CpuGuard &guard)
      : ranges(ranges), capacity(capacity), budget(budget), guard(guard),
        failed(std::min<size_t>(kLog2FailedStates,
                                16 + llvm::Log2_64_Ceil(ranges.size() + 1))) {
    sweep();
  }

  SearchOutcome run();

private:
  void sweep();
  /// Sorts the candidate lists by kCandidateOrders[o], perturbed in rounds
  /// after the first.
  void order(uint64_t o, uint64_t round);
  void resetState();
  uint64_t partitionHash(uint32_t lo, uint32_t hi) const;
  Status solve(uint32_t lo, uint32_t hi);
  Status dfs(uint32_t lo, uint32_t hi);
  /// One end of a run [a, e) of sections with top f whose neighbours are
  /// higher: its left byte (a, f) or its right byte (e - 1, f).
  struct Side {
    uint32_t a = 0, e = 0;
    uint64_t f = 0;
    bool right = false;
  };
  /// Whether unplaced buffer b can cover the byte of \p side: it starts at
  /// a (ends at e - 1) and stays inside the run, and fits the capacity.
  bool fits(const Side &side, uint32_t b) const {
    if (placed[b] || side.f + ranges[b].size > capacity)
      return false;
    return side.right ? secFirst[b] >= side.a : secLast[b] <= side.e;
  }
  /// Whether p, next to b in a candidate list, is identical to b (same
  /// sections and size) and unplaced.
  /// Whether an identical buffer (same sections and size) of lower index
  /// than b is still unplaced: identical buffers are placed in index order.
  bool identicalBeforeUnplaced(uint32_t b) const {
    return sameBefore[b] != kNone && !placed[sameBefore[b]];
  }
  /// Whether the run [a, e) at level f can be tiled by a chain of unplaced
  /// buffers inside it (or empty bytes where sections have slack); fills
  /// reachEnd and reachStart for viable().
  bool tileRun(uint32_t a, uint32_t e, uint64_t f);
  /// fits(), and the rest of the run can still be tiled around b.
  bool viable(const Side &side, uint32_t b) const;
  uint32_t countChoices(const Side &side, uint32_t enough);
  Status placeAndRecurse(uint32_t lo, uint32_t hi, uint32_t b, uint64_t f);
  /// After a placement over sections [first, last): solves the parts of
  /// [lo, hi) that no unplaced buffer joins any more apart, or the whole.
  Status decomposeAndRecurse(uint32_t lo, uint32_t hi, uint32_t first,
                             uint32_t last);
  Status wasteAndRecurse(uint32_t lo, uint32_t hi, const Side &side);
  /// After the tops of sections [first, last) rose to t: raises the min
  /// offsets of the unplaced buffers live there, recomputes the floors that
  /// may change and checks them (false: infeasible). Logged for undo.
  bool propagate(uint32_t first, uint32_t last, uint64_t t);
  void undo(size_t minOffsetMark, size_t floorMark);
  uint64_t topKey(uint32_t s, uint64_t top) const {
    return mix((uint64_t(s) << 40) ^ top ^ 0x5bd1e995ull);
  }

  ArrayRef<LiveRange> ranges; // sizes aligned
  uint64_t capacity, budget;
  CpuGuard &guard;
  uint64_t work = 0, nodes = 0;
  int64_t nodesLeft = 0;
  uint32_t depth = 0;

  uint32_t numSections = 0;
  std::vector<uint32_t> secFirst, secLast; // [first, last) per buffer
  std::vector<SmallVector<uint32_t, 4>> startList; // buffers by first section
  std::vector<SmallVector<uint32_t, 4>> endList;   // buffers by last section
  std::vector<SmallVector<uint32_t, 4>> sectionBuffers;
  std::vector<uint64_t> bufferKey;
  std::vector<uint32_t> sameBefore; // the identical buffer before, or kNone

  std::vector<uint64_t> top, total;
  std::vector<uint32_t> cuts; // unplaced buffers crossing boundary s|s+1
  std::vector<uint8_t> placed;
  /// Per unplaced buffer: the highest top over its sections, where it would
  /// sit. Per section: the lowest min offset of its unplaced buffers.
  std::vector<uint64_t> minOffset, floor;
  std::vector<std::pair<uint32_t, uint64_t>> minOffsetLog, floorLog;
  std::vector<uint32_t> sectionEpoch, recompute;
  std::vector<uint8_t> reachEnd, reachStart;
  uint32_t epoch = 0;
  std::vector<uint64_t> solution;
  uint64_t hash = 0;
  StateSet failed;
};

void SkylineSearcher::sweep() {
  size_t n = ranges.size();
  SectionSpans spans = computeSectionSpans(ranges);
  numSections = spans.count;
  secFirst = std::move(spans.first);
  secLast = std::move(spans.last);
  startList.resize(numSections);
  endList.resize(numSections);
  sectionBuffers.resize(numSections);
  bufferKey.resize(n);
  for (size_t i = 0; i < n; ++i) {
    startList[secFirst[i]].push_back(uint32_t(i));
    endList[secLast[i] - 1].push_back(uint32_t(i));
    for (uint32_t s = secFirst[i]; s < secLast[i]; ++s)
      sectionBuffers[s].push_back(uint32_t(i));
    bufferKey[i] = mix(0x2545f4914f6cdd1dull + i);
  }
  std::vector<uint32_t> byClass(n);
  for (uint32_t i = 0; i < n; ++i)
    byClass[i] = i;
  auto classKey = [&](uint32_t i) {
    return std::make_tuple(secFirst[i], secLast[i], ranges[i].size, i);
  };
  llvm::sort(byClass,
             [&](uint32_t x, uint32_t y) { return classKey(x) < classKey(y); });
  sameBefore.assign(n, kNone);
  for (size_t k = 1; k < n; ++k) {
    uint32_t p = byClass[k - 1], b = byClass[k];
    if (secFirst[p] == secFirst[b] && secLast[p] == secLast[b] &&
        ranges[p].size == ranges[b].size)
      sameBefore[b] = p;
  }
  work += n;
}

void SkylineSearcher::order(uint64_t o, uint64_t round) {
  // Ties by index. (The symmetry rule in dfs does not depend on the order:
  // identical buffers are linked by sameBefore.)
  auto key = [&](CandidateKey k, uint32_t b) -> unsigned __int128 {
    uint64_t length = secLast[b] - secFirst[b];
    switch (k) {
    case CandidateKey::Length:
      return length;
    case CandidateKey::Size:
      return ranges[b].size;
    case CandidateKey::Area:
      return (unsigned __int128)ranges[b].size * length;
    }
    return 0;
  };
  auto less = [&](uint32_t x, uint32_t y) {
    for (CandidateKey k : kCandidateOrders[o]) {
      unsigned __int128 kx = key(k, x), ky = key(k, y);
      if (kx != ky)
        return kx > ky;
    }
    return x < y;
  };
  // Rounds after the first perturb the order (a seeded shuffle, then each
  // buffer moves past a few neighbours): a search that went wrong at its
  // first choices restarts elsewhere (Gomes, Selman & Kautz, "Boosting
  // combinatorial search through randomization", AAAI 1998).
  uint64_t state = mix(round * 31 + o);
  auto next = [&]() { return state = mix(state); };
  for (auto *lists : {&startList, &endList})
    for (auto &list : *lists) {
      llvm::sort(list, less);
      if (round > 0)
        for (size_t k = 1; k < list.size(); ++k)
          for (size_t j = k; j > 0 && next() % 3 == 0; --j)
            std::swap(list[j], list[j - 1]);
      work += list.size();
    }
}

void SkylineSearcher::resetState() {
  size_t n = ranges.size();
  top.assign(numSections, 0);
  total.assign(numSections, 0);
  cuts.assign(numSections, 0);
  placed.assign(n, 0);
  minOffset.assign(n, 0);
  floor.assign(numSections, 0);
  sectionEpoch.assign(numSections, 0);
  epoch = 0;
  for (size_t i = 0; i < n; ++i) {
    for (uint32_t s = secFirst[i]; s < secLast[i]; ++s)
      total[s] += ranges[i].size;
    for (uint32_t s = secFirst[i]; s + 1 < secLast[i]; ++s)
      ++cuts[s];
  }
  work += n + numSections;
}

uint64_t SkylineSearcher::partitionHash(uint32_t lo, uint32_t hi) const {
  uint64_t h = mix((uint64_t(lo) << 32) | hi);
  for (uint32_t s = lo; s < hi; ++s) {
    h ^= topKey(s, top[s]);
    for (uint32_t b : startList[s])
      if (!placed[b])
        h ^= bufferKey[b];
  }
  return h;
}

Status SkylineSearcher::solve(uint32_t lo, uint32_t hi) {
  uint64_t saved = hash;
  hash = partitionHash(lo, hi);
  work += hi - lo;
  Status status = dfs(lo, hi);
  hash = saved;
  return status;
}

Status SkylineSearcher::dfs(uint32_t lo, uint32_t hi) {
  if (work >= budget || nodesLeft <= 0 || depth >= kMaxDepth ||
      guard.expired())
    return Status::Aborted;
  --nodesLeft;
  ++nodes;
  work += kNodeWork;
  if (failed.contains(hash))
    return Status::NotFound;
  // Every run of equal tops whose neighbours are higher (a local minimum)
  // has two bytes some buffer must cover unless left empty: its left end
  // (covered by a buffer starting at a and ending in the run) and its right
  // end (a buffer ending at e-1 and starting in the run). Branch on the one
  // with the fewest choices (an empty byte counts as one choice when the
  // section has slack); none at all is a dead end.
  Side best;
  uint32_t bestChoices = UINT32_MAX;
  bool any = false;
  // A flat partition (one run of active sections): a buffer spanning all of
  // it can go to the bottom in some plan (exchange the buffer with what lies
  // below it: everything there moves up by its size), so it is the only
  // branch.
  uint32_t forced = kNone;
  {
    uint32_t a = lo;
    while (a < hi && total[a] == 0)
      ++a;
    uint32_t e = a;
    while (e < hi && total[e] != 0 && top[e] == top[a])
      ++e;
    uint32_t rest = e;
    while (rest < hi && total[rest] == 0)
      ++rest;
    work += rest - lo;
    if (a < hi && rest == hi) {
      best = Side{a, e, top[a], false};
      for (uint32_t b : startList[a])
        if (secLast[b] == e && fits(best, b) && !identicalBeforeUnplaced(b)) {
          forced = b;
          bestChoices = 1;
          any = true;
          break;
        }
    }
  }
  for (uint32_t s = lo; s < hi && forced == kNone;) {
    if (total[s] == 0) {
      ++s;
      continue;
    }
    uint64_t f = top[s];
    uint32_t a = s, e = s + 1;
    while (e < hi && total[e] != 0 && top[e] == f)
      ++e;
    s = e;
    any = true;
    bool leftHigher = a == lo || total[a - 1] == 0 || top[a - 1] > f;
    bool rightHigher = e == hi || total[e] == 0 || top[e] > f;
    work += e - a;
    if (!leftHigher || !rightHigher)
      continue;
    if (!tileRun(a, e, f))
      return Status::NotFound;
    for (int right = 0; right < 2; ++right) {
      Side side{a, e, f, right != 0};
      uint32_t w = right ? e - 1 : a;
      uint32_t choices = countChoices(side, bestChoices);
      // Slack: the byte may stay empty.
      if (total[w] < capacity - f &&
          (right ? reachStart[e - 1 - a] : reachEnd[1]))
        ++choices;
      if (choices == 0)
        return Status::NotFound;
      if (choices < bestChoices) {
        bestChoices = choices;
        best = side;
      }
    }
    if (bestChoices == 1)
      break;
  }
  if (!any)
    return Status::Found;
  assert(bestChoices != UINT32_MAX && "a partition always has a lowest run");
  // The candidates, collected before recursing (deeper nodes reuse the
  // chain sets). Identical buffers in index order: b is skipped while an
  // identical one before it is unplaced (it is tried, or was, in b's place).
  SmallVector<uint32_t, 8> candidates;
  if (forced != kNone) {
    candidates.push_back(forced);
  } else {
    tileRun(best.a, best.e, best.f);
    const auto &list = best.right ? endList[best.e - 1] : startList[best.a];
    work += list.size();
    for (uint32_t b : list)
      if (viable(best, b) && !identicalBeforeUnplaced(b))
        candidates.push_back(b);
  }
  ++depth;
  Status status = Status::NotFound;
  for (size_t k = 0; k < candidates.size() && status == Status::NotFound; ++k)
    status = placeAndRecurse(lo, hi, candidates[k], best.f);
  if (status == Status::NotFound && forced == kNone)
    status = wasteAndRecurse(lo, hi, best);
  --depth;
  if (status == Status::NotFound)
    failed.insert(hash);
  return status;
}

bool SkylineSearcher::tileRun(uint32_t a, uint32_t e, uint64_t f) {
  // Every byte of the run at level f is covered by a buffer inside the run
  // sitting at f, or left empty where the section has slack: the run's
  // sections are tiled by a chain of such buffers. reachEnd[x - a]: the
  // boundary x reaches e; reachStart[x - a]: a reaches x.
  uint32_t len = e - a;
  reachEnd.assign(len + 1, 0);
  reachStart.assign(len + 1, 0);
  reachEnd[len] = 1;
  for (uint32_t x = e; x-- > a;) {
    bool ok = total[x] < capacity - f && reachEnd[x + 1 - a];
    for (uint32_t b : startList[x])
      if (!ok && !placed[b] && secLast[b] <= e &&
          f + ranges[b].size <= capacity && reachEnd[secLast[b] - a])
        ok = true;
    work += startList[x].size();
    reachEnd[x - a] = ok;
  }
  if (!reachEnd[0])
    return false;
  reachStart[0] = 1;
  for (uint32_t x = a; x < e; ++x) {
    if (!reachStart[x - a])
      continue;
    if (total[x] < capacity - f)
      reachStart[x + 1 - a] = 1;
    for (uint32_t b : startList[x])
      if (!placed[b] && secLast[b] <= e && f + ranges[b].size <= capacity)
        reachStart[secLast[b] - a] = 1;
    work += startList[x].size();
  }
  return true;
}

bool SkylineSearcher::viable(const Side &side, uint32_t b) const {
  if (!fits(side, b))
    return false;
  return side.right ? reachStart[secFirst[b] - side.a] != 0
                    : reachEnd[secLast[b] - side.a] != 0;
}

uint32_t SkylineSearcher::countChoices(const Side &side, uint32_t enough) {
  const auto &list = side.right ? endList[side.e - 1] : startList[side.a];
  work += list.size();
  uint32_t n = 0;
  for (size_t k = 0; k < list.size() && n < enough; ++k)
    if (viable(side, list[k]) && !identicalBeforeUnplaced(list[k]))
      ++n;
  return n;
}

bool SkylineSearcher::propagate(uint32_t first, uint32_t last, uint64_t t) {
  // Unplaced buffers live in [first, last) now sit at t or higher.
  ++epoch;
  recompute.clear();
  auto mark = [&](uint32_t s) {
    if (sectionEpoch[s] != epoch) {
      sectionEpoch[s] = epoch;
      recompute.push_back(s);
    }
  };
  for (uint32_t s = first; s < last; ++s) {
    mark(s);
    for (uint32_t y : sectionBuffers[s]) {
      if (placed[y] || minOffset[y] >= t)
        continue;
      uint64_t old = minOffset[y];
      minOffsetLog.push_back({y, old});
      minOffset[y] = t;
      // Only a section whose floor was y's old offset can rise.
      for (uint32_t u = secFirst[y]; u < secLast[y]; ++u)
        if (floor[u] == old)
          mark(u);
      work += secLast[y] - secFirst[y];
    }
    work += sectionBuffers[s].size();
  }
  // Section inference (MiniMalloc sec. 5.1): the lowest offset any unplaced
  // buffer of a section can take, plus their sizes, must fit.
  for (uint32_t s : recompute) {
    uint64_t lowest = kInfinite;
    for (uint32_t y : sectionBuffers[s])
      if (!placed[y])
        lowest = std::min(lowest, minOffset[y]);
    work += sectionBuffers[s].size();
    if (lowest == kInfinite)
      continue;
    if (lowest != floor[s]) {
      floorLog.push_back({s, floor[s]});
      floor[s] = lowest;
    }
    if (lowest > capacity || total[s] > capacity - lowest)
      return false;
  }
  return true;
}

void SkylineSearcher::undo(size_t minMark, size_t floorMark) {
  while (floorLog.size() > floorMark) {
    floor[floorLog.back().first] = floorLog.back().second;
    floorLog.pop_back();
  }
  while (minOffsetLog.size() > minMark) {
    minOffset[minOffsetLog.back().first] = minOffsetLog.back().second;
    minOffsetLog.pop_back();
  }
}

Status SkylineSearcher::decomposeAndRecurse(uint32_t lo, uint32_t hi,
                                            uint32_t first, uint32_t last) {
  // Decomposition: boundaries no unplaced buffer crosses any more.
  SmallVector<uint32_t, 8> cutpoints;
  for (uint32_t s = first; s + 1 < last; ++s)
    if (--cuts[s] == 0 && s + 1 > lo && s + 1 < hi)
      cutpoints.push_back(s + 1);
  Status status;
  if (cutpoints.empty()) {
    status = dfs(lo, hi);
  } else {
    cutpoints.insert(cutpoints.begin(), lo);
    cutpoints.push_back(hi);
    status = Status::Found;
    for (size_t k = 0; k + 1 < cutpoints.size(); ++k) {
      uint32_t sLo = cutpoints[k], sHi = cutpoints[k + 1];
      bool active = false;
      for (uint32_t s = sLo; s < sHi && !active; ++s)
        active = total[s] != 0;
      work += sHi - sLo;
      if (!active)
        continue;
      status = solve(sLo, sHi);
      if (status != Status::Found)
        break;
    }
  }
  for (uint32_t s = first; s + 1 < last; ++s)
    ++cuts[s];
  return status;
}

Status SkylineSearcher::placeAndRecurse(uint32_t lo, uint32_t hi, uint32_t b,
                                        uint64_t f) {
  uint64_t size = ranges[b].size;
  uint32_t first = secFirst[b], last = secLast[b];
  placed[b] = 1;
  solution[b] = f;
  uint64_t savedHash = hash;
  hash ^= bufferKey[b];
  for (uint32_t s = first; s < last; ++s) {
    hash ^= topKey(s, top[s]) ^ topKey(s, f + size);
    top[s] = f + size;
    total[s] -= size;
  }
  work += last - first;
  size_t minMark = minOffsetLog.size(), floorMark = floorLog.size();
  Status status = Status::NotFound;
  if (propagate(first, last, f + size))
    status = decomposeAndRecurse(lo, hi, first, last);
  undo(minMark, floorMark);
  for (uint32_t s = first; s < last; ++s) {
    top[s] = f;
    total[s] += size;
  }
  hash = savedHash;
  placed[b] = 0;
  return status;
}

Status SkylineSearcher::wasteAndRecurse(uint32_t lo, uint32_t hi,
                                        const Side &side) {
  // The byte stays empty. The next buffer to occupy section w sits either on
  // a neighbour of the run (it extends there) or on an unplaced buffer
  // inside the run that does not cover w, so w's top rises to the lowest of
  // those levels.
  uint32_t a = side.a, e = side.e, w = side.right ? e - 1 : a;
  uint64_t f = side.f;
  uint64_t next = kInfinite;
  if (a > lo && total[a - 1] != 0)
    next = std::min(next, top[a - 1]);
  if (e < hi && total[e] != 0)
    next = std::min(next, top[e]);
  // A buffer it rests on lies inside the run and does not cover w (else it
  // would be the lowest to occupy w).
  uint64_t smallest = kInfinite;
  uint32_t dLo = side.right ? a : a + 1, dHi = side.right ? e - 1 : e;
  for (uint32_t s = dLo; s < dHi; ++s) {
    for (uint32_t b : startList[s])
      if (!placed[b] && secLast[b] <= dHi)
        smallest = std::min(smallest, ranges[b].size);
    work += startList[s].size();
  }
  if (smallest != kInfinite)
    next = std::min(next, f + smallest);
  // Section inference: the raised top plus what is left must fit.
  if (next == kInfinite || next > capacity || total[w] > capacity - next)
    return Status::NotFound;
  uint64_t savedHash = hash;
  hash ^= topKey(w, f) ^ topKey(w, next);
  top[w] = next;
  size_t minMark = minOffsetLog.size(), floorMark = floorLog.size();
  Status status = Status::NotFound;
  if (propagate(w, w + 1, next))
    status = dfs(lo, hi);
  undo(minMark, floorMark);
  top[w] = f;
  hash = savedHash;
  return status;
}

SearchOutcome SkylineSearcher::run() {
  SearchOutcome out;
  solution.assign(ranges.size(), 0);
  // Round robin over the candidate orders, node limits growing by 30% a
  // round, the orders perturbed from the second round on.
  int64_t nodeLimit = std::max<int64_t>(16, int64_t(ranges.size()));
  for (uint64_t round = 0; work < budget && !guard.fired; ++round) {
    nodeLimit += nodeLimit * 3 / 10;
    for (uint64_t o = 0; o < kNumCandidateOrders; ++o) {
      order(o, round);
      resetState();
      nodesLeft = nodeLimit;
      // Independent parts: boundaries no buffer crosses.
      Status status = Status::Found;
      uint32_t lo = 0;
      for (uint32_t s = 0; s < numSections && status == Status::Found; ++s)
        if (s + 1 == numSections || cuts[s] == 0) {
          status = solve(lo, s + 1);
          lo = s + 1;
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

SearchOutcome searchSkylineWithinCapacity(ArrayRef<LiveRange> ranges,
                                          uint64_t capacity,
                                          uint64_t workBudget,
                                          CpuGuard &guard) {
  // Deep recursion (a placement or an empty byte per level): run on a
  // thread whose stack holds kMaxDepth levels.
  struct Job {
    ArrayRef<LiveRange> ranges;
    uint64_t capacity, workBudget;
    CpuGuard &guard;
    SearchOutcome out;
  } job{ranges, capacity, workBudget, guard, {}};
  auto body = [](void *p) -> void * {
    Job &job = *static_cast<Job *>(p);
    SkylineSearcher searcher(job.ranges, job.capacity, job.workBudget,
                             job.guard);
    job.out = searcher.run();
    return nullptr;
  };
  pthread_attr_t attr;
  pthread_t worker;
  bool started = pthread_attr_init(&attr) == 0 &&
                 pthread_attr_setstacksize(&attr, kStackBytes) == 0 &&
                 pthread_create(&worker, &attr, body, &job) == 0;
  pthread_attr_destroy(&attr);
  if (!started) {
    // No thread to be had: give up the search (the greedy plan stands).
    job.out.status = SearchOutcome::OutOfBudget;
    return job.out;
  }
  pthread_join(worker, nullptr);
  return job.out;
}

} // namespace planner_detail
} // namespace tlc
