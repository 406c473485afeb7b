//===- tests/unit/BadInputsTestUtil.cpp - tests/bad/ against its README ---===//
#include "BadInputsTestUtil.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <gtest/gtest.h>

using namespace llvm;

namespace tlc {

static const std::string kBadDir = TLC_SOURCE_DIR "/tests/bad/";

std::map<std::string, std::string> badInputExpectations(StringRef ext) {
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

void expectBadInputsRefused(
    StringRef ext, function_ref<Error(const std::string &path)> read,
    size_t minFiles) {
  std::map<std::string, std::string> files = badInputExpectations(ext);
  ASSERT_GE(files.size(), minFiles);
  bool baseline = false;
  for (const auto &[name, phrase] : files) {
    std::string path = kBadDir + name;
    Error result = read(path);
    if (StringRef(phrase).trim() == kValidBaseline) {
      baseline = true;
      EXPECT_FALSE(bool(result)) << name << ": " << toString(std::move(result));
      continue;
    }
    if (!result) {
      ADD_FAILURE() << name << " was accepted; expected: " << phrase;
      continue;
    }
    std::string msg = toString(std::move(result));
    EXPECT_EQ(msg.rfind(path + ": ", 0), 0u)
        << name << ": error does not start with the path: " << msg;
    EXPECT_NE(msg.find(phrase), std::string::npos)
        << name << ":\n  got:      " << msg << "\n  expected: " << phrase;
  }
  EXPECT_TRUE(baseline) << "no valid " << ext.str() << " baseline";
}

void expectBadInputsListed(StringRef ext) {
  std::map<std::string, std::string> files = badInputExpectations(ext);
  std::error_code ec;
  int seen = 0;
  for (sys::fs::directory_iterator it(kBadDir, ec), end; it != end && !ec;
       it.increment(ec)) {
    StringRef name = sys::path::filename(it->path());
    if (!name.endswith(ext))
      continue;
    ++seen;
    EXPECT_TRUE(files.count(name.str())) << name.str() << " has no README row";
  }
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_EQ(size_t(seen), files.size()) << "README rows without a file";
}

} // namespace tlc
