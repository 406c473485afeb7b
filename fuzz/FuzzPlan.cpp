//===- fuzz/FuzzPlan.cpp - libFuzzer target: the .tlp plan loader ---------===//
//
// Feeds arbitrary bytes to readPlanBytes (codegen/Plan.h), the loader the
// runtime trusts. A .tlp file carries an xxHash64 of everything after its
// 64-byte header (docs/plan-format.md), so random mutations would almost all
// stop at the checksum check; this target therefore rewrites the checksum
// field (bytes [48, 56), little-endian) of inputs of 64 bytes or more before
// reading them (the mismatch path is covered by tests/bad/plan_flipped_byte.tlp
// in the unit tests). Every input must give a Plan or an
// llvm::Error; an accepted Plan must also pass checkPlanMemory without
// crashing (its result is not checked: the reader already validates).
//
//===----------------------------------------------------------------------===//
#include "codegen/Plan.h"
#include "fuzz/PlanChecksum.h"

#include "llvm/Support/Error.h"

#include <cstdint>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::vector<uint8_t> bytes = tlc::fuzz::withPlanChecksum(data, size);
  llvm::Expected<tlc::Plan> plan = tlc::readPlanBytes(bytes, "fuzz.tlp");
  if (!plan) {
    llvm::consumeError(plan.takeError());
    return 0;
  }
  llvm::consumeError(tlc::checkPlanMemory(*plan));
  return 0;
}
