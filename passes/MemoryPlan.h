//===- passes/MemoryPlan.h - Where transient tensors live -------*- C++ -*-===//
//
// The planners' common result: a list of transient buffers and, for every
// transient tensor, the buffer and byte offset it occupies. The shape-keyed
// pool gives each slot its own buffer (offset 0); an arena planner puts all
// tensors in one buffer at different offsets.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_PASSES_MEMORYPLAN_H
#define TLC_PASSES_MEMORYPLAN_H

#include "ir/Graph.h"
#include "passes/Liveness.h"

#include "llvm/Support/Error.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tlc {

struct Placement {
  uint32_t buffer = 0; // index into MemoryPlan::bufferBytes
  uint64_t offset = 0; // bytes, a multiple of the plan's alignment
  std::string poolKey; // shape + dtype, e.g. "1x16x28x28xf32"
  int32_t slot = -1;   // slot within poolKey (pool planner only)
};

struct MemoryPlan {
  std::string planner;               // "pool", "arena", "no-alias"
  std::vector<uint64_t> bufferBytes; // size of each transient buffer, bytes
  /// Indexed by ValueId; set for transient tensors only.
  std::vector<std::optional<Placement>> placement;
  /// Slots per pool key, sorted by key (every planner reports the count the
  /// shape-keyed pool needs, for comparison).
  std::vector<std::pair<std::string, uint32_t>> slotsPerKey;
  uint64_t lowerBound = 0;   // max over steps of live transient bytes
  uint64_t noReuseBytes = 0; // sum of transient tensor bytes

  uint64_t totalBytes() const {
    uint64_t t = 0;
    for (uint64_t b : bufferBytes)
      t += b;
    return t;
  }
};

/// Rounds \p bytes up to a multiple of \p alignment (a power of two).
inline uint64_t alignTo(uint64_t bytes, uint64_t alignment) {
  return (bytes + alignment - 1) & ~(alignment - 1);
}

/// Largest total of live transient bytes at one step: no placement can use
/// less memory. Exact tensor sizes; padding for alignment counts as
/// fragmentation of a plan, not as part of the bound.
uint64_t transientLowerBound(const Graph &g, const Liveness &live);

/// The shape-keyed pool (passes/PoolAssignment.cpp). Pool key = shape +
/// dtype. Walking the schedule, a tensor takes a free slot of its key at its
/// defining step (a new slot when none is free) and gives the slot back at its
/// release point, after its last step; so slots per key = the most tensors of
/// that key live at once. Each slot is one buffer of the key's byte size
/// (rounded up to 4 bytes), so no offset alignment is needed.
MemoryPlan assignPoolSlots(const Graph &g, const Liveness &live);

struct ArenaAssignOptions {
  std::string planner = "arena"; // "arena" or "no-alias"
  uint64_t alignment = 256;      // offset alignment, bytes (power of two)
  double timeLimitSeconds = 1.0; // the arena search's budget
  /// Largest buffer to emit, bytes; a taller arena is cut into several
  /// buffers at offsets no tensor straddles. 128 MiB is lavapipe's
  /// maxStorageBufferRange, the smallest limit among the devices we target.
  uint64_t maxBufferBytes = uint64_t(128) << 20;
};

/// Offsets for every transient tensor from an offset planner
/// (passes/ArenaAssignment.cpp): "arena" packs them near the lower bound
/// (planArena), "no-alias" gives each its own bytes (planNoAlias, for
/// debugging). The planner's result is re-checked by checkOffsets. Errors: a
/// tensor larger than maxBufferBytes, or an arena that cannot be cut.
llvm::Expected<MemoryPlan> assignArenaOffsets(const Graph &g,
                                              const Liveness &live,
                                              const ArenaAssignOptions &opts);

} // namespace tlc

#endif // TLC_PASSES_MEMORYPLAN_H
