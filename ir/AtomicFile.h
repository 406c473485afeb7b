//===- ir/AtomicFile.h - Write output files atomically ----------*- C++ -*-===//
//
// Every file tlc writes (.tlp plans, .npy and .safetensors tensors) goes
// through writeFileAtomically: the bytes are written to a temporary file in
// the destination's directory and renamed over the destination only once they
// are complete. A reader therefore sees either the old file or the whole new
// one, never a prefix, and a failed write leaves no stray temporary behind.
//
//===----------------------------------------------------------------------===//
#ifndef TLC_IR_ATOMICFILE_H
#define TLC_IR_ATOMICFILE_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>

namespace tlc {

/// Creates "<path>.tmp-XXXXXX" next to \p path, lets \p writer fill it, then
/// renames it to \p path (POSIX rename(2) is atomic within one file system).
/// When \p writer returns an error, or creating, writing, flushing or renaming
/// fails, the temporary is removed and the error is returned, prefixed with
/// "<path>: " and naming the step that failed ("cannot create temporary
/// file", "write error", "cannot rename ..."). An existing \p path is left
/// untouched on every error.
llvm::Error
writeFileAtomically(llvm::StringRef path,
                    llvm::function_ref<llvm::Error(llvm::raw_ostream &)> writer);

/// Writes \p bytes (any length, including zero) to \p path atomically, as
/// above.
llvm::Error writeFileAtomically(llvm::StringRef path,
                                llvm::ArrayRef<uint8_t> bytes);

} // namespace tlc

#endif // TLC_IR_ATOMICFILE_H
