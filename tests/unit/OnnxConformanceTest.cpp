//===- tests/unit/OnnxConformanceTest.cpp - The node-test runner ----------===//
//
// The conformance runner (tools/conformance/) itself: its tolerance rule on
// hand-made arrays, and its verdicts on real ONNX node tests (Debian package
// libonnx-testdata; skipped without it): a test tlc implements passes, the
// same test with a corrupted expected output fails, and a test of an op tlc
// lacks is unsupported. The full run is the ctest `onnx_conformance`.
//
//===----------------------------------------------------------------------===//
#include "runtime/Runtime.h"
#include "tools/conformance/ConformanceRunner.h"
#include "tools/conformance/KnownFailures.h"
#include "tools/conformance/OutputCompare.h"

#include "llvm/Support/FileSystem.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

using namespace tlc;
using namespace llvm;

namespace {

const char *kNodeDir = "/usr/share/libonnx-testdata/data/node/";

TEST(OnnxConformanceCompare, ToleranceIsRelativeToTheOutputScale) {
  // Scale 1 (all |x| <= 1): 1e-4 absolute passes at the limit, 2e-4 fails.
  EXPECT_TRUE(compareF32({0.5f, 0.0f}, {0.5f, 0.00009f}).pass);
  CompareResult bad = compareF32({0.5f, 0.0f}, {0.5f, 0.0002f});
  EXPECT_FALSE(bad.pass);
  EXPECT_EQ(bad.worstIndex, 1u);
  EXPECT_NE(bad.message.find("element 1"), std::string::npos);
  // Scale 1000: an error of 0.05 is within 1e-4 x 1000.
  EXPECT_TRUE(compareF32({1000.05f, 1.0f}, {1000.0f, 1.0f}).pass);
  EXPECT_FALSE(compareF32({1000.0f, 1.2f}, {1000.0f, 1.0f}).pass);
}

TEST(OnnxConformanceCompare, SpecialValuesMustMatchExactly) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_TRUE(compareF32({nan, inf, -inf}, {nan, inf, -inf}).pass);
  EXPECT_FALSE(compareF32({0.0f}, {nan}).pass);
  EXPECT_FALSE(compareF32({nan}, {0.0f}).pass);
  EXPECT_FALSE(compareF32({inf}, {-inf}).pass);
  EXPECT_FALSE(compareF32({1e30f}, {inf}).pass);
}

TEST(OnnxConformanceKnownFailures, ParsesNamesAndNotes) {
  Expected<KnownFailures> k = parseKnownFailures(
      "# comment\n\ntest_a  ops/A.cpp: why\n\ttest_b\tops/B.cpp: x y \n",
      "kf.txt");
  ASSERT_TRUE(bool(k)) << toString(k.takeError());
  EXPECT_EQ(k->size(), 2u);
  EXPECT_EQ(k->lookup("test_a"), "ops/A.cpp: why");
  EXPECT_EQ(k->lookup("test_b"), "ops/B.cpp: x y");
}

TEST(OnnxConformanceKnownFailures, ErrorsNameTheLine) {
  auto message = [](StringRef text) {
    Expected<KnownFailures> k = parseKnownFailures(text, "kf.txt");
    return k ? std::string("no error") : toString(k.takeError());
  };
  EXPECT_EQ(message("# c\nrelu  note\n"),
            "kf.txt:2: 'relu' is not a node test name (expected test_...)");
  EXPECT_NE(message("test_a\n").find("kf.txt:1: 'test_a' has no note"),
            std::string::npos);
  EXPECT_EQ(message("test_a n\ntest_a m\n"),
            "kf.txt:2: 'test_a' is listed twice");
}

class OnnxConformanceRunner : public ::testing::Test {
protected:
  static Device &device() {
    static std::unique_ptr<Device> dev = [] {
      DeviceOptions opts;
      opts.validation = true;
      auto d = Device::create(opts);
      EXPECT_TRUE(bool(d)) << toString(d.takeError());
      return d ? std::move(*d) : nullptr;
    }();
    return *dev;
  }
  void SetUp() override {
    if (!sys::fs::is_directory(kNodeDir))
      GTEST_SKIP() << kNodeDir << " not found (libonnx-testdata)";
  }
};

TEST_F(OnnxConformanceRunner, ImplementedOpPasses) {
  ConformanceRunner runner(device());
  TestResult r = runner.runDir(std::string(kNodeDir) + "test_relu");
  EXPECT_EQ(r.status, TestStatus::Passed) << r.stage << ": " << r.reason;
  EXPECT_EQ(r.opKey, "Relu");
}

TEST_F(OnnxConformanceRunner, WrongExpectedOutputFails) {
  Expected<NodeTestCase> test =
      readNodeTest(std::string(kNodeDir) + "test_sigmoid");
  ASSERT_TRUE(bool(test)) << toString(test.takeError());
  ASSERT_EQ(test->dataSets[0].outputs.size(), 1u);
  std::vector<uint8_t> &bytes = test->dataSets[0].outputs[0].data;
  ASSERT_GE(bytes.size(), 4u * 8);
  float x;
  std::memcpy(&x, bytes.data() + 4 * 7, 4);
  x += 0.01f; // sigmoid lies in (0, 1): scale 1, 100x the tolerance
  std::memcpy(bytes.data() + 4 * 7, &x, 4);
  ConformanceRunner runner(device());
  TestResult r = runner.run(*test);
  EXPECT_EQ(r.status, TestStatus::Failed);
  EXPECT_EQ(r.stage, "compare");
  EXPECT_NE(r.reason.find("element 7"), std::string::npos) << r.reason;
}

TEST_F(OnnxConformanceRunner, UnequalSplitMatchesPytorch) {
  // torch.chunk of a length-3 vector: Split with split = [2, 1]. Its
  // lowering once rebuilt the pieces as equal ones and crashed.
  std::string dir =
      std::string(kNodeDir) + "../pytorch-operator/test_operator_chunk";
  if (!sys::fs::is_directory(dir))
    GTEST_SKIP() << dir << " not found";
  ConformanceRunner runner(device());
  TestResult r = runner.runDir(dir);
  EXPECT_EQ(r.status, TestStatus::Passed) << r.stage << ": " << r.reason;
  EXPECT_EQ(r.opKey, "Split");
}

TEST_F(OnnxConformanceRunner, CompileTimeOperandsBecomeInitializers) {
  // Split's `split` is an INT64 graph input in the test; tlc's shape rule
  // needs it at compile time, so the second attempt freezes it.
  ConformanceRunner runner(device());
  TestResult r =
      runner.runDir(std::string(kNodeDir) + "test_split_variable_parts_1d");
  EXPECT_EQ(r.status, TestStatus::Passed) << r.stage << ": " << r.reason;
  EXPECT_EQ(r.frozenInputs, std::vector<std::string>{"split"});
  EXPECT_EQ(r.reason, ""); // the first attempt's refusal is not kept
}

TEST_F(OnnxConformanceRunner, MissingOpIsUnsupported) {
  ConformanceRunner runner(device());
  TestResult r = runner.runDir(std::string(kNodeDir) + "test_det_2d");
  EXPECT_EQ(r.status, TestStatus::Unsupported);
  EXPECT_EQ(r.stage, "registry");
  EXPECT_NE(r.reason.find("Det"), std::string::npos) << r.reason;
}

TEST_F(OnnxConformanceRunner, UnreadableDirectoryIsReportedNotThrown) {
  ConformanceRunner runner(device());
  TestResult r = runner.runDir(std::string(kNodeDir) + "no_such_test");
  EXPECT_EQ(r.status, TestStatus::Unsupported);
  EXPECT_EQ(r.stage, "read");
  EXPECT_NE(r.reason.find("model.onnx"), std::string::npos) << r.reason;
}

} // namespace
