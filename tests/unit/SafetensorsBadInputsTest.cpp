//===- tests/unit/SafetensorsBadInputsTest.cpp - Malformed .safetensors files -----------===//
//
// Reads every .safetensors file of tests/bad/ (made by tools/make_bad_inputs.py) and
// checks the reader's verdict against tests/bad/README.md (BadInputsTestUtil):
// the baseline ok.safetensors reads, every other file fails with an error that
// starts with the file's path and contains the phrase the README gives for
// it. Covers safetensors files (ir/Safetensors.cpp).
//
//===----------------------------------------------------------------------===//
#include "BadInputsTestUtil.h"

#include "ir/Safetensors.h"

#include <gtest/gtest.h>

using namespace tlc;

TEST(SafetensorsBadInputs, EveryFileFailsWithItsError) {
  expectBadInputsRefused(".safetensors", [](const std::string &path) {
    return readSafetensors(path).takeError();
  });
}

TEST(SafetensorsBadInputs, EveryFileIsListedInTheReadme) {
  expectBadInputsListed(".safetensors");
}
