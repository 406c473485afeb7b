//===- ir/JsonCheck.h - Checks around llvm::json for file formats -*- C++ -*-===//
//
// The two binary formats with a JSON part, safetensors (its header) and
// tlc's plan file (its metadata), read it with llvm::json and report
// errors at byte offsets of the whole file. These are the checks and error
// texts they share.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_IR_JSONCHECK_H
#define TLC_IR_JSONCHECK_H

#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/Error.h"

#include <cstddef>
#include <cstdint>

namespace tlc {

/// Offset of the first '[' or '{' of \p text nested deeper than \p limit
/// (strings skipped), or StringRef::npos. llvm::json::parse recurses once
/// per level, so a document of a million '[' would overflow the stack:
/// callers scan with this first.
size_t findTooDeepNesting(llvm::StringRef text, unsigned limit);

/// Turns the llvm::json::ParseError \p e ("[L:C, byte=N]: msg") into
/// "<file>: byte offset N' (JSON <part> line L, column C): invalid JSON:
/// msg", N' = N + \p base counted from the start of the file and pointing at
/// the offending character (the parser stops just past it). \p part names
/// the JSON part ("header", "metadata").
llvm::Error jsonSyntaxError(llvm::Error e, llvm::StringRef file, uint64_t base,
                            llvm::StringRef part);

} // namespace tlc

#endif // TLC_IR_JSONCHECK_H
