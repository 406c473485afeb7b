//===- passes/OffsetPlannerInternal.h - Planner building blocks -*- C++ -*-===//
//
// Shared between the OffsetPlanner*.cpp files only (not an interface for the
// rest of tlc): the greedy best-fit placer and its orderings, and the
// MiniMalloc-style search. Everything here works on sizes already rounded up
// to the alignment, so every offset it produces is a sum of aligned sizes and
// therefore aligned.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_PASSES_OFFSETPLANNERINTERNAL_H
#define TLC_PASSES_OFFSETPLANNERINTERNAL_H

#include "passes/OffsetPlanner.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <vector>

namespace tlc {
namespace planner_detail {

/// \p ranges with every size rounded up to a multiple of \p alignment.
/// Assumes verifyLiveRanges passed (no overflow).
std::vector<LiveRange> alignSizes(llvm::ArrayRef<LiveRange> ranges,
                                  uint64_t alignment);

/// max over i of offsets[i] + ranges[i].size (bytes); 0 when empty.
uint64_t planHeight(llvm::ArrayRef<LiveRange> ranges,
                    llvm::ArrayRef<uint64_t> offsets);

/// The orders a greedy placement can take buffers in (all deterministic, ties
/// broken by the other keys and finally by buffer index).
enum class GreedyOrder {
  Size,       // decreasing size, then earlier start (TFLite, XLA)
  SizeClass,  // decreasing size class (powers of 4), then longer lifetime,
              // then decreasing size, then earlier start
  SizeLength, // decreasing size, then longer lifetime (XLA's "spatial")
  Length,     // decreasing lifetime end - start, then size
  Area,       // decreasing size x lifetime, then size
  Start,      // increasing start, then decreasing size (an offline first-come)
  PeakStart,  // the buffers live at the peak step (the first step where the
              // live bytes reach the lower bound) first, by earlier start,
              // then the others by decreasing size
  PeakLength, // the same, the peak's buffers by longer lifetime
};
/// In the order planArena tries them when its budget allows: the most useful
/// first (on the real traces, by size class brings iopddl S_1 from 1.0158x
/// to 1.0005x the lower bound and Y_1 from 1.0042x to 1.0003x; peak then
/// start brings iopddl G_1 and somas pangu_13B to their lower bound at once,
/// and S_1 too where the budget reaches it; size then length brings
/// bert_large and pangu_13B to 1.0000x).
constexpr GreedyOrder kAllGreedyOrders[] = {
    GreedyOrder::Size,       GreedyOrder::SizeClass, GreedyOrder::PeakStart,
    GreedyOrder::PeakLength, GreedyOrder::SizeLength, GreedyOrder::Length,
    GreedyOrder::Area,       GreedyOrder::Start};

/// The orders whose best height starts planArena's binary search on the
/// height (the first four planArena had). The search's probes, and so its
/// result within a budget, depend on that start: seeded from all orders it
/// ended higher on minimalloc D and J (1,045,504 and 1,048,576 against
/// 1,042,432 and 1,035,264 with a 20 s budget). The other orders' plans are
/// still kept when lower.
constexpr GreedyOrder kSearchSeedOrders[] = {
    GreedyOrder::Size, GreedyOrder::Length, GreedyOrder::Area,
    GreedyOrder::Start};

/// "greedy-by-size", "greedy-by-size-class", "greedy-by-size-length",
/// "greedy-by-length", "greedy-by-area", "greedy-by-start".
llvm::StringRef greedyOrderName(GreedyOrder order);

/// The permutation of buffer indices \p order defines on \p ranges.
std::vector<uint32_t> greedyOrdering(llvm::ArrayRef<LiveRange> ranges,
                                     GreedyOrder order);

/// Best-fit placement: takes buffers in \p order; each goes at the bottom of
/// the smallest gap (in bytes) left between the already placed buffers that
/// overlap it in time, the lowest such gap on ties, else on top of them all.
/// Gaps are found with a GapIndex (OffsetPlannerGapIndex.h), so the cost
/// does not grow with the number of time-overlapping pairs. Returns one
/// offset per buffer; adds the work units spent to \p work when given.
std::vector<uint64_t> placeBestFit(llvm::ArrayRef<LiveRange> ranges,
                                   llvm::ArrayRef<uint32_t> order,
                                   uint64_t *work = nullptr);

/// The CPU-time guard behind a work budget: work units decide when a search
/// stops (so plans do not depend on the clock), and the guard stops it anyway
/// once the process's CPU time passes `deadline` (seconds), e.g. on a loaded
/// or slow machine. expired() reads the clock once per 256 calls.
struct CpuGuard {
  double deadline = 0;
  bool fired = false;
  unsigned calls = 0;
  bool expired() {
    if (fired)
      return true;
    if (++calls % 256 != 0)
      return false;
    fired = processCpuSeconds() >= deadline;
    return fired;
  }
};

/// Outcome of one search for a plan within a capacity.
struct SearchOutcome {
  enum Status { Found, Infeasible, OutOfBudget } status = OutOfBudget;
  std::vector<uint64_t> offsets; // when Found
  uint64_t nodes = 0;            // search nodes visited
  uint64_t work = 0;             // work units spent (see kSearchWorkPerSecond)
};

/// The number of pairs of buffers overlapping in time (by a sweep), stopping
/// early once it exceeds \p limit. The search keeps these pairs in memory.
uint64_t countOverlapPairs(llvm::ArrayRef<LiveRange> ranges, uint64_t limit);

/// MiniMalloc's sections (Moffitt, ASPLOS 2023, sec. 4): one per distinct
/// end step E, holding the buffers live just before E (start < E <= end).
/// They are the maximal sets of buffers live together, and two buffers
/// overlap in time exactly when they share a section. Per buffer, the
/// sections it is in are [first, last).
struct SectionSpans {
  uint32_t count = 0;
  std::vector<uint32_t> first, last;
};
SectionSpans computeSectionSpans(llvm::ArrayRef<LiveRange> ranges);

/// The number of (section, live buffer) pairs, sections as in MiniMalloc's
/// sweep (one per distinct end step), stopping early past \p limit.
uint64_t countSectionEntries(llvm::ArrayRef<LiveRange> ranges, uint64_t limit);

/// MiniMalloc's search (Moffitt, ASPLOS 2023, sections 4-5): is there a plan
/// of \p ranges with every offset + size <= \p capacity? Explores canonical
/// solutions only (buffers placed in non-decreasing offset order, each at the
/// lowest offset its placed time-neighbours allow), orders candidates
/// dynamically by that offset, prunes by section inference (a section's floor
/// plus the sizes still to place in it must fit), by dominance (no placement
/// that leaves a gap another candidate fits under) and "hatless" pruning, and
/// splits the problem where no unplaced buffer crosses a step. Static
/// preorderings are tried round-robin with doubling node limits, as
/// MiniMalloc's solver does. Stops after \p workBudget work units.
/// Stops early (OutOfBudget) when \p guard expires.
SearchOutcome searchWithinCapacity(llvm::ArrayRef<LiveRange> ranges,
                                   uint64_t capacity, uint64_t workBudget,
                                   CpuGuard &guard);

/// The search by lowest gap (OffsetPlannerSkyline.cpp): is there a plan of
/// \p ranges with every offset + size <= \p capacity? Branches on the
/// lowest free byte of a skyline of section tops (bottom-left branching, as
/// exact strip-packing searches do), with identical buffers in index order,
/// a table of failed states and MiniMalloc's decomposition. Strongest where
/// the lower bound binds (perfect packings). Stops after \p workBudget work
/// units.
SearchOutcome searchSkylineWithinCapacity(llvm::ArrayRef<LiveRange> ranges,
                                          uint64_t capacity,
                                          uint64_t workBudget,
                                          CpuGuard &guard);

} // namespace planner_detail
} // namespace tlc

#endif // TLC_PASSES_OFFSETPLANNERINTERNAL_H
