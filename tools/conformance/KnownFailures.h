//===- tools/conformance/KnownFailures.h - Expected failures ----*- C++ -*-===//
//
// The list of node tests that tlc claims and is known to fail, each with a
// note naming the file at fault and why (tools/conformance/
// known-failures.txt). `onnx_conformance --check` fails on a failure that is
// not listed and on a listed test that no longer fails, so the list can
// only shrink as ops are fixed; the report still counts listed tests as
// failed.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_TOOLS_CONFORMANCE_KNOWNFAILURES_H
#define TLC_TOOLS_CONFORMANCE_KNOWNFAILURES_H

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <string>

namespace tlc {

/// Test name -> note.
using KnownFailures = llvm::StringMap<std::string>;

/// Parses \p text: one test per line, "test_name  note", the note being the
/// rest of the line (required); blank lines and lines starting with '#' are
/// skipped. Errors name \p fileName and the line: a name that does not start
/// with "test_", a missing note, a name listed twice.
llvm::Expected<KnownFailures> parseKnownFailures(llvm::StringRef text,
                                                 llvm::StringRef fileName);

/// Reads and parses the file at \p path; errors name the file.
llvm::Expected<KnownFailures> readKnownFailures(llvm::StringRef path);

} // namespace tlc

#endif // TLC_TOOLS_CONFORMANCE_KNOWNFAILURES_H
