//===- ir/Suggest.cpp - "Did you mean ...?" for typed names ---------------===//
#include "ir/Suggest.h"

#include <algorithm>

using namespace llvm;

namespace tlc {

std::optional<StringRef> closestName(StringRef typed,
                                     ArrayRef<StringRef> candidates) {
  if (typed.empty())
    return std::nullopt;
  // Below typed.size(): a one-letter name is never "close" to another one.
  unsigned limit = std::min<unsigned>(
      typed.size() - 1, std::max<unsigned>(2, unsigned(typed.size() / 3)));
  std::string lowered = typed.lower();
  std::optional<StringRef> best;
  unsigned bestDist = limit + 1, bestExact = 0;
  for (StringRef c : candidates) {
    if (c == typed)
      return std::nullopt;
    unsigned d = StringRef(lowered).edit_distance(c.lower(), true, limit);
    if (d > limit || d > bestDist)
      continue;
    unsigned exact = typed.edit_distance(c);
    if (d < bestDist || exact < bestExact) {
      best = c;
      bestDist = d;
      bestExact = exact;
    }
  }
  return best;
}

std::string didYouMean(StringRef typed, ArrayRef<StringRef> candidates) {
  std::optional<StringRef> c = closestName(typed, candidates);
  return c ? "; did you mean '" + c->str() + "'?" : std::string();
}

} // namespace tlc
