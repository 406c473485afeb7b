//===- codegen/Barriers.cpp - Barriers only between dependent dispatches --===//
//
// Vulkan runs dispatches in one command buffer without ordering unless a
// pipeline barrier says otherwise (Vulkan spec, "Synchronization and Cache
// Control"). A barrier is needed before a dispatch that reads what an earlier
// dispatch wrote (RAW), or writes what an earlier one read or wrote (WAR,
// WAW: with memory reuse, a later tensor overwrites an earlier one's bytes).
// We track the byte ranges touched since the last barrier; a barrier orders
// everything before it, so the tracked set then starts empty. Two
// dispatches that are alternatives (PlanCommand::exclusiveWithPrevious:
// complementary gates, one runs) need no barrier between them.
//
//===----------------------------------------------------------------------===//
#include "codegen/Codegen.h"

namespace tlc {

namespace {
struct Range {
  uint32_t buffer;
  uint64_t begin, end; // [begin, end) bytes
  bool overlaps(const Range &o) const {
    return buffer == o.buffer && begin < o.end && o.begin < end;
  }
};
} // namespace

static bool anyOverlap(llvm::ArrayRef<Range> a, const Range &r) {
  for (const Range &x : a)
    if (x.overlaps(r))
      return true;
  return false;
}

void insertBarriers(Plan &plan) {
  std::vector<PlanCommand> out;
  out.reserve(plan.commands.size() * 2);
  std::vector<Range> reads, writes; // since the last barrier
  // Entries of reads and writes from before the last dispatch.
  size_t prevReads = 0, prevWrites = 0;
  for (PlanCommand &c : plan.commands) {
    if (c.kind == CommandKind::Barrier)
      continue; // recomputed from scratch
    if (c.kind != CommandKind::Dispatch) {
      out.push_back(std::move(c));
      continue;
    }
    std::vector<Range> myReads, myWrites;
    for (size_t b = 0; b < c.bindings.size(); ++b) {
      const PlanTensor &t = plan.tensors[c.bindings[b]];
      Range r{t.buffer, t.offset, t.offset + t.bytes};
      bool isWrite = false;
      for (uint32_t w : c.writes)
        isWrite |= (w == b);
      (isWrite ? myWrites : myReads).push_back(r);
    }
    // An alternative to the previous dispatch (exactly one of the two runs)
    // writes without waiting for that one. Its reads still wait for that
    // one's writes (GemmResidual reads Z where the other alternative writes
    // Y): Vulkan's synchronization validation cannot see that an indirect
    // dispatch ran no workgroups, and reports the read otherwise.
    llvm::ArrayRef<Range> seenReads = llvm::ArrayRef<Range>(reads).take_front(
        c.exclusiveWithPrevious ? prevReads : reads.size());
    llvm::ArrayRef<Range> seenWrites = llvm::ArrayRef<Range>(writes).take_front(
        c.exclusiveWithPrevious ? prevWrites : writes.size());
    bool hazard = false;
    for (const Range &r : myReads)
      hazard |= anyOverlap(writes, r);
    for (const Range &w : myWrites)
      hazard |= anyOverlap(seenWrites, w) || anyOverlap(seenReads, w);
    if (hazard) {
      PlanCommand barrier;
      barrier.kind = CommandKind::Barrier;
      barrier.step = c.step;
      barrier.label = c.label;
      out.push_back(std::move(barrier));
      reads.clear();
      writes.clear();
    }
    prevReads = reads.size();
    prevWrites = writes.size();
    reads.insert(reads.end(), myReads.begin(), myReads.end());
    writes.insert(writes.end(), myWrites.begin(), myWrites.end());
    out.push_back(std::move(c));
  }
  plan.commands = std::move(out);
}

} // namespace tlc
