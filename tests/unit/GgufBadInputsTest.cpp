//===- tests/unit/GgufBadInputsTest.cpp - Malformed GGUF files -----------===//
//
// Reads every .gguf file of tests/bad/ (made by tools/make_bad_inputs.py) and
// checks the reader's verdict against tests/bad/README.md (BadInputsTestUtil):
// the baseline ok.gguf reads, every other file fails with an error that
// starts with the file's path and contains the phrase the README gives for
// it. Covers GGUF files (ir/Gguf.cpp).
//
//===----------------------------------------------------------------------===//
#include "BadInputsTestUtil.h"

#include "ir/Gguf.h"

#include <gtest/gtest.h>

using namespace tlc;

TEST(GgufBadInputs, EveryFileFailsWithItsError) {
  expectBadInputsRefused(".gguf", [](const std::string &path) {
    return readGgufFile(path).takeError();
  });
}

TEST(GgufBadInputs, EveryFileIsListedInTheReadme) {
  expectBadInputsListed(".gguf");
}
