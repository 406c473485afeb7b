//===- tools/conformance/ConformanceRunner.cpp - One node test ------------===//
//
// The stages of ConformanceRunner.h, in order: registry check, test data,
// import, front end (the shape rules decide what tlc claims), full compile,
// load, run, output comparison, validation messages.
//
//===----------------------------------------------------------------------===//
#include "tools/conformance/ConformanceRunner.h"

#include "ir/onnx/OnnxImporter.h"
#include "ops/OpDef.h"
#include "passes/Passes.h"
#include "driver/Pipeline.h"
#include "runtime/Runtime.h"
#include "tools/conformance/OutputCompare.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CrashRecoveryContext.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <chrono>
#include <cstring>

using namespace llvm;

namespace tlc {

StringRef testStatusName(TestStatus s) {
  switch (s) {
  case TestStatus::Passed:
    return "passed";
  case TestStatus::Failed:
    return "failed";
  case TestStatus::Unsupported:
    return "unsupported";
  }
  return "?";
}

/// Errors as one line (multi-line messages joined with "; ").
static std::string oneLine(Error e) {
  std::string s = toString(std::move(e));
  std::replace(s.begin(), s.end(), '\n', ' ');
  return s;
}

static bool isDefaultDomain(StringRef d) { return d.empty() || d == "ai.onnx"; }

/// The non-Constant op types of \p test, first occurrence order.
static std::vector<std::string> opTypes(const NodeTestCase &test) {
  std::vector<std::string> ops;
  for (const ModelNodeInfo &n : test.nodes)
    if (!(n.opType == "Constant" && isDefaultDomain(n.domain)) &&
        !is_contained(ops, n.opType))
      ops.push_back(n.opType);
  return ops;
}

static std::string opKey(const NodeTestCase &test) {
  std::vector<std::string> ops = opTypes(test);
  if (ops.empty())
    return "Constant";
  if (ops.size() == 1)
    return ops[0];
  return "multi-node: " + join(ops, ",");
}

/// Runs the compiler's front end (driver/Pipeline.cpp, up to and including
/// shape inference) on a copy of \p g: the errors here come from the shape
/// rules and the constant evaluator, i.e. tlc refusing the op's inputs or
/// attributes.
static Error frontEnd(Graph g) {
  if (Error e = scheduleTopological(g))
    return e;
  rewriteWindows1DAs2D(g);
  if (Error e = foldConstants(g).takeError())
    return e;
  removeIdentities(g);
  foldBatchNorm(g);
  return inferShapes(g);
}

namespace {
/// Per-test state and verdicts.
struct TestRun {
  TestResult &r;
  std::string modelPath;      // dropped from the front of reasons
  const char *phase = "read"; // the step under way, named if it crashes
  bool verdict(TestStatus s, StringRef stage, const Twine &reason) {
    r.status = s;
    r.stage = stage.str();
    std::string text = reason.str();
    StringRef rest(text);
    if (rest.consume_front(modelPath + ": "))
      text = rest.str();
    r.reason = std::move(text);
    return false;
  }
};
} // namespace

/// Runs one data set; returns false after setting a verdict.
static bool runDataSet(Device &device, const NodeTestCase &test,
                       const TestDataSet &set, FreezeLevel level, TestRun &t) {
  Expected<PreparedModel> prepared = prepareModel(test, set, level);
  if (!prepared)
    return t.verdict(TestStatus::Unsupported, "test data",
                     oneLine(prepared.takeError()));
  for (const std::string &name : prepared->frozenInputs)
    if (!is_contained(t.r.frozenInputs, name))
      t.r.frozenInputs.push_back(name);

  t.phase = "import";
  Expected<Graph> g = importOnnxBytes(prepared->bytes, test.dir + "/model.onnx",
                                      prepared->parseOpts);
  if (!g)
    return t.verdict(TestStatus::Unsupported, "import", oneLine(g.takeError()));
  t.phase = "the front end (shape rules)";
  if (Error e = frontEnd(*g))
    return t.verdict(TestStatus::Unsupported, "shape rules",
                     oneLine(std::move(e)));

  // tlc claims the test from here on: every error is a failure.
  t.phase = "compileGraph";
  Expected<Plan> plan = compileGraph(std::move(*g), CompileOptions());
  if (!plan)
    return t.verdict(TestStatus::Failed, "compile", oneLine(plan.takeError()));
  if (plan->outputs.size() != set.outputs.size())
    return t.verdict(TestStatus::Failed, "outputs",
                     "tlc computes " + Twine(plan->outputs.size()) +
                         " outputs; the test expects " +
                         Twine(set.outputs.size()));
  for (size_t k = 0; k < set.outputs.size(); ++k) {
    const TensorFile &want = set.outputs[k];
    const TensorType &got = plan->tensors[plan->outputs[k]].type;
    if (want.tlcType != got.dtype)
      return t.verdict(
          TestStatus::Failed, "outputs",
          "output " + Twine(k) + " is " + got.str() +
              " but the test expects dtype " + want.dtype +
              (want.decodeError.empty() ? "" : " (" + want.decodeError + ")"));
    if (got.shape != want.dims) {
      TensorType w{got.dtype, want.dims};
      return t.verdict(TestStatus::Failed, "outputs",
                       "output " + Twine(k) + " is " + got.str() +
                           "; the test expects " + w.str());
    }
  }

  uint64_t messagesBefore = device.counters().validationMessages;
  t.phase = "LoadedPlan::load";
  Expected<std::unique_ptr<LoadedPlan>> loaded =
      LoadedPlan::load(device, *plan);
  if (!loaded)
    return t.verdict(TestStatus::Failed, "load", oneLine(loaded.takeError()));
  for (size_t i = 0; i < plan->inputs.size(); ++i) {
    const std::string &name = plan->tensors[plan->inputs[i]].name;
    auto file = prepared->inputFiles.find(name);
    if (file == prepared->inputFiles.end())
      return t.verdict(TestStatus::Failed, "run",
                       "plan input '" + name + "' has no input_K.pb file");
    const TensorFile &in = set.inputs[file->second];
    const TensorType &type = plan->tensors[plan->inputs[i]].type;
    if (in.tlcType != type.dtype)
      return t.verdict(TestStatus::Failed, "run",
                       in.path + ": dtype " + in.dtype + "; tlc's input '" +
                           name + "' is " + type.str());
    if (Error e = (*loaded)->setInput(i, in.data))
      return t.verdict(TestStatus::Failed, "run", oneLine(std::move(e)));
  }
  t.phase = "LoadedPlan::run";
  if (Error e = (*loaded)->run())
    return t.verdict(TestStatus::Failed, "run", oneLine(std::move(e)));

  for (size_t k = 0; k < set.outputs.size(); ++k) {
    ArrayRef<uint8_t> bytes = (*loaded)->output(k);
    const TensorFile &want = set.outputs[k];
    if (bytes.size() != want.data.size())
      return t.verdict(TestStatus::Failed, "run",
                       "output " + Twine(k) + " has " + Twine(bytes.size()) +
                           " bytes; expected " + Twine(want.data.size()));
    if (want.tlcType != DType::F32) {
      // Integer outputs (indices, copies of integer inputs) match exactly.
      if (bytes != ArrayRef<uint8_t>(want.data))
        return t.verdict(TestStatus::Failed, "compare",
                         "output " + Twine(k) + " '" +
                             plan->tensors[plan->outputs[k]].name +
                             "': integer values differ from the test's");
      continue;
    }
    std::vector<float> got(bytes.size() / 4), ref(bytes.size() / 4);
    std::memcpy(got.data(), bytes.data(), bytes.size());
    std::memcpy(ref.data(), want.data.data(), want.data.size());
    CompareResult c = compareF32(got, ref);
    t.r.maxAbsErr = std::max(t.r.maxAbsErr, c.maxAbsErr);
    t.r.relL2 = std::max(t.r.relL2, c.relL2);
    if (!c.pass)
      return t.verdict(TestStatus::Failed, "compare",
                       "output " + Twine(k) + " '" +
                           plan->tensors[plan->outputs[k]].name +
                           "': " + c.message);
  }
  uint64_t messages = device.counters().validationMessages - messagesBefore;
  if (messages)
    return t.verdict(TestStatus::Failed, "validation",
                     Twine(messages) + " Vulkan validation-layer message(s)");
  return true;
}

TestResult ConformanceRunner::run(const NodeTestCase &test) {
  auto start = std::chrono::steady_clock::now();
  TestResult r;
  r.name = test.name;
  r.opKey = opKey(test);
  TestRun t{r, test.dir + "/model.onnx"};
  auto body = [&] {
    for (const ModelNodeInfo &n : test.nodes) {
      if (!isDefaultDomain(n.domain))
        return t.verdict(TestStatus::Unsupported, "registry",
                         "node " + n.opType + " of domain '" + n.domain +
                             "': tlc implements ONNX's default domain only");
      // An op without a device kernel (Cast, Identity, Shape, ...) still
      // gets its chance: a Cast to the same dtype or an Identity is removed,
      // and what has to run on the device is refused by shape inference
      // (checkRunsOnDevice), an "unsupported" verdict of the front end.
      const OpDef *def = lookupOp(n.opType);
      if (!def)
        return t.verdict(TestStatus::Unsupported, "registry",
                         "op " + n.opType + " is not implemented");
    }
    for (const TestDataSet &set : test.dataSets) {
      // The inputs as the test gives them first; when tlc refuses, again
      // with integer operands, then f32 parameters, as initializers (shape
      // rules need Reshape's shape or Resize's scales at compile time).
      size_t frozen = 0;
      bool passed = false;
      for (FreezeLevel level : {FreezeLevel::None, FreezeLevel::IntegerInputs,
                                FreezeLevel::Parameters}) {
        if (level != FreezeLevel::None) {
          bool refused = r.status == TestStatus::Unsupported &&
                         (r.stage == "import" || r.stage == "shape rules");
          if (!refused)
            return false;
          Expected<PreparedModel> p = prepareModel(test, set, level);
          if (!p) {
            consumeError(p.takeError());
            return false;
          }
          if (p->frozenInputs.size() == frozen)
            continue; // nothing more to freeze at this level
          frozen = p->frozenInputs.size();
        }
        r.frozenInputs.clear();
        if ((passed = runDataSet(device, test, set, level, t)))
          break;
      }
      if (!passed)
        return false;
    }
    r.status = TestStatus::Passed;
    r.stage.clear(); // an earlier attempt's refusal
    r.reason.clear();
    return true;
  };
  // A crash in tlc (a bug: every error a model can cause is an llvm::Error)
  // becomes this test's failure, and the run goes on with the next test.
  CrashRecoveryContext crc;
  if (!crc.RunSafely([&] { body(); })) {
    r.status = TestStatus::Failed;
    r.stage = "crash";
    r.reason = std::string("tlc crashed (exit code ") +
               std::to_string(crc.RetCode) + ") during " + t.phase;
  }
  r.millis = std::chrono::duration<double, std::milli>(
                 std::chrono::steady_clock::now() - start)
                 .count();
  return r;
}

TestResult ConformanceRunner::runDir(StringRef dir) {
  Expected<NodeTestCase> test = readNodeTest(dir);
  if (!test) {
    TestResult r;
    r.name = sys::path::filename(dir.rtrim('/')).str();
    r.opKey = "(unreadable)";
    r.status = TestStatus::Unsupported;
    r.stage = "read";
    r.reason = oneLine(test.takeError());
    return r;
  }
  TestResult r = run(*test);
  StringRef name = test->name;
  if (test->nodes.size() > 1 && name.endswith("_expanded")) {
    SmallString<256> base(sys::path::parent_path(test->dir.c_str()));
    sys::path::append(base, name.drop_back(strlen("_expanded")));
    if (Expected<NodeTestCase> b = readNodeTest(base)) {
      std::string key = opKey(*b);
      if (!StringRef(key).startswith("multi-node"))
        r.opKey = key + " (expanded)";
    } else {
      consumeError(b.takeError());
    }
  }
  return r;
}

} // namespace tlc
