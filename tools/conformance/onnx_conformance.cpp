//===- tools/conformance/onnx_conformance.cpp - Node-test runner ----------===//
//
//   onnx_conformance [--data-dir DIR] [--filter REGEX] [--report FILE]
//                    [--check] [--known-failures FILE] [--validation] [-v]
//
// Runs every ONNX backend node test under DIR (default: Debian's
// libonnx-testdata) through tlc on one Vulkan device and prints the totals
// and every failure; --report writes the markdown report
// (docs/onnx-conformance.md). Exit codes: 0 done (with --check: every
// claimed test passed, or failed and is listed in --known-failures), 1 a
// check failure or an error (bad flag, unreadable list, no device,
// unwritable report), 77 DIR does not exist (ctest counts it as skipped).
//
//===----------------------------------------------------------------------===//
#include "ir/AtomicFile.h"
#include "runtime/Runtime.h"
#include "tools/conformance/ConformanceReport.h"
#include "tools/conformance/ConformanceRunner.h"
#include "tools/conformance/KnownFailures.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/CrashRecoveryContext.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Regex.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cstdlib>

using namespace llvm;
using namespace tlc;

static cl::OptionCategory category("onnx_conformance options");
static cl::opt<std::string>
    dataDir("data-dir",
            cl::desc("root of the ONNX node tests (one directory "
                     "per test holding model.onnx)"),
            cl::value_desc("DIR"),
            cl::init("/usr/share/libonnx-testdata/data/node"),
            cl::cat(category));
static cl::opt<std::string>
    filter("filter", cl::desc("run only the tests whose name matches REGEX"),
           cl::value_desc("REGEX"), cl::cat(category));
static cl::opt<std::string>
    reportPath("report", cl::desc("write the markdown report to FILE"),
               cl::value_desc("FILE"), cl::cat(category));
static cl::opt<bool>
    check("check", cl::desc("exit with 1 when any test tlc claims fails"),
          cl::cat(category));
static cl::opt<std::string> knownFailuresPath(
    "known-failures",
    cl::desc("tests known to fail (test name and note per line); --check "
             "accepts their failures and fails when one of them no longer "
             "fails"),
    cl::value_desc("FILE"), cl::cat(category));
static cl::opt<bool> validation(
    "validation",
    cl::desc("enable the Vulkan validation layers (also TLC_VALIDATION=1); "
             "a test with validation messages fails"),
    cl::cat(category));
static cl::opt<bool> verbose("v", cl::desc("print every test's verdict"),
                             cl::cat(category));

static int fail(Error e) {
  handleAllErrors(std::move(e), [](const ErrorInfoBase &info) {
    WithColor::error(errs(), "onnx_conformance") << info.message() << "\n";
  });
  return 1;
}

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      argc, argv,
      "onnx_conformance: runs the ONNX backend node tests through tlc and "
      "reports passed / failed / unsupported per op\n");

  // A test that crashes tlc fails; the run goes on (ConformanceRunner).
  CrashRecoveryContext::Enable();
  Regex re(filter);
  std::string reError;
  if (!filter.empty() && !re.isValid(reError))
    return fail(createStringError(inconvertibleErrorCode(), "--filter '%s': %s",
                                  filter.c_str(), reError.c_str()));
  if (!sys::fs::is_directory(dataDir)) {
    outs() << "onnx_conformance: " << dataDir
           << " not found (Debian package libonnx-testdata); skipped\n";
    return 77;
  }
  KnownFailures known;
  if (!knownFailuresPath.empty()) {
    Expected<KnownFailures> k = readKnownFailures(knownFailuresPath);
    if (!k)
      return fail(k.takeError());
    known = std::move(*k);
  }
  Expected<std::vector<std::string>> dirs = listNodeTests(dataDir);
  if (!dirs)
    return fail(dirs.takeError());

  DeviceOptions dopts;
  dopts.validation = validation;
  Expected<std::unique_ptr<Device>> device = Device::create(dopts);
  if (!device)
    return fail(device.takeError());

  auto start = std::chrono::steady_clock::now();
  ConformanceRunner runner(**device);
  std::vector<TestResult> results;
  for (const std::string &dir : *dirs) {
    StringRef name = sys::path::filename(dir);
    if (!filter.empty() && !re.match(name))
      continue;
    results.push_back(runner.runDir(dir));
    TestResult &r = results.back();
    auto note = known.find(r.name);
    if (note != known.end() && r.status == TestStatus::Failed)
      r.knownIssue = note->second;
    if (verbose || r.status == TestStatus::Failed) {
      outs() << testStatusName(r.status) << ": " << r.name << " [" << r.opKey
             << "] " << format("%.0f ms", r.millis);
      if (!r.reason.empty())
        outs() << " (" << r.stage << ") " << r.reason;
      if (!r.knownIssue.empty())
        outs() << " [known: " << r.knownIssue << "]";
      outs() << "\n";
    }
  }
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();

  Totals t = countResults(results);
  outs() << results.size() << " tests: " << t.passed << " passed, " << t.failed
         << " failed, " << t.unsupported << " unsupported ("
         << format("%.1f", seconds) << " s on " << (*device)->info().name
         << ")\n";
  if (!reportPath.empty()) {
    ReportInfo info;
    info.dataDir = dataDir;
    info.deviceName = (*device)->info().name;
    const char *env = getenv("TLC_VALIDATION");
    info.validation = validation || (env && StringRef(env) == "1");
    info.seconds = seconds;
    info.filter = filter;
    if (Error e = writeFileAtomically(reportPath, [&](raw_ostream &os) {
          writeReport(results, info, os);
          return Error::success();
        }))
      return fail(std::move(e));
  }
  if (!check)
    return 0;
  // New failures, and listed tests that ran and did not fail.
  unsigned problems = 0;
  StringSet<> ran;
  for (const TestResult &r : results) {
    ran.insert(r.name);
    if (r.status == TestStatus::Failed && r.knownIssue.empty()) {
      errs() << "onnx_conformance: " << r.name
             << " failed and is not a known failure\n";
      ++problems;
    } else if (r.status != TestStatus::Failed && known.count(r.name)) {
      errs() << "onnx_conformance: " << r.name << " is "
             << testStatusName(r.status) << " but " << knownFailuresPath
             << " lists it as failing; remove that line\n";
      ++problems;
    }
  }
  if (filter.empty())
    for (const auto &kv : known)
      if (!ran.count(kv.getKey())) {
        errs() << "onnx_conformance: " << knownFailuresPath << " lists "
               << kv.getKey() << ", which is not a test in " << dataDir << "\n";
        ++problems;
      }
  return problems ? 1 : 0;
}
