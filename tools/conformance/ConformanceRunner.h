//===- tools/conformance/ConformanceRunner.h - One node test ----*- C++ -*-===//
//
// Classifies one ONNX node test (NodeTestData.h) against tlc:
//   unsupported  tlc does not claim it: a node's op is not in the registry
//                (ops/OpDef.h lookupOp), its domain is not ONNX's, the test
//                data cannot be given to tlc, the importer refuses the model
//                (dtypes, attribute kinds, dynamic shapes, ...), or a shape
//                rule refuses an input type or attribute (compiler front end:
//                constant folding, simplification, shape inference);
//   failed       tlc claimed it (every shape rule accepted), and then the
//                rest of the compiler, loading, running on the device or the
//                comparison with the expected output (OutputCompare.h)
//                failed, or the validation layers reported messages, or
//                tlc crashed (caught with llvm::CrashRecoveryContext once
//                CrashRecoveryContext::Enable() was called);
//   passed       every output of every data set matched.
// Nothing is thrown: every error becomes the result's reason.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_TOOLS_CONFORMANCE_CONFORMANCERUNNER_H
#define TLC_TOOLS_CONFORMANCE_CONFORMANCERUNNER_H

#include "tools/conformance/NodeTestData.h"

#include "llvm/ADT/StringRef.h"

#include <string>
#include <vector>

namespace tlc {

class Device;

enum class TestStatus { Passed, Failed, Unsupported };

/// "passed", "failed" or "unsupported".
llvm::StringRef testStatusName(TestStatus s);

struct TestResult {
  std::string name;  // test directory name
  std::string opKey; // the op under test (see ConformanceRunner::run)
  TestStatus status = TestStatus::Unsupported;
  /// Where the verdict was reached: "read", "registry", "test data",
  /// "import", "shape rules", "compile", "load", "run", "outputs",
  /// "compare", "validation", "crash"; "" when passed.
  std::string stage;
  std::string reason;   // one line; "" when passed
  double maxAbsErr = 0; // worst over outputs (compared tests only)
  double relL2 = 0;     // worst over outputs (compared tests only)
  std::vector<std::string> frozenInputs; // inputs given as initializers
  double millis = 0; // wall time of the whole test, milliseconds
  /// Failed tests listed in known-failures.txt: its note ("" otherwise).
  std::string knownIssue;
};

/// Runs node tests on one Device, shared by every test (creating a device
/// costs far more than a small test).
class ConformanceRunner {
public:
  explicit ConformanceRunner(Device &device) : device(device) {}

  /// Reads and classifies the test in \p dir. The op key is the test's one
  /// non-Constant op type; for a test of several nodes named
  /// "<base>_expanded" (the ONNX function body of <base>), "<op of base>
  /// (expanded)"; otherwise "multi-node: A,B,...".
  TestResult runDir(llvm::StringRef dir);

  /// Classifies an already read test (the op key as runDir computes it,
  /// without the _expanded lookup).
  TestResult run(const NodeTestCase &test);

private:
  Device &device;
};

} // namespace tlc

#endif // TLC_TOOLS_CONFORMANCE_CONFORMANCERUNNER_H
