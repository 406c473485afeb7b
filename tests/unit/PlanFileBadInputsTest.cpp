//===- tests/unit/PlanFileBadInputsTest.cpp - Malformed .tlp files -----------===//
//
// Reads every .tlp file of tests/bad/ (made by tools/make_bad_inputs.py) and
// checks the reader's verdict against tests/bad/README.md: the baselines
// ok_plan.tlp and ok_plan_sym.tlp (a plan over a range of shapes) read, every
// other file fails with an error that starts with the file's path and
// contains the phrase the README gives for it (byte offsets and JSON paths
// included). Covers .tlp plans (codegen/PlanFile.cpp, PlanFileJson.cpp,
// PlanValidate.cpp).
//
//===----------------------------------------------------------------------===//
#include "BadInputsTestUtil.h"

#include "codegen/Plan.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

using namespace tlc;

TEST(PlanFileBadInputs, EveryFileFailsWithItsError) {
  // Both baselines, the static plan and the plan over a range of shapes.
  std::map<std::string, std::string> files = badInputExpectations(".tlp");
  ASSERT_EQ(llvm::StringRef(files["ok_plan.tlp"]).trim(), kValidBaseline);
  ASSERT_EQ(llvm::StringRef(files["ok_plan_sym.tlp"]).trim(), kValidBaseline);
  expectBadInputsRefused(".tlp", [](const std::string &path) {
    return readPlanFile(path).takeError();
  });
}

TEST(PlanFileBadInputs, EveryFileIsListedInTheReadme) {
  expectBadInputsListed(".tlp");
}
