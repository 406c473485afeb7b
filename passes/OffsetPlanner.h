//===- passes/OffsetPlanner.h - Offset ("arena") memory planning -*- C++
//-*-===//
//
// The offset planner gives every buffer of a lifetime trace a byte offset in
// one arena so that buffers live at the same time never share bytes, and tries
// to keep the arena's height (max offset + size) close to the lower bound (the
// largest total size live at one step). This interface knows nothing of the
// Graph IR: the compiler (`tlc compile --planner=...`) and `tlc plan` (traces
// in the MiniMalloc CSV format) both feed it plain live ranges.
//
// Planners, from simplest to best:
//   planNoAlias       every buffer its own bytes (a debugging mode, as IREE
//                     keeps one);
//   planGreedyBySize  best-fit by decreasing size (TFLite's arena planner,
//                     XLA's GlobalDecreasingSizeBestFitHeap);
//   planArena         several greedy orderings, the smallest kept (as XLA's
//                     heap-simulator chooser does), then an exact
//                     branch-and-bound search after MiniMalloc (Moffitt,
//                     ASPLOS 2023) under a deterministic work budget.
//
// checkOffsets is the independent checker every plan is validated with.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_PASSES_OFFSETPLANNER_H
#define TLC_PASSES_OFFSETPLANNER_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tlc {

/// One buffer of a lifetime trace: live on the half-open step interval
/// [start, end) and needing `size` bytes. Valid ranges have start < end.
struct LiveRange {
  int64_t start = 0;
  int64_t end = 0;
  uint64_t size = 0; // bytes
};

/// Largest size (bytes) a planner accepts for one buffer or for an arena
/// (2^62): keeps every offset + size and every sum far from 64-bit overflow.
constexpr uint64_t kMaxPlannerBytes = uint64_t(1) << 62;

/// A placement: one byte offset per buffer (same order as the input ranges).
struct OffsetPlan {
  std::vector<uint64_t> offsets;
  /// max over buffers of offset + size (bytes, unrounded sizes); 0 if empty.
  uint64_t height = 0;
  /// Which algorithm produced the offsets, e.g. "greedy-by-size",
  /// "greedy-by-length", "search".
  std::string strategy;
  /// True when the search proved no height below `height` exists (for the
  /// rounded sizes), e.g. because height equals the lower bound.
  bool provedOptimal = false;
  /// Search nodes visited (0 when no search ran).
  uint64_t searchNodes = 0;
  /// True when the CPU-time guard (ArenaOptions::cpuDeadlineSeconds) cut the
  /// planner short: the offsets may then differ from run to run.
  bool cpuGuardFired = false;
};

/// Options of planArena.
struct ArenaOptions {
  /// Every offset is a multiple of this (bytes, >= 1); sizes are rounded up
  /// to it for packing.
  uint64_t alignment = 1;
  /// Budget of the search, in seconds of this machine's typical speed. It is
  /// converted to a fixed number of work units (kSearchWorkPerSecond), so the
  /// offsets are identical on every run and machine; the wall-clock time only
  /// tracks the budget approximately.
  double timeLimitSeconds = 1.0;
  /// When set, the planner stops as soon as a plan with height <= capacity
  /// (bytes) is found and otherwise searches for one until the budget ends;
  /// when unset, it searches for the smallest height it can reach.
  std::optional<uint64_t> capacity;
  /// The CPU-time guard: the process CPU time (seconds, as
  /// CLOCK_PROCESS_CPUTIME_ID counts it) by which planArena returns its best
  /// plan, whatever work is left. Unset: the CPU time at entry plus
  /// 1.1 x timeLimitSeconds. The first greedy plan is always completed.
  std::optional<double> cpuDeadlineSeconds;
};

/// Search work units per second of `timeLimitSeconds` (one unit is about one
/// buffer or section touched by the search), calibrated in CPU time on one
/// core of a 2-core x86-64 VM with little else running. On a slower or
/// loaded machine the CPU-time guard ends the search instead.
constexpr double kSearchWorkPerSecond = 500e6;

/// This process's CPU time in seconds, all threads (POSIX
/// CLOCK_PROCESS_CPUTIME_ID); 0 where the clock is missing.
double processCpuSeconds();

/// Checks that \p ranges can be planned: start < end for each, sizes and the
/// sum of all aligned sizes at most kMaxPlannerBytes, alignment >= 1 and at
/// most 2^32. Errors name the buffer index ("buffer 3: ...").
llvm::Error verifyLiveRanges(llvm::ArrayRef<LiveRange> ranges,
                             uint64_t alignment);

/// The lower bound on any plan's height: the largest total size (bytes) of
/// buffers live at one step, by a sweep over start/end events (ends before
/// starts at equal steps, since intervals are half-open). O(n log n).
uint64_t computeLowerBound(llvm::ArrayRef<LiveRange> ranges);

/// The independent checker: every offset is a multiple of \p alignment, no
/// two buffers live at the same step share a byte, and (if \p capacity is
/// set) every offset + size is at most capacity. Zero-size buffers occupy no
/// bytes. A sweep over steps keeps the live buffers in an ordered map by
/// offset, so each new buffer is compared only with its neighbours in memory:
/// O(n log n). Errors name both buffers, their steps and byte ranges, e.g.
/// "buffers 4 and 7 overlap: ...".
llvm::Error checkOffsets(llvm::ArrayRef<LiveRange> ranges,
                         llvm::ArrayRef<uint64_t> offsets, uint64_t alignment,
                         std::optional<uint64_t> capacity);

/// Every buffer its own bytes, in input order (offset i = sum of the aligned
/// sizes before i). For debugging aliasing bugs. Errors as verifyLiveRanges.
llvm::Expected<OffsetPlan> planNoAlias(llvm::ArrayRef<LiveRange> ranges,
                                       uint64_t alignment);

/// Greedy best-fit by decreasing size: buffers in order of decreasing
/// (aligned) size, ties by earlier start then index; each goes into the
/// smallest gap between the buffers already placed that overlap it in time,
/// else on top of them. The algorithm of TFLite's ArenaPlanner ("greedy by
/// size", Pisarchyk & Lee, "Efficient Memory Management for Deep Neural Net
/// Inference", 2020) and XLA's GlobalDecreasingSizeBestFitHeap. Errors as
/// verifyLiveRanges.
llvm::Expected<OffsetPlan> planGreedyBySize(llvm::ArrayRef<LiveRange> ranges,
                                            uint64_t alignment);

/// The arena planner: greedy best-fit under up to six orders (decreasing
/// size, size class then lifetime, size then lifetime, lifetime length,
/// area = size x length, increasing start; the ones after the first while a
/// deterministic work budget allows), the smallest height kept, as XLA's
/// heap-simulator chooser does; then, when the best greedy height is above
/// the lower bound (or above options.capacity), MiniMalloc's branch-and-bound
/// search (Moffitt, "MiniMalloc: A Lightweight Memory Allocator for
/// Hardware-Accelerated Machine Learning", ASPLOS 2023) looks for a lower
/// height within the work budget. Never returns a plan higher than
/// planGreedyBySize's. Deterministic. Errors as verifyLiveRanges, and when
/// options.timeLimitSeconds is negative or NaN.
llvm::Expected<OffsetPlan> planArena(llvm::ArrayRef<LiveRange> ranges,
                                     const ArenaOptions &options);

} // namespace tlc

#endif // TLC_PASSES_OFFSETPLANNER_H
