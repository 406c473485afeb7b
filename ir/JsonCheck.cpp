//===- ir/JsonCheck.cpp - Checks around llvm::json for file formats -------===//
#include "ir/JsonCheck.h"

#include <cstdio>
#include <string>

using namespace llvm;

namespace tlc {

size_t findTooDeepNesting(StringRef text, unsigned limit) {
  unsigned depth = 0;
  bool inString = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (inString) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        inString = false;
    } else if (c == '"') {
      inString = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit)
        return i;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return StringRef::npos;
}

Error jsonSyntaxError(Error e, StringRef file, uint64_t base, StringRef part) {
  std::string text = toString(std::move(e));
  unsigned line = 0, col = 0, byte = 0;
  int consumed = 0;
  std::string msg;
  if (sscanf(text.c_str(), "[%u:%u, byte=%u]: %n", &line, &col, &byte,
             &consumed) == 3 &&
      consumed > 0)
    msg = ("byte offset " + Twine(base + (byte ? byte - 1 : 0)) + " (JSON " +
           part + " line " + Twine(line) + ", column " + Twine(col) +
           "): invalid JSON: " + text.substr(consumed))
              .str();
  else
    msg = ("invalid JSON " + part + " at byte offset " + Twine(base) + ": " +
           text)
              .str();
  return createStringError(inconvertibleErrorCode(),
                           (file + ": " + msg).str());
}

} // namespace tlc
