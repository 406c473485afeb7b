//===- examples/ocr/CtcDecode.cpp - CTC greedy decoding -------------------===//
#include "examples/ocr/CtcDecode.h"

#include "llvm/Support/MemoryBuffer.h"

#include <cassert>

using namespace llvm;

namespace ocr {

Expected<CharacterSet> loadCharacterSet(StringRef path) {
  ErrorOr<std::unique_ptr<MemoryBuffer>> buf = MemoryBuffer::getFile(path);
  if (!buf)
    return createStringError(buf.getError(), "%s: %s", path.str().c_str(),
                             buf.getError().message().c_str());
  CharacterSet chars{""};
  StringRef rest = (*buf)->getBuffer();
  unsigned line = 0;
  while (!rest.empty()) {
    StringRef key;
    std::tie(key, rest) = rest.split('\n');
    ++line;
    key = key.rtrim('\r');
    if (key.empty())
      return createStringError(inconvertibleErrorCode(),
                               "%s:%u: empty key (expected one character per "
                               "line)",
                               path.str().c_str(), line);
    chars.push_back(key.str());
  }
  chars.push_back(" ");
  return chars;
}

Expected<Decoded> ctcGreedyDecode(ArrayRef<float> probs, int steps, int classes,
                                  const CharacterSet &chars) {
  if (size_t(classes) != chars.size())
    return createStringError(inconvertibleErrorCode(),
                             "the recognizer has %d classes but the keys file "
                             "gives %zu (blank + keys + space)",
                             classes, chars.size());
  assert(probs.size() == size_t(steps) * classes);
  Decoded out;
  int previous = 0, count = 0;
  double sum = 0;
  for (int t = 0; t < steps; ++t) {
    const float *row = probs.data() + size_t(t) * classes;
    int best = 0;
    for (int c = 1; c < classes; ++c)
      if (row[c] > row[best])
        best = c;
    if (best != 0 && best != previous) {
      out.text += chars[best];
      sum += row[best];
      ++count;
    }
    previous = best;
  }
  out.score = count ? float(sum / count) : 0.0f;
  return out;
}

} // namespace ocr
