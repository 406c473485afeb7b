//===- tools/conformance/ConformanceReport.h - Markdown report --*- C++ -*-===//
//
// Writes the results of a conformance run as the markdown document
// docs/onnx-conformance.md: the method (classification, tolerance, how the
// test inputs are given to tlc), totals, a per-op table, every failure with
// its reason, and why each test of an implemented op is unsupported.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_TOOLS_CONFORMANCE_CONFORMANCEREPORT_H
#define TLC_TOOLS_CONFORMANCE_CONFORMANCEREPORT_H

#include "tools/conformance/ConformanceRunner.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

namespace tlc {

/// What the report says about the run itself.
struct ReportInfo {
  std::string dataDir;     // the node-test root that was run
  std::string deviceName;  // Vulkan device, e.g. "llvmpipe (LLVM 15.0.6, ...)"
  bool validation = false; // validation layers on
  double seconds = 0;      // wall time of the whole run, seconds
  std::string filter;      // --filter regex, "" when all tests ran
};

/// Totals of \p results.
struct Totals {
  unsigned passed = 0, failed = 0, unsupported = 0;
};
Totals countResults(llvm::ArrayRef<TestResult> results);

/// Writes the markdown report of \p results (in any order; tables are sorted
/// by op and test name).
void writeReport(llvm::ArrayRef<TestResult> results, const ReportInfo &info,
                 llvm::raw_ostream &os);

} // namespace tlc

#endif // TLC_TOOLS_CONFORMANCE_CONFORMANCEREPORT_H
