//===- tools/conformance/KnownFailures.cpp - Expected failures ------------===//
//
// The line format of KnownFailures.h.
//
//===----------------------------------------------------------------------===//
#include "tools/conformance/KnownFailures.h"

#include "llvm/Support/MemoryBuffer.h"

using namespace llvm;

namespace tlc {

Expected<KnownFailures> parseKnownFailures(StringRef text, StringRef fileName) {
  KnownFailures out;
  unsigned lineNo = 0;
  while (!text.empty()) {
    StringRef line;
    std::tie(line, text) = text.split('\n');
    ++lineNo;
    line = line.trim();
    if (line.empty() || line.startswith("#"))
      continue;
    auto err = [&](const Twine &msg) {
      return createStringError(inconvertibleErrorCode(),
                               fileName + ":" + Twine(lineNo) + ": " + msg);
    };
    size_t space = line.find_first_of(" \t");
    StringRef name = line.substr(0, space);
    StringRef note =
        space == StringRef::npos ? StringRef() : line.substr(space).trim();
    if (!name.startswith("test_"))
      return err("'" + name + "' is not a node test name (expected test_...)");
    if (note.empty())
      return err("'" + name +
                 "' has no note; expected 'test_name  the file "
                 "at fault: why it fails'");
    if (!out.try_emplace(name, note.str()).second)
      return err("'" + name + "' is listed twice");
  }
  return out;
}

Expected<KnownFailures> readKnownFailures(StringRef path) {
  ErrorOr<std::unique_ptr<MemoryBuffer>> buf = MemoryBuffer::getFile(path);
  if (!buf)
    return createStringError(
        buf.getError(), path + ": cannot read: " + buf.getError().message());
  return parseKnownFailures((*buf)->getBuffer(), path);
}

} // namespace tlc
