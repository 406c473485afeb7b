//===- tests/unit/NpyBadInputsTest.cpp - Malformed .npy files -----------===//
//
// Reads every .npy file of tests/bad/ (made by tools/make_bad_inputs.py) and
// checks the reader's verdict against tests/bad/README.md (BadInputsTestUtil):
// the baseline ok.npy reads, every other file fails with an error that
// starts with the file's path and contains the phrase the README gives for
// it. Covers npy files (ir/Npy.cpp).
//
//===----------------------------------------------------------------------===//
#include "BadInputsTestUtil.h"

#include "ir/Npy.h"

#include <gtest/gtest.h>

using namespace tlc;

TEST(NpyBadInputs, EveryFileFailsWithItsError) {
  expectBadInputsRefused(".npy", [](const std::string &path) {
    return readNpy(path).takeError();
  });
}

TEST(NpyBadInputs, EveryFileIsListedInTheReadme) {
  expectBadInputsListed(".npy");
}
