//===- tests/unit/GgufBadInputsTest.cpp - Malformed GGUF files -----------===//
//
// Reads every .gguf file of tests/bad/ (made by tools/make_bad_inputs.py) and
// checks the reader's verdict against tests/bad/README.md: the baseline
// ok.gguf reads, every other file fails with an error that starts with
// the file's path and contains the phrase the README gives for it (byte
// offsets included). Covers GGUF files (ir/Gguf.cpp).
//
//===----------------------------------------------------------------------===//
#include "ir/Gguf.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

using namespace llvm;
using namespace tlc;

namespace {

const std::string kBadDir = TLC_SOURCE_DIR "/tests/bad/";

/// file name -> expected phrase, from the README's table rows
/// "| `file` | phrase |" (a "\\|" in the phrase is a literal '|').
std::map<std::string, std::string> expectations(StringRef ext) {
  std::map<std::string, std::string> out;
  auto buf = MemoryBuffer::getFile(kBadDir + "README.md");
  EXPECT_TRUE(bool(buf)) << "cannot read tests/bad/README.md";
  if (!buf)
    return out;
  SmallVector<StringRef, 128> lines;
  (*buf)->getBuffer().split(lines, '\n');
  for (StringRef line : lines) {
    if (!line.startswith("| `"))
      continue;
    StringRef rest = line.drop_front(3);
    size_t tick = rest.find('`');
    StringRef name = rest.take_front(tick);
    StringRef phrase = rest.drop_front(tick).drop_front(3).rtrim();
    phrase.consume_back("|");
    std::string p = phrase.rtrim().str();
    for (size_t i; (i = p.find("\\|")) != std::string::npos;)
      p.replace(i, 2, "|");
    if (name.endswith(ext))
      out[name.str()] = p;
  }
  return out;
}

TEST(GgufBadInputs, EveryFileFailsWithItsError) {
  std::map<std::string, std::string> files = expectations(".gguf");
  ASSERT_GE(files.size(), 10u);
  ASSERT_TRUE(files.count("ok.gguf"));
  for (const auto &[name, phrase] : files) {
    std::string path = kBadDir + name;
    auto result = readGgufFile(path);
    if (name == "ok.gguf") {
      EXPECT_TRUE(bool(result)) << name << ": "
                                << (result ? "" : toString(result.takeError()));
      continue;
    }
    if (result) {
      ADD_FAILURE() << name << " was accepted; expected: " << phrase;
      continue;
    }
    std::string msg = toString(result.takeError());
    EXPECT_EQ(msg.rfind(path + ": ", 0), 0u)
        << name << ": error does not start with the path: " << msg;
    EXPECT_NE(msg.find(phrase), std::string::npos)
        << name << ":\n  got:      " << msg << "\n  expected: " << phrase;
  }
}

TEST(GgufBadInputs, EveryFileIsListedInTheReadme) {
  std::map<std::string, std::string> files = expectations(".gguf");
  std::error_code ec;
  int seen = 0;
  for (sys::fs::directory_iterator it(kBadDir, ec), end; it != end && !ec;
       it.increment(ec)) {
    StringRef name = sys::path::filename(it->path());
    if (!name.endswith(".gguf"))
      continue;
    ++seen;
    EXPECT_TRUE(files.count(name.str())) << name.str() << " has no README row";
  }
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_EQ(size_t(seen), files.size()) << "README rows without a file";
}

} // namespace
