//===- fuzz/PlanChecksum.h - Let mutated .tlp inputs past the checksum ----===//
//
// A .tlp file carries an xxHash64 of everything after its 64-byte header in
// header bytes [48, 56) (docs/plan-format.md), so nearly every mutation of a
// plan would stop at the checksum check and the checks behind it would go
// unfuzzed. The plan targets (FuzzPlan.cpp, FuzzCApiPlan.cpp) rewrite it;
// the mismatch path itself is covered by tests/bad/plan_flipped_byte.tlp.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_FUZZ_PLANCHECKSUM_H
#define TLC_FUZZ_PLANCHECKSUM_H

#include "llvm/Support/Endian.h"
#include "llvm/Support/xxhash.h"

#include <cstdint>
#include <vector>

namespace tlc::fuzz {

/// \p data as a plan with a valid checksum: inputs of 64 bytes or more get
/// the xxHash64 of their bytes after the header written at [48, 56).
inline std::vector<uint8_t> withPlanChecksum(const uint8_t *data,
                                             size_t size) {
  std::vector<uint8_t> bytes(data, data + size);
  constexpr size_t kHeaderBytes = 64, kOffChecksum = 48;
  if (bytes.size() >= kHeaderBytes) {
    uint64_t sum =
        llvm::xxHash64(llvm::makeArrayRef(bytes).drop_front(kHeaderBytes));
    llvm::support::endian::write64le(bytes.data() + kOffChecksum, sum);
  }
  return bytes;
}

} // namespace tlc::fuzz

#endif // TLC_FUZZ_PLANCHECKSUM_H
