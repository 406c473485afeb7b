//===- tests/unit/BadInputsTestUtil.h - tests/bad/ against its README -*- C++ -*-===//
//
// tests/bad/ holds malformed files of every format tlc reads (made by
// tools/make_bad_inputs.py) and README.md a table row "| `file` | phrase |"
// for each: the phrase its error must contain (a "\\|" in it is a literal
// '|'), or "(valid baseline: reads without error)" for the files that must
// read. These helpers check a reader against that table.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_TESTS_UNIT_BADINPUTSTESTUTIL_H
#define TLC_TESTS_UNIT_BADINPUTSTESTUTIL_H

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <map>
#include <string>

namespace tlc {

/// The README's phrase for the files that must read.
inline constexpr const char *kValidBaseline =
    "(valid baseline: reads without error)";

/// File name -> phrase, for the README rows whose file ends with \p ext
/// (with the space before it in the row, so that a phrase matches only
/// after a space in a message).
std::map<std::string, std::string> badInputExpectations(llvm::StringRef ext);

/// Reads every file of the README ending with \p ext (at least
/// \p minFiles, one of them a valid baseline) with \p read (the reader's
/// error, or success): baselines must read; every other file must fail
/// with an error that starts with its path and contains its phrase.
void expectBadInputsRefused(
    llvm::StringRef ext,
    llvm::function_ref<llvm::Error(const std::string &path)> read,
    size_t minFiles = 10);

/// Every tests/bad/ file ending with \p ext has a README row, and every
/// such row a file.
void expectBadInputsListed(llvm::StringRef ext);

} // namespace tlc

#endif // TLC_TESTS_UNIT_BADINPUTSTESTUTIL_H
