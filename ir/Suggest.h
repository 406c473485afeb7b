//===- ir/Suggest.h - "Did you mean ...?" for typed names -------*- C++ -*-===//
//
// A misspelled op, input, tensor or command name is far easier to fix when
// the error names the closest valid one: `ReLU` -> `Relu`, `img` -> `image`,
// `compil` -> `compile`. Closeness is the Levenshtein distance
// (llvm::StringRef::edit_distance) between the lower-cased names, so that a
// difference in case alone always matches.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_IR_SUGGEST_H
#define TLC_IR_SUGGEST_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <optional>
#include <string>

namespace tlc {

/// The candidate closest to \p typed when it is close enough to be a likely
/// typo: case-insensitive edit distance below typed.size() and at most
/// max(2, typed.size() / 3); ties go to the smaller case-sensitive distance,
/// then to the earlier candidate. std::nullopt when none is that close (or
/// \p typed is itself a candidate).
std::optional<llvm::StringRef>
closestName(llvm::StringRef typed, llvm::ArrayRef<llvm::StringRef> candidates);

/// "; did you mean 'NAME'?" for closestName's answer, else "".
std::string didYouMean(llvm::StringRef typed,
                       llvm::ArrayRef<llvm::StringRef> candidates);

} // namespace tlc

#endif // TLC_IR_SUGGEST_H
