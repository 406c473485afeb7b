//===- bench/soak/Soak.h - Repeated inference, resources sampled -*- C++ -*-===//
//
// The soak loop shared by bench/soak/soak_fashion (10,000 runs, minutes) and
// tests/unit/SoakTest.cpp (a few hundred runs): one compiled plan, one
// Device, one LoadedPlan, and N calls of setInput + run + output. At chosen
// run numbers it samples the process's resident set size and the runtime's
// counters, so that callers can show that nothing grows per run (the runtime
// promises no allocation in run(), runtime/Runtime.h).
//
//===----------------------------------------------------------------------===//
#ifndef TLC_BENCH_SOAK_SOAK_H
#define TLC_BENCH_SOAK_SOAK_H

#include "runtime/Runtime.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <unistd.h>
#include <vector>

namespace tlc {
namespace soak {

/// Resident set size of this process in bytes: field 2 (resident pages) of
/// /proc/self/statm (proc(5)) times the page size. 0 when it cannot be read.
inline uint64_t residentBytes() {
  std::FILE *f = std::fopen("/proc/self/statm", "r");
  if (!f)
    return 0;
  unsigned long long size = 0, resident = 0;
  int n = std::fscanf(f, "%llu %llu", &size, &resident);
  std::fclose(f);
  if (n != 2)
    return 0;
  return resident * uint64_t(sysconf(_SC_PAGESIZE));
}

/// One sample, taken right after run number `run` (1-based) finished.
struct Sample {
  uint64_t run = 0;
  uint64_t residentBytes = 0; // bytes, /proc/self/statm
  RuntimeCounters counters;   // Device::counters()
};

/// What a soak loop saw.
struct Result {
  llvm::SmallVector<Sample, 4> samples; // in the order of `sampleAt`
  /// Runs whose output differed (bit for bit) from the first run given the
  /// same input: the plan is deterministic, so any is a bug.
  uint64_t mismatchedRuns = 0;
  /// Output 0 of the first run of each input (inputs.size() entries).
  std::vector<std::vector<uint8_t>> firstOutputs;
};

/// Runs \p plan \p runs times; run i (0-based) gets input 0 = inputs[i %
/// inputs.size()] (each exactly the plan's input 0 size, bytes). Samples are
/// taken after the 1-based run numbers in \p sampleAt (ascending, <= runs).
/// Errors: any setInput/run error, with the run number.
inline llvm::Expected<Result>
run(Device &device, LoadedPlan &plan,
    llvm::ArrayRef<std::vector<uint8_t>> inputs, uint64_t runs,
    llvm::ArrayRef<uint64_t> sampleAt) {
  Result result;
  result.firstOutputs.resize(inputs.size());
  size_t nextSample = 0;
  for (uint64_t i = 0; i < runs; ++i) {
    size_t which = size_t(i % inputs.size());
    if (llvm::Error e = plan.setInput(0, inputs[which]))
      return llvm::joinErrors(
          llvm::createStringError(llvm::inconvertibleErrorCode(),
                                  "soak: setInput failed at run %llu",
                                  (unsigned long long)(i + 1)),
          std::move(e));
    if (llvm::Error e = plan.run())
      return llvm::joinErrors(
          llvm::createStringError(llvm::inconvertibleErrorCode(),
                                  "soak: run failed at run %llu",
                                  (unsigned long long)(i + 1)),
          std::move(e));
    llvm::ArrayRef<uint8_t> out = plan.output(0);
    std::vector<uint8_t> &first = result.firstOutputs[which];
    if (i < inputs.size())
      first.assign(out.begin(), out.end());
    else if (out.size() != first.size() ||
             std::memcmp(out.data(), first.data(), out.size()) != 0)
      ++result.mismatchedRuns;
    while (nextSample < sampleAt.size() && sampleAt[nextSample] == i + 1) {
      result.samples.push_back({i + 1, residentBytes(), device.counters()});
      ++nextSample;
    }
  }
  return result;
}

} // namespace soak
} // namespace tlc

#endif // TLC_BENCH_SOAK_SOAK_H
